import { AwsCallDeadlineError, CustomEndpointNotAllowedError } from '../aws/clients.ts';

// What an AWS error means for a run: wait and try again, refresh the credentials, restart a slice,
// or stop and tell the user what to change.

export interface AwsErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: unknown;
}

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
]);

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

export function isThrottling(error: unknown): boolean {
  const e = error as AwsErrorLike;
  return THROTTLING.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

/** Worth another try after a pause: throttling, AWS's 5xx, a dropped connection, a timeout. */
export function isTransient(error: unknown): boolean {
  const e = error as AwsErrorLike;
  if (isThrottling(error) || error instanceof AwsCallDeadlineError) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (NETWORK.has(e?.code ?? '') || NETWORK.has(e?.name ?? '')) return true;
  return (
    e?.name === 'TimeoutError' ||
    e?.name === 'RequestTimeout' ||
    /socket hang up|ECONNRESET|retry token|timed? ?out/i.test(e?.message ?? '')
  );
}

/** The session's credentials expired (also when our clock and AWS's disagree): assume the role again. */
export function isExpiredCredentials(error: unknown): boolean {
  const e = error as AwsErrorLike;
  return (
    e?.name === 'ExpiredTokenException' ||
    e?.name === 'ExpiredToken' ||
    /security token included in the request is expired/i.test(e?.message ?? '')
  );
}

/**
 * Security Hub no longer accepts the token (expired, or the query changed): restart from the
 * checkpoint. CSPM says so with InvalidInputException, the new Security Hub with ValidationException.
 */
export function isInvalidNextToken(error: unknown): boolean {
  const e = error as AwsErrorLike;
  return (
    (e?.name === 'InvalidInputException' || e?.name === 'ValidationException') &&
    /NextToken/i.test(e?.message ?? '')
  );
}

export function isAbort(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError';
}

/** A failure no retry will mend, with what the user should change. */
export class PermanentSyncError extends Error {
  readonly remediation: string;
  readonly awsErrorCode: string | undefined;
  constructor(message: string, remediation: string, awsErrorCode?: string) {
    super(message);
    this.name = 'PermanentSyncError';
    this.remediation = remediation;
    this.awsErrorCode = awsErrorCode;
  }
}

/**
 * Turns an error no retry will mend into a PermanentSyncError that says what to do; returns
 * undefined for errors that may pass (transient ones, or ones we do not recognise).
 */
export function permanentFailure(
  error: unknown,
  where: {
    region: string;
    accountId: string;
    principal: string;
    api?: 'CSPM' | 'V2';
    /** The V2 operation, when not GetFindingsV2 (GetResourcesV2 has a permission of its own). */
    operation?: 'GetResourcesV2';
    /** The request carried organisation Scopes (a delegated administrator's only). */
    scoped?: boolean;
  },
): PermanentSyncError | undefined {
  if (error instanceof PermanentSyncError) return error;
  if (error instanceof CustomEndpointNotAllowedError)
    return new PermanentSyncError(
      error.message,
      "Remove the connector's endpointOverride, or set HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS=true on the service.",
    );
  const e = error as AwsErrorLike;
  const name = e?.name ?? '';
  const message = `${name}: ${e?.message ?? String(error)} (${where.region})`;
  switch (name) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      // Only the delegated administrator may narrow by organisation; anyone else is refused outright.
      if (where.scoped)
        return new PermanentSyncError(
          message,
          `The connector's scope.organizations are sent as Scopes, which only the new Security Hub's delegated administrator may use; account ${where.accountId} is refused. Connect the connector to the delegated administrator account (its role), or remove scope.organizations with connectorUpdate (a member account reads its own findings). If this is the delegated administrator, also allow ${where.principal} securityhub:GetFindings and securityhub:GetResourcesV2.`,
          name,
        );
      if (where.operation === 'GetResourcesV2')
        return new PermanentSyncError(
          message,
          `Allow ${where.principal} securityhub:GetResourcesV2 in account ${where.accountId} (the connector syncs ASSETS from the new Security Hub's inventory), or remove ASSETS from its scope.dataTypes; then run connectorRunNow.`,
          name,
        );
      return new PermanentSyncError(
        message,
        where.api === 'V2'
          ? // AWS checks GetFindingsV2 against securityhub:GetFindings (research/ocsf-v2.md §1).
            `Allow ${where.principal} securityhub:GetFindings (GetFindingsV2 is authorised by it) and securityhub:DescribeSecurityHubV2 (and securityhub:ListAggregatorsV2, securityhub:GetAggregatorV2) in account ${where.accountId}, check that the new Security Hub is enabled in ${where.region}, then run the connection test (connectorTest) and connectorRunNow.`
          : `Allow ${where.principal} securityhub:GetFindings (and securityhub:ListFindingAggregators, securityhub:GetFindingAggregator) in account ${where.accountId}, then run the connection test (connectorTest) and connectorRunNow.`,
        name,
      );
    case 'InvalidAccessException':
      return new PermanentSyncError(
        message,
        `Enable Security Hub in ${where.region} for account ${where.accountId} (console → Security Hub → Enable), or remove ${where.region} from the connector's Regions.`,
        name,
      );
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
    case 'SignatureDoesNotMatch':
    case 'InvalidSignatureException':
      return new PermanentSyncError(
        message,
        "The credentials were refused: update the connector's access key (or Hubgraph's own AWS identity) and run the connection test.",
        name,
      );
    case 'InvalidInputException':
    case 'ValidationException':
      return isInvalidNextToken(error)
        ? undefined
        : new PermanentSyncError(
            message,
            "Security Hub refused the request: check the connector's scope.awsFilters against AWS's filter rules (connectorUpdate validates them).",
            name,
          );
    default:
      return undefined;
  }
}
