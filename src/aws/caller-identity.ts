import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type AwsTarget, type AwsTransport, sourceCredentials, stsClient } from './clients.ts';

// Who Hubgraph is to AWS, for a connector's source identity (its own default chain or a stored
// access key): the principal a role's trust policy must name. STS GetCallerIdentity needs no
// permission, so it answers for any valid credentials.

export interface CallerIdentity {
  arn: string;
  account: string;
  /** What a trust policy names: the caller, or for an assumed-role session its role. */
  principal: string;
}

/**
 * The ARN a trust policy names: an assumed-role session is trusted through its role. (The session
 * ARN drops the role's path; a role under a path must be named with it, which STS cannot tell us.)
 */
export function trustedPrincipalOf(callerArn: string | null): string | null {
  if (!callerArn) return null;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}

const TTL_MS = 5 * 60 * 1000;

/**
 * GetCallerIdentity answers cached for five minutes per source identity and endpoint, so a list of
 * connectors asking for their AWS set-up asks STS once. Failures are not cached.
 */
export class CallerIdentityCache {
  private readonly answers = new Map<string, { at: number; identity: Promise<CallerIdentity> }>();

  identity(target: AwsTarget, transport: AwsTransport): Promise<CallerIdentity> {
    const source =
      target.authMode === 'ASSUME_ROLE' ? (target.sourceMode ?? 'DEFAULT_CHAIN') : target.authMode;
    const key = JSON.stringify([
      source,
      source === 'ACCESS_KEY' ? target.accessKeyId : null,
      target.endpointOverride,
      target.regions[0],
    ]);
    const cached = this.answers.get(key);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.identity;
    const identity = stsClient(target, transport, sourceCredentials(target), target.regions[0], 1)
      .send(new GetCallerIdentityCommand({}))
      .then((answer) => ({
        arn: answer.Arn!,
        account: answer.Account!,
        principal: trustedPrincipalOf(answer.Arn!)!,
      }));
    this.answers.set(key, { at: Date.now(), identity });
    identity.catch(() => {
      if (this.answers.get(key)?.identity === identity) this.answers.delete(key);
    });
    return identity;
  }
}
