import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { securityHubClient } from '../aws/clients.ts';
import type { ConnectorModel } from '../connectors/model.ts';
import { targetOfConnector } from '../connectors/service.ts';
import type { TenantContext } from '../context.ts';

// Security Hub clients for one connector outside a sync run: its credentials (role sessions cached
// as for the sync) and every SDK attempt — its retries included — waiting for a token of the
// account-Region's quota for that operation, in the process's one limiter the sync also uses.

export interface ConnectorClients {
  /** The account whose quota the requests spend (the role's). */
  account: string | undefined;
  client(region: string): SecurityHubClient;
}

export async function connectorClients(
  ctx: TenantContext,
  connector: ConnectorModel,
  maxAttempts: number,
): Promise<ConnectorClients> {
  const { app } = ctx;
  const target = await targetOfConnector(ctx, connector);
  const credentials = app.aws.roleSessions.credentials(connector.id, target, app.aws.transport);
  const account = target.roleArn?.split(':')[4] ?? connector.baseAccountId ?? undefined;
  const clients = new Map<string, SecurityHubClient>();
  return {
    account,
    client(region) {
      let client = clients.get(region);
      if (client) return client;
      client = securityHubClient(target, app.aws.transport, credentials, region, maxAttempts);
      client.middlewareStack.remove('loggerMiddleware');
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          await app.aws.limiter.acquire(account ?? 'unknown', region, operation);
          return next(args);
        },
        { step: 'deserialize', name: 'hubgraphQuota', priority: 'high' },
      );
      clients.set(region, client);
      return client;
    },
  };
}
