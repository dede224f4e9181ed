import {
  AccessDeniedException,
  InternalException,
  InvalidAccessException,
  InvalidInputException,
  LimitExceededException,
  SecurityHubServiceException,
} from '@aws-sdk/client-securityhub';
import { ExpiredTokenException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { AwsCallDeadlineError, CustomEndpointNotAllowedError } from '../../src/aws/clients.ts';
import {
  isAbort,
  isExpiredCredentials,
  isInvalidNextToken,
  isThrottling,
  isTransient,
  PermanentSyncError,
  permanentFailure,
} from '../../src/sync/aws-errors.ts';

// The errors below are built the way the SDK builds them when it deserializes AWS's answer: the
// modelled exception classes with their HTTP status, or the generic service exception for codes the
// model does not know (Security Hub throttles GetFindings with an unmodelled TooManyRequestsException).

const metadata = (httpStatusCode: number) => ({ httpStatusCode, attempts: 3, totalRetryDelay: 0 });

const where = {
  region: 'eu-west-1',
  accountId: '123456789012',
  principal: 'arn:aws:iam::999999999999:role/hubgraph',
};

function unmodelled(name: string, status: number, message: string) {
  return new SecurityHubServiceException({ name, $fault: 'client', $metadata: metadata(status), message });
}

function networkError(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

describe('isThrottling', () => {
  it('recognises the throttling codes AWS services answer with', () => {
    expect(
      isThrottling(new LimitExceededException({ $metadata: metadata(429), message: 'Rate exceeded' })),
    ).toBe(true);
    expect(isThrottling(unmodelled('TooManyRequestsException', 429, 'Too Many Requests'))).toBe(true);
    expect(isThrottling({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } })).toBe(true);
  });

  it('treats any 429 as throttling, whatever the code', () => {
    expect(isThrottling(unmodelled('SomethingNew', 429, 'Too Many Requests'))).toBe(true);
  });

  it('does not mistake a refusal or a missing error for throttling', () => {
    expect(isThrottling(new AccessDeniedException({ $metadata: metadata(403), message: 'no' }))).toBe(false);
    expect(isThrottling(undefined)).toBe(false);
  });
});

describe('isTransient', () => {
  it("retries throttling and AWS's server errors", () => {
    expect(isTransient(unmodelled('TooManyRequestsException', 429, 'Too Many Requests'))).toBe(true);
    expect(
      isTransient(new InternalException({ $metadata: metadata(500), message: 'Internal service error' })),
    ).toBe(true);
    expect(isTransient(unmodelled('ServiceUnavailable', 503, 'Service Unavailable'))).toBe(true);
  });

  it('retries a dropped or refused connection, by its Node error code', () => {
    expect(isTransient(networkError('ECONNRESET', 'read ECONNRESET'))).toBe(true);
    expect(isTransient(networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443'))).toBe(true);
    expect(
      isTransient(networkError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN securityhub.eu-west-1.amazonaws.com')),
    ).toBe(true);
  });

  it('retries timeouts, by name or by message', () => {
    expect(isTransient({ name: 'TimeoutError', message: 'Connection timed out after 5000 ms' })).toBe(true);
    expect(isTransient({ name: 'RequestTimeout', message: '' })).toBe(true);
    // A call past its overall deadline (retries included) is tried again later, from the checkpoint.
    expect(isTransient(new AwsCallDeadlineError('GetFindings', 120_000))).toBe(true);
    expect(isTransient(new Error('socket hang up'))).toBe(true);
    expect(isTransient(new Error('No retry token available'))).toBe(true);
    expect(isTransient(new Error('request timeout'))).toBe(true);
  });

  it('does not retry what a retry cannot mend', () => {
    expect(
      isTransient(new InvalidInputException({ $metadata: metadata(400), message: 'Invalid filter' })),
    ).toBe(false);
    expect(
      isTransient(new AccessDeniedException({ $metadata: metadata(403), message: 'not authorized' })),
    ).toBe(false);
    expect(isTransient(new Error('Cannot read properties of undefined'))).toBe(false);
    expect(isTransient(null)).toBe(false);
  });
});

describe('isExpiredCredentials', () => {
  it('recognises an expired session from STS, from Security Hub, and by its message alone', () => {
    expect(
      isExpiredCredentials(
        new ExpiredTokenException({
          $metadata: metadata(400),
          message: 'The security token included in the request is expired',
        }),
      ),
    ).toBe(true);
    expect(isExpiredCredentials(unmodelled('ExpiredToken', 403, 'token expired'))).toBe(true);
    expect(
      isExpiredCredentials(
        unmodelled(
          'UnrecognizedClientException',
          403,
          'The security token included in the request is expired',
        ),
      ),
    ).toBe(true);
  });

  it('does not take an invalid token for an expired one', () => {
    expect(
      isExpiredCredentials(
        unmodelled(
          'UnrecognizedClientException',
          403,
          'The security token included in the request is invalid.',
        ),
      ),
    ).toBe(false);
    expect(isExpiredCredentials(undefined)).toBe(false);
  });
});

describe('isInvalidNextToken', () => {
  it('recognises a NextToken Security Hub no longer accepts', () => {
    expect(
      isInvalidNextToken(
        new InvalidInputException({
          $metadata: metadata(400),
          message: 'Invalid NextToken: Input Query has changed',
        }),
      ),
    ).toBe(true);
  });

  it('leaves other invalid input, and NextToken words in other errors, alone', () => {
    expect(
      isInvalidNextToken(
        new InvalidInputException({ $metadata: metadata(400), message: 'MaxResults must be 1-100' }),
      ),
    ).toBe(false);
    expect(
      isInvalidNextToken(unmodelled('AccessDeniedException', 403, 'Not allowed to page with NextToken')),
    ).toBe(false);
    expect(isInvalidNextToken(unmodelled('ValidationException', 400, 'MaxResults must be 1-100'))).toBe(
      false,
    );
  });

  it("recognises the new Security Hub's refusal of a token (GetFindingsV2: ValidationException)", () => {
    expect(
      isInvalidNextToken(
        unmodelled('ValidationException', 400, 'Invalid NextToken: the query changed since the first page.'),
      ),
    ).toBe(true);
  });
});

describe('isAbort', () => {
  it('recognises an aborted request', () => {
    expect(isAbort(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))).toBe(true);
    expect(isAbort(new Error('aborted'))).toBe(false);
    expect(isAbort(undefined)).toBe(false);
  });
});

describe('permanentFailure', () => {
  it('names the missing permissions, the principal and the account for AccessDenied', () => {
    const failure = permanentFailure(
      new AccessDeniedException({
        $metadata: metadata(403),
        message: 'User is not authorized to perform: securityhub:GetFindings',
      }),
      where,
    );
    expect(failure).toBeInstanceOf(PermanentSyncError);
    expect(failure!.awsErrorCode).toBe('AccessDeniedException');
    expect(failure!.message).toBe(
      'AccessDeniedException: User is not authorized to perform: securityhub:GetFindings (eu-west-1)',
    );
    expect(failure!.remediation).toBe(
      'Allow arn:aws:iam::999999999999:role/hubgraph securityhub:GetFindings (and securityhub:ListFindingAggregators, securityhub:GetFindingAggregator) in account 123456789012, then run the connection test (connectorTest) and connectorRunNow.',
    );
    expect(permanentFailure(unmodelled('AccessDenied', 403, 'Access Denied'), where)?.awsErrorCode).toBe(
      'AccessDenied',
    );
  });

  it("names the new Security Hub's permissions for a V2 stream denied", () => {
    const failure = permanentFailure(
      new AccessDeniedException({ $metadata: metadata(403), message: 'not authorized: GetFindingsV2' }),
      { ...where, api: 'V2' },
    );
    expect(failure!.remediation).toBe(
      'Allow arn:aws:iam::999999999999:role/hubgraph securityhub:GetFindings (GetFindingsV2 is authorised by it) and securityhub:DescribeSecurityHubV2 (and securityhub:ListAggregatorsV2, securityhub:GetAggregatorV2) in account 123456789012, check that the new Security Hub is enabled in eu-west-1, then run the connection test (connectorTest) and connectorRunNow.',
    );
  });

  it('says Scopes are for the delegated administrator when a scoped V2 read is denied', () => {
    const failure = permanentFailure(
      new AccessDeniedException({
        $metadata: metadata(403),
        message: 'Account 123456789012 is not the delegated administrator; only it can use Scopes.',
      }),
      { ...where, api: 'V2', scoped: true },
    );
    expect(failure!.remediation).toMatch(
      /^The connector's scope\.organizations are sent as Scopes, which only the new Security Hub's delegated administrator may use; account 123456789012 is refused\. Connect the connector to the delegated administrator account/,
    );
  });

  it('names securityhub:GetResourcesV2 when the inventory read is denied', () => {
    const failure = permanentFailure(
      new AccessDeniedException({ $metadata: metadata(403), message: 'not authorized: GetResourcesV2' }),
      { ...where, api: 'V2', operation: 'GetResourcesV2' },
    );
    expect(failure!.remediation).toBe(
      "Allow arn:aws:iam::999999999999:role/hubgraph securityhub:GetResourcesV2 in account 123456789012 (the connector syncs ASSETS from the new Security Hub's inventory), or remove ASSETS from its scope.dataTypes; then run connectorRunNow.",
    );
  });

  it('tells the user to enable Security Hub in the region on InvalidAccessException', () => {
    const failure = permanentFailure(
      new InvalidAccessException({
        $metadata: metadata(401),
        message: 'Account 123456789012 is not subscribed to AWS Security Hub',
      }),
      where,
    );
    expect(failure!.awsErrorCode).toBe('InvalidAccessException');
    expect(failure!.remediation).toBe(
      "Enable Security Hub in eu-west-1 for account 123456789012 (console → Security Hub → Enable), or remove eu-west-1 from the connector's Regions.",
    );
  });

  it.each([
    ['UnrecognizedClientException'],
    ['InvalidClientTokenId'],
    ['SignatureDoesNotMatch'],
    ['InvalidSignatureException'],
  ])('asks for new credentials on %s', (code) => {
    const failure = permanentFailure(
      unmodelled(code, 403, 'The security token included in the request is invalid.'),
      where,
    );
    expect(failure!.awsErrorCode).toBe(code);
    expect(failure!.remediation).toBe(
      "The credentials were refused: update the connector's access key (or Hubgraph's own AWS identity) and run the connection test.",
    );
  });

  it('points at the connector filters when Security Hub refuses the request', () => {
    const invalid = permanentFailure(
      new InvalidInputException({ $metadata: metadata(400), message: 'Invalid SeverityLabel value' }),
      where,
    );
    expect(invalid!.awsErrorCode).toBe('InvalidInputException');
    expect(invalid!.remediation).toMatch(/scope\.awsFilters/);
    expect(permanentFailure(unmodelled('ValidationException', 400, 'bad'), where)?.awsErrorCode).toBe(
      'ValidationException',
    );
  });

  it('leaves a stale NextToken to the restart from the checkpoint, not to the user', () => {
    expect(
      permanentFailure(
        new InvalidInputException({
          $metadata: metadata(400),
          message: 'Invalid NextToken: Input Query has changed',
        }),
        where,
      ),
    ).toBeUndefined();
  });

  it('says how to allow a custom endpoint, without an AWS error code', () => {
    const failure = permanentFailure(new CustomEndpointNotAllowedError('https://evil.example'), where);
    expect(failure!.message).toMatch(/^Custom endpoint https:\/\/evil\.example is not allowed/);
    expect(failure!.remediation).toBe(
      "Remove the connector's endpointOverride, or set HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS=true on the service.",
    );
    expect(failure!.awsErrorCode).toBeUndefined();
  });

  it('passes an already permanent failure through unchanged', () => {
    const original = new PermanentSyncError('stop', 'do this', 'X');
    expect(permanentFailure(original, where)).toBe(original);
  });

  it('does not give up on transient or unknown errors', () => {
    expect(
      permanentFailure(unmodelled('TooManyRequestsException', 429, 'Too Many Requests'), where),
    ).toBeUndefined();
    expect(permanentFailure(networkError('ECONNRESET', 'read ECONNRESET'), where)).toBeUndefined();
    expect(permanentFailure('a string thrown by someone', where)).toBeUndefined();
    expect(permanentFailure(undefined, where)).toBeUndefined();
  });
});
