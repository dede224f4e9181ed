import { AwsError } from './errors.ts';
import { Identity, type Principal } from './identity.ts';

// STS on the query protocol (form-encoded request, XML response): AssumeRole with trust policies,
// external ids and duration limits, and GetCallerIdentity. research/aws-api.md §3.

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface StsContext {
  identity: Identity;
  caller: Principal;
  nowMs: number;
  requestId: string;
}

export function handleSts(params: URLSearchParams, context: StsContext): string {
  const action = params.get('Action');
  if (params.get('Version') !== '2011-06-15') {
    throw new AwsError(
      'InvalidAction',
      400,
      `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }
  switch (action) {
    case 'GetCallerIdentity':
      return envelope(
        'GetCallerIdentity',
        context.requestId,
        `<Arn>${xml(context.caller.arn)}</Arn><UserId>${xml(context.caller.kind === 'user' ? context.caller.userId : context.caller.userId)}</UserId><Account>${context.caller.accountId}</Account>`,
      );
    case 'AssumeRole':
      return assumeRole(params, context);
    default:
      throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version 2011-06-15`);
  }
}

function assumeRole(params: URLSearchParams, context: StsContext): string {
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  const externalId = params.get('ExternalId') ?? undefined;
  const durationText = params.get('DurationSeconds');
  const problems: string[] = [];
  if (roleArn === null)
    problems.push("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  else if (roleArn.length < 20 || roleArn.length > 2048)
    problems.push(
      `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048`,
    );
  if (sessionName === null)
    problems.push("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  else if (sessionName.length < 2 || sessionName.length > 64)
    problems.push(
      `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64 and greater than or equal to 2`,
    );
  else if (!/^[\w+=,.@-]*$/.test(sessionName))
    problems.push(
      `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  if (
    externalId !== undefined &&
    (externalId.length < 2 || externalId.length > 1224 || !/^[\w+=,.@:/-]*$/.test(externalId))
  ) {
    problems.push(
      `Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and match [\\w+=,.@:/-]*`,
    );
  }
  const duration = durationText === null ? 3600 : Number(durationText);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
    problems.push(
      `Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  if (problems.length > 0) {
    throw new AwsError(
      'ValidationError',
      400,
      `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
    );
  }
  const { identity, caller } = context;
  // AWS answers a missing role, an untrusted caller and a wrong external id with the same error.
  const denied = () =>
    new AwsError(
      'AccessDenied',
      403,
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  const role = identity.role(roleArn!);
  if (!role || !Identity.allows(caller, 'sts:AssumeRole') || !Identity.trusts(role, caller, externalId))
    throw denied();
  if (caller.kind === 'session' && duration > 3600) {
    throw new AwsError(
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > role.maxSessionDuration) {
    throw new AwsError(
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  const session = identity.createSession(role, sessionName!, duration, context.nowMs);
  return envelope(
    'AssumeRole',
    context.requestId,
    `<AssumedRoleUser><Arn>${xml(session.arn)}</Arn><AssumedRoleId>${xml(session.userId)}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${xml(session.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xml(session.sessionToken)}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString()}</Expiration></Credentials>` +
      `<PackedPolicySize>0</PackedPolicySize>`,
  );
}

function envelope(action: string, requestId: string, result: string): string {
  return `<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function stsErrorXml(error: AwsError, requestId: string): string {
  return `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${error.type}</Type><Code>${error.code}</Code><Message>${xml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function xml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
