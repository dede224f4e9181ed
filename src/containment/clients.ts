import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Client } from '../aws/clients.ts';
import { ec2QuotaBucket } from '../aws/quotas.ts';
import type { ConnectorModel } from '../connectors/model.ts';
import { targetOfConnector } from '../connectors/service.ts';
import type { TenantContext } from '../context.ts';

// An EC2 client for one connector and Region: the connector's credentials (its role, assumed and
// cached as for the sync and write-back), every attempt waiting for a token of EC2's throttling
// bucket for the action in the process's one limiter.

export interface ConnectorEc2 {
  /** The account the connector's credentials act in (its role's), when known. */
  account: string | undefined;
  client: EC2Client;
}

export async function connectorEc2(
  ctx: TenantContext,
  connector: ConnectorModel,
  region: string,
  maxAttempts = 3,
): Promise<ConnectorEc2> {
  const { app } = ctx;
  const target = await targetOfConnector(ctx, connector);
  const credentials = app.aws.roleSessions.credentials(connector.id, target, app.aws.transport);
  const account = target.roleArn?.split(':')[4] ?? connector.baseAccountId ?? undefined;
  const client = ec2Client(target, app.aws.transport, credentials, region, maxAttempts);
  client.middlewareStack.remove('loggerMiddleware');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      await app.aws.limiter.acquire(account ?? 'unknown', region, ec2QuotaBucket(action));
      return next(args);
    },
    { step: 'deserialize', name: 'hubgraphQuota', priority: 'high' },
  );
  return { account, client };
}
