import { lookup } from 'node:dns/promises';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, rootCertificates } from 'node:tls';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  DescribeHubCommand,
  DescribeSecurityHubV2Command,
  GetFindingsCommand,
  GetFindingsV2Command,
  ListAggregatorsV2Command,
  ListEnabledProductsForImportCommand,
  ListFindingAggregatorsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { trustedPrincipalOf } from '../../aws/caller-identity.ts';
import {
  type AwsTarget,
  type AwsTransport,
  assumeConnectorRole,
  ec2Client,
  egressRuleFor,
  securityHubClient,
  signsWithOwnIdentity,
  sourceCredentials,
  stsClient,
} from '../../aws/clients.ts';
import { assertHostAllowed, EgressNotAllowedError } from '../../aws/egress.ts';
import { securityHubEndpoint, stsEndpoint } from '../../aws/regions.ts';
import type { SecurityHubApi } from '../../generated/graphql.ts';
import { type ApiDetection, type ApiPresence, defaultApi, NOT_ENABLED_ERROR } from '../../sync/reader.ts';
import { maskAccessKeyId } from '../masking.ts';
import type {
  CheckName,
  ConnectionCheckModel,
  ConnectionTestResultModel,
  RegionStatusModel,
} from './model.ts';

/**
 * Proves an export permission without changing anything: the listing only reads, and the import's
 * one finding is not ASFF, so Security Hub answers for it in FailedFindings instead of storing it.
 */
async function probeExport(hub: SecurityHubClient, action: string): Promise<void> {
  if (action === 'securityhub:ListEnabledProductsForImport')
    await hub.send(new ListEnabledProductsForImportCommand({ MaxResults: 1 }));
  else
    await hub.send(
      new BatchImportFindingsCommand({
        Findings: [{ SchemaVersion: '2018-10-08', Id: 'hubgraph-permission-probe' } as never],
      }),
    );
}

// The connection test: five checks in order, each with what went wrong and the exact fix. A failed
// check skips the ones that depend on it. Setting up a connector is where users get lost (wrong role
// ARN, missing external id, wrong Region, missing permission), so every failure names the fix.

export interface TestOptions {
  testId: string;
  transport: AwsTransport;
  writeBack: boolean;
  /** Export on: the import actions are probed too. */
  exportFindings?: boolean;
  /** Containment on: the EC2 actions of ipBlock/ipAllow are probed with DryRun. */
  containment?: boolean;
  /** Which Security Hub the connector reads; null: detect which one answers (`detectedApi`). */
  api?: SecurityHubApi | null;
  /** Called as each check finishes (the result streams to subscribers). */
  onCheck?: (check: ConnectionCheckModel) => Promise<void>;
  /** Longest one check may take (default 20 s). */
  checkDeadlineMs?: number;
}

const SOCKET_TIMEOUT_MS = 4_000;

interface CheckOutcome {
  status: 'PASSED' | 'FAILED' | 'SKIPPED';
  message: string;
  remediation?: string;
  region?: string;
  awsErrorCode?: string;
  httpStatus?: number;
}

interface AwsErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export async function runConnectionTest(
  target: AwsTarget,
  options: TestOptions,
): Promise<ConnectionTestResultModel> {
  const startedAt = new Date().toISOString();
  const checks: ConnectionCheckModel[] = [];
  const regions: RegionStatusModel[] = target.regions.map((region) => ({
    region,
    securityHubEnabled: null,
    securityHubV2Enabled: null,
    findingAggregator: null,
    message: null,
  }));
  let baseAccountId: string | null = null;
  let callerArn: string | null = null;
  let dataCredentials: AwsCredentialIdentityProvider | undefined;
  let failed = false;

  const run = async (name: CheckName, check: () => Promise<CheckOutcome>) => {
    const started = performance.now();
    let outcome: CheckOutcome;
    if (failed) {
      outcome = { status: 'SKIPPED', message: 'Skipped: an earlier check failed; fix it first.' };
    } else {
      try {
        outcome = await withDeadline(check(), options.checkDeadlineMs ?? CHECK_DEADLINE_MS);
      } catch (error) {
        outcome = {
          status: 'FAILED',
          message: `Unexpected error: ${(error as Error).message}`,
          remediation: 'Retry the test; if it fails again, check the service logs for this test id.',
        };
      }
    }
    if (outcome.status === 'FAILED') failed = true;
    const result: ConnectionCheckModel = {
      name,
      status: outcome.status,
      durationMs: Math.round(performance.now() - started),
      region: outcome.region ?? null,
      awsErrorCode: outcome.awsErrorCode ?? null,
      httpStatus: outcome.httpStatus ?? null,
      message: outcome.message,
      remediation: outcome.remediation ?? null,
    };
    checks.push(result);
    await options.onCheck?.(result);
  };

  const endpoints = endpointsOf(target);

  await run('NETWORK_REACHABILITY', async () => {
    for (const endpoint of endpoints) {
      const url = new URL(endpoint);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      if (target.endpointOverride) {
        // Before any socket opens: a draft must not make Hubgraph probe its own network.
        const rule = egressRuleFor(
          options.transport,
          url.protocol === 'http:' && signsWithOwnIdentity(target),
        );
        try {
          await assertHostAllowed(url.hostname, rule);
        } catch (error) {
          // A name that does not resolve is reported by the DNS step just below.
          if (error instanceof EgressNotAllowedError)
            return {
              status: 'FAILED',
              awsErrorCode: error.code,
              message: error.message,
              remediation:
                'Point the endpoint override at a public endpoint (https://), or ask the operator to list the address in HUBGRAPH_ENDPOINT_ALLOWLIST.',
            };
        }
      }
      try {
        await lookup(url.hostname);
      } catch (error) {
        return {
          status: 'FAILED',
          awsErrorCode: (error as AwsErrorLike).code,
          message: `DNS cannot resolve ${url.hostname} (${(error as AwsErrorLike).code}).`,
          remediation: target.endpointOverride
            ? `Check the endpoint override ${target.endpointOverride}: its host name does not resolve from Hubgraph.`
            : `Let Hubgraph resolve public AWS names (or a VPC endpoint's private DNS) for ${url.hostname}; check the Region name.`,
        };
      }
      const refused = await tcpProblem(url.hostname, port);
      if (refused) {
        return {
          status: 'FAILED',
          awsErrorCode: refused,
          message: `Cannot open a TCP connection to ${url.hostname}:${port} (${refused}).`,
          remediation: target.endpointOverride
            ? `Nothing accepts connections at ${target.endpointOverride}: start the endpoint, or fix the host and port in the connector's endpoint override.`
            : `Allow outbound HTTPS (TCP ${port}) from Hubgraph to ${url.hostname}, through your firewall, proxy or a VPC endpoint.`,
        };
      }
    }
    return {
      status: 'PASSED',
      message: `Reached ${endpoints.map((endpoint) => new URL(endpoint).host).join(', ')}.`,
    };
  });

  await run('TLS_HANDSHAKE', async () => {
    const secure = endpoints.filter((endpoint) => endpoint.startsWith('https:'));
    if (secure.length === 0)
      return {
        status: 'SKIPPED',
        message: 'The endpoint uses plain HTTP: there is no TLS certificate to check.',
      };
    for (const endpoint of secure) {
      const url = new URL(endpoint);
      const problem = await tlsProblem(url.hostname, Number(url.port || 443), options.transport.caBundlePem);
      if (problem) {
        return {
          status: 'FAILED',
          awsErrorCode: problem.code,
          message: `The certificate of ${url.hostname} is not trusted: ${problem.message} (${problem.code}).`,
          remediation: `If a TLS-inspecting proxy or a private endpoint presents its own certificate, give Hubgraph its CA in HUBGRAPH_AWS_CA_BUNDLE; otherwise the connection to ${url.hostname} is being intercepted — do not send credentials to it.`,
        };
      }
    }
    return {
      status: 'PASSED',
      message: `Certificates of ${secure.map((endpoint) => new URL(endpoint).hostname).join(', ')} are valid for their hosts.`,
    };
  });

  await run('AUTHENTICATION', async () => {
    try {
      const identity = await stsClient(
        target,
        options.transport,
        sourceCredentials(target),
        target.regions[0],
        1,
      ).send(new GetCallerIdentityCommand({}));
      baseAccountId = identity.Account ?? null;
      callerArn = identity.Arn ?? null;
      return { status: 'PASSED', message: `Authenticated as ${identity.Arn} (account ${identity.Account}).` };
    } catch (error) {
      return authenticationFailure(error as AwsErrorLike, target);
    }
  });

  await run('AUTHORIZATION_SCOPE', async () => {
    const verified: string[] = [];
    if (target.authMode === 'ASSUME_ROLE') {
      try {
        const session = await assumeConnectorRole(target, options.transport, 1);
        dataCredentials = async () => session;
        verified.push(`sts:AssumeRole on ${target.roleArn}`);
      } catch (error) {
        return assumeRoleFailure(error as AwsErrorLike, target, callerArn);
      }
    } else {
      dataCredentials = sourceCredentials(target);
    }
    const principal =
      target.authMode === 'ASSUME_ROLE' ? `role ${target.roleArn}` : (callerArn ?? 'the identity');
    const actions = [
      'securityhub:GetFindings',
      ...(options.writeBack ? ['securityhub:BatchUpdateFindings'] : []),
      ...(options.exportFindings
        ? ['securityhub:BatchImportFindings', 'securityhub:ListEnabledProductsForImport']
        : []),
    ];
    for (const action of actions) {
      for (const region of target.regions) {
        const hub = securityHubClient(target, options.transport, dataCredentials!, region, 1);
        try {
          const through = await probeAction(hub, action, region);
          verified.push(`${action} in ${region}${through ? ` (through ${through})` : ''}`);
          break;
        } catch (error) {
          const e = error as AwsErrorLike;
          if (e.name === 'AccessDeniedException') {
            return {
              status: 'FAILED',
              region,
              awsErrorCode: e.name,
              httpStatus: e.$metadata?.httpStatusCode,
              message: `${principal} may not call ${action}: ${e.message}`,
              remediation: `Allow ${action} for ${principal}: add this statement to its permissions policy: ${JSON.stringify({ Effect: 'Allow', Action: [action], Resource: '*' })}`,
            };
          }
          // No Security Hub of either kind there: try the next Region; DATA_FETCH reports the Region itself.
          if (e.name !== NOT_ENABLED_ERROR.CSPM && e.name !== NOT_ENABLED_ERROR.V2) throw error;
        }
      }
    }
    if (options.containment) {
      const region = target.regions[0]!;
      const ec2 = ec2Client(target, options.transport, dataCredentials!, region, 1);
      const denied = await deniedContainmentActions(ec2);
      if (denied.length > 0)
        return {
          status: 'FAILED',
          region,
          awsErrorCode: 'UnauthorizedOperation',
          httpStatus: 403,
          message: `Containment is on, but ${principal} may not call ${denied.join(', ')} (EC2 DryRun in ${region}).`,
          remediation: `Allow them for ${principal}: add this statement to its permissions policy (awsSetup.permissionsPolicy has it): ${JSON.stringify({ Effect: 'Allow', Action: denied, Resource: '*' })} — or turn containment off on the connector.`,
        };
      verified.push(`the EC2 actions of containment in ${region} (DryRun)`);
    }
    return {
      status: 'PASSED',
      message: `Verified: ${verified.join('; ') || 'nothing could be verified (Security Hub answers in none of the Regions)'}.`,
    };
  });

  let detectedApi: SecurityHubApi | null = null;
  await run('DATA_FETCH', async () => {
    // Which Security Hub answers where: CSPM (DescribeHub), the new one (DescribeSecurityHubV2).
    const detections = await Promise.all(
      regions.map(async (status): Promise<Detection> => {
        const hub = securityHubClient(target, options.transport, dataCredentials!, status.region, 1);
        const [cspm, v2] = await Promise.all([
          presenceOf(() => hub.send(new DescribeHubCommand({})), NOT_ENABLED_ERROR.CSPM),
          presenceOf(() => hub.send(new DescribeSecurityHubV2Command({})), NOT_ENABLED_ERROR.V2),
        ]);
        status.securityHubEnabled = enabledOf(cspm);
        status.securityHubV2Enabled = enabledOf(v2);
        return { region: status.region, cspm, v2 };
      }),
    );
    detectedApi = defaultApi(detections) ?? null;
    // The account whose Security Hub is read: the role's, else the identity's own.
    const targetAccount = () => target.roleArn?.split(':')[4] ?? baseAccountId ?? 'the target account';
    const api = options.api ?? detectedApi;
    const problems: string[] = [];
    const fixes: string[] = [];
    let firstError: AwsErrorLike | undefined;
    let failedRegion: string | undefined;
    const fail = (status: RegionStatusModel, e: AwsErrorLike, fix: string) => {
      firstError ??= e;
      failedRegion ??= status.region;
      status.message = e.message ?? String(e);
      problems.push(`${status.region}: ${e.name} — ${e.message}`);
      fixes.push(fix);
    };
    for (const [index, status] of regions.entries()) {
      const detection = detections[index]!;
      const hub = securityHubClient(target, options.transport, dataCredentials!, status.region, 1);
      if (api === null) {
        // Neither answered anywhere; CSPM's answer says why.
        const e =
          detection.cspm.state === 'ENABLED'
            ? { code: 'Error', message: '', httpStatus: undefined }
            : detection.cspm;
        fail(
          status,
          { name: e.code, message: e.message, $metadata: { httpStatusCode: e.httpStatus } },
          `Enable Security Hub (CSPM or the new Security Hub) in ${status.region} for account ${targetAccount()}, or remove ${status.region} from the connector's Regions.`,
        );
        continue;
      }
      const notes: string[] = [];
      for (const wanted of api === 'BOTH' ? (['CSPM', 'V2'] as const) : [api]) {
        const presence = wanted === 'CSPM' ? detection.cspm : detection.v2;
        const other = wanted === 'CSPM' ? detection.v2 : detection.cspm;
        const product = wanted === 'CSPM' ? 'Security Hub CSPM' : 'the new Security Hub';
        if (presence.state !== 'ENABLED') {
          const switchTo =
            other.state === 'ENABLED' && api !== 'BOTH'
              ? `, or set the connector's api to ${wanted === 'CSPM' ? 'V2' : 'CSPM'} (which answers there)`
              : '';
          fail(
            status,
            {
              name: presence.code,
              message: presence.message,
              $metadata: { httpStatusCode: presence.httpStatus },
            },
            presence.state === 'NOT_ENABLED'
              ? `Enable ${product} in ${status.region} for account ${accountOf(presence.message) ?? targetAccount()} (console → ${wanted === 'CSPM' ? 'Security Hub CSPM' : 'Security Hub'} → Enable), or remove ${status.region} from the connector's Regions${switchTo}.`
              : `Check access to ${product} in ${status.region}: ${presence.message}`,
          );
          continue;
        }
        try {
          if (wanted === 'CSPM') await hub.send(new GetFindingsCommand({ MaxResults: 1 }));
          else await hub.send(new GetFindingsV2Command({ MaxResults: 1 }));
          notes.push(await aggregationNote(hub, wanted, status));
        } catch (error) {
          const e = error as AwsErrorLike;
          fail(status, e, `Check access to ${product} in ${status.region}: ${e.message}`);
        }
      }
      if (notes.length > 0 && status.message === null) status.message = notes.join(' ');
    }
    if (problems.length > 0) {
      return {
        status: 'FAILED',
        region: failedRegion,
        awsErrorCode: firstError?.name,
        httpStatus: firstError?.$metadata?.httpStatusCode,
        message: `Security Hub did not answer in ${new Set(problems.map((p) => p.split(':')[0])).size} of ${regions.length} Region(s): ${problems.join('; ')}`,
        remediation: fixes.join(' '),
      };
    }
    const aggregated = regions.filter((status) => status.findingAggregator).map((status) => status.region);
    const reads =
      api === 'BOTH'
        ? 'Security Hub CSPM and the new Security Hub answer'
        : api === 'V2'
          ? 'The new Security Hub answers'
          : 'Security Hub answers';
    return {
      status: 'PASSED',
      message: `${reads} in ${regions.map((status) => status.region).join(', ')}.${aggregated.length ? ` Aggregation Region(s): ${aggregated.join(', ')}.` : ''}${options.api ? '' : ` Detected: ${api}.`}`,
    };
  });

  return {
    testId: options.testId,
    startedAt,
    finishedAt: new Date().toISOString(),
    passed: checks.every((check) => check.status !== 'FAILED'),
    checks,
    regions,
    baseAccountId,
    detectedApi,
  };
}

function enabledOf(presence: ApiPresence): boolean | null {
  return presence.state === 'ENABLED' ? true : presence.state === 'NOT_ENABLED' ? false : null;
}

type Presence = ApiPresence & { httpStatus?: number };
type Detection = ApiDetection & { cspm: Presence; v2: Presence };

/** Whether an API answers in a Region: AWS's own "not enabled" error apart from any other failure. */
async function presenceOf(call: () => Promise<unknown>, notEnabled: string): Promise<Presence> {
  try {
    await call();
    return { state: 'ENABLED' };
  } catch (error) {
    const e = error as AwsErrorLike;
    const code = e?.name ?? 'Error';
    const message = e?.message ?? String(error);
    const httpStatus = e?.$metadata?.httpStatusCode;
    if (code === notEnabled) return { state: 'NOT_ENABLED', code, message, httpStatus };
    if (code === 'AccessDeniedException' || code === 'AccessDenied')
      return { state: 'DENIED', code, message, httpStatus };
    return { state: 'FAILED', code, message, httpStatus };
  }
}

/** What the Region's aggregator means for the connector, marking the Region when it is the home. */
async function aggregationNote(
  hub: SecurityHubClient,
  api: 'CSPM' | 'V2',
  status: RegionStatusModel,
): Promise<string> {
  const product = api === 'CSPM' ? 'Security Hub CSPM' : 'The new Security Hub';
  try {
    const home =
      api === 'CSPM'
        ? ((await hub.send(new ListFindingAggregatorsCommand({}))).FindingAggregators ?? []).map(
            (aggregator) => aggregator.FindingAggregatorArn?.split(':')[3],
          )
        : ((await hub.send(new ListAggregatorsV2Command({}))).AggregatorsV2 ?? []).map(
            (aggregator) => aggregator.AggregatorV2Arn?.split(':')[3],
          );
    const aggregates = home.includes(status.region);
    status.findingAggregator = (status.findingAggregator ?? false) || aggregates;
    return aggregates
      ? `${product} is enabled and aggregates findings from linked Regions here: sync only this Region to avoid counting findings twice.`
      : `${product} is enabled.`;
  } catch {
    return `${product} is enabled (its aggregators could not be listed: allow securityhub:${api === 'CSPM' ? 'ListFindingAggregators' : 'ListAggregatorsV2'} to see them).`;
  }
}

/** A documentation address (RFC 5737): the DryRun probes name it, and nothing is ever sent for real. */
const PROBE_CIDR = '192.0.2.0/32';

/**
 * The EC2 actions of containment the identity may not call, each asked with EC2's DryRun, which
 * answers DryRunOperation when the request would have succeeded and changes nothing. The ACL and the
 * group probed are the account's own, when it has any.
 */
async function deniedContainmentActions(ec2: EC2Client): Promise<string[]> {
  const denied: string[] = [];
  const probe = async (action: string, send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (error) {
      const e = error as AwsErrorLike;
      if (e.name === 'UnauthorizedOperation') denied.push(action);
      else if (e.name !== 'DryRunOperation') throw error;
    }
  };
  let aclId = 'acl-00000000000000000';
  let groupId = 'sg-00000000000000000';
  await probe('ec2:DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ DryRun: true })));
  await probe('ec2:DescribeNatGateways', () => ec2.send(new DescribeNatGatewaysCommand({ DryRun: true })));
  await probe('ec2:DescribeNetworkAcls', async () => {
    aclId =
      (await ec2.send(new DescribeNetworkAclsCommand({ MaxResults: 5 }))).NetworkAcls?.[0]?.NetworkAclId ??
      aclId;
  });
  await probe('ec2:DescribeSecurityGroups', async () => {
    groupId =
      (await ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5 }))).SecurityGroups?.[0]?.GroupId ??
      groupId;
  });
  const entry = { NetworkAclId: aclId, RuleNumber: 1, Egress: false, DryRun: true };
  await probe('ec2:CreateNetworkAclEntry', () =>
    ec2.send(
      new CreateNetworkAclEntryCommand({
        ...entry,
        Protocol: '-1',
        RuleAction: 'deny',
        CidrBlock: PROBE_CIDR,
      }),
    ),
  );
  await probe('ec2:DeleteNetworkAclEntry', () => ec2.send(new DeleteNetworkAclEntryCommand(entry)));
  const rule = {
    GroupId: groupId,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: PROBE_CIDR }] }],
    DryRun: true,
  };
  await probe('ec2:RevokeSecurityGroupIngress', () => ec2.send(new RevokeSecurityGroupIngressCommand(rule)));
  await probe('ec2:AuthorizeSecurityGroupIngress', () =>
    ec2.send(new AuthorizeSecurityGroupIngressCommand(rule)),
  );
  return denied;
}

function endpointsOf(target: AwsTarget): string[] {
  if (target.endpointOverride) return [target.endpointOverride];
  return [stsEndpoint(target.regions[0]!), ...target.regions.map(securityHubEndpoint)];
}

/** Longest a check may take: an endpoint that accepts and never answers fails it, not hangs it. */
const CHECK_DEADLINE_MS = 20_000;

/** The check's outcome, or FAILED once the deadline passes (the request itself ends at its own timeout). */
async function withDeadline(outcome: Promise<CheckOutcome>, ms: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          status: 'FAILED',
          awsErrorCode: 'Timeout',
          message: `No answer within ${ms / 1000} s.`,
          remediation:
            'Something accepts connections at the endpoint but does not answer: check that it is an AWS endpoint (or the emulator), and any proxy in between.',
        }),
      ms,
    );
  });
  try {
    return await Promise.race([outcome, late]);
  } finally {
    clearTimeout(timer);
  }
}

function tcpProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port, timeout: SOCKET_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function tlsProblem(
  host: string,
  port: number,
  caBundlePem: string | undefined,
): Promise<{ code: string; message: string } | undefined> {
  return new Promise((resolve) => {
    const socket = connectTls({
      host,
      port,
      servername: host,
      ca: caBundlePem ? [...rootCertificates, caBundlePem] : undefined,
      timeout: SOCKET_TIMEOUT_MS,
    });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ code: 'ETIMEDOUT', message: 'the TLS handshake timed out' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: error.code ?? 'TLS_ERROR', message: error.message }),
    );
  });
}

function authenticationFailure(e: AwsErrorLike, target: AwsTarget): CheckOutcome {
  const key = target.accessKeyId ? maskAccessKeyId(target.accessKeyId) : undefined;
  const base = { status: 'FAILED' as const, awsErrorCode: e.name, httpStatus: e.$metadata?.httpStatusCode };
  switch (e.name) {
    case 'InvalidClientTokenId':
      return {
        ...base,
        message: `AWS does not know the access key ${key ?? ''}: ${e.message}`,
        remediation: `Check the access key id ${key}, or create a new access key for the IAM user and enter both parts again.`,
      };
    case 'SignatureDoesNotMatch':
      return {
        ...base,
        message: `The secret access key does not match the access key ${key ?? ''}.`,
        remediation: `Re-enter the secret access key that belongs to ${key} (it was shown once, when the key was created; else create a new key).`,
      };
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return {
        ...base,
        message: 'The credentials have expired.',
        remediation:
          "Refresh Hubgraph's own AWS credentials (session token), or use long-term keys or an instance role.",
      };
    case 'CredentialsProviderError':
      return {
        ...base,
        message: `No AWS credentials in Hubgraph's environment: ${e.message}`,
        remediation:
          'Give Hubgraph an identity: attach an instance or task role, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the service; or switch the connector to ACCESS_KEY.',
      };
    default:
      return {
        ...base,
        message: `Authentication failed: ${e.name}: ${e.message}`,
        remediation: 'Check the credentials the connector uses.',
      };
  }
}

function assumeRoleFailure(e: AwsErrorLike, target: AwsTarget, callerArn: string | null): CheckOutcome {
  const base = { status: 'FAILED' as const, awsErrorCode: e.name, httpStatus: e.$metadata?.httpStatusCode };
  if (e.name === 'AccessDenied') {
    // AWS gives one generic error for an untrusted principal and a wrong external id: name both.
    const principal = trustedPrincipalOf(callerArn) ?? "Hubgraph's identity";
    const statement = {
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': target.externalId } },
    };
    return {
      ...base,
      message: `${principal} cannot assume ${target.roleArn}: ${e.message}`,
      remediation: `The trust policy of ${target.roleArn} must trust ${principal} with the external id ${target.externalId}. Add this statement to the role's trust policy: ${JSON.stringify(statement)} — and allow sts:AssumeRole on ${target.roleArn} in the permissions of ${principal}.`,
    };
  }
  if (e.name === 'ValidationError' && /DurationSeconds/.test(e.message ?? '')) {
    return {
      ...base,
      message: e.message ?? 'The session duration is not allowed.',
      remediation: `Lower the connector's session duration (${target.sessionDurationSeconds} s), or raise the MaxSessionDuration of ${target.roleArn}.`,
    };
  }
  return {
    ...base,
    message: `AssumeRole failed: ${e.name}: ${e.message}`,
    remediation: `Check the role ARN ${target.roleArn} and the session settings.`,
  };
}

function accountOf(message: string | undefined): string | undefined {
  return /Account (\d{12})/.exec(message ?? '')?.[1];
}

/**
 * Calls what `action` allows, changing nothing; where Security Hub CSPM is not enabled, the new
 * Security Hub's operation that the same IAM action authorises (GetFindingsV2, BatchUpdateFindingsV2).
 * Returns the V2 operation's name when it was the one that answered.
 */
/**
 * Calls what `action` allows, changing nothing. Where Security Hub CSPM is not enabled, the new
 * Security Hub's operation that the same IAM action authorises (GetFindingsV2, BatchUpdateFindingsV2),
 * whose name it returns; an account on the new Security Hub alone is verified too.
 */
async function probeAction(
  hub: SecurityHubClient,
  action: string,
  region: string,
): Promise<string | undefined> {
  try {
    if (action === 'securityhub:GetFindings') await hub.send(new GetFindingsCommand({ MaxResults: 1 }));
    else if (action === 'securityhub:BatchUpdateFindings')
      // Proves the permission without changing anything: the finding does not exist.
      await hub.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [
            {
              Id: 'hubgraph-permission-probe',
              ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
            },
          ],
          Note: { Text: 'Hubgraph permission probe', UpdatedBy: 'hubgraph' },
        }),
      );
    else await probeExport(hub, action);
    return undefined;
  } catch (error) {
    if ((error as AwsErrorLike).name !== NOT_ENABLED_ERROR.CSPM) throw error;
    // The new Security Hub's operations answer AccessDenied where it is off, as where the identity
    // may not call them: only where it answers does a refusal mean the permission is missing.
    const v2Answers = await hub.send(new DescribeSecurityHubV2Command({})).then(
      () => true,
      () => false,
    );
    if (!v2Answers) throw error;
    if (action === 'securityhub:GetFindings') {
      await hub.send(new GetFindingsV2Command({ MaxResults: 1 }));
      return 'GetFindingsV2';
    }
    if (action === 'securityhub:BatchUpdateFindings') {
      // The finding does not exist: answered as unprocessed, nothing changes.
      await hub.send(
        new BatchUpdateFindingsV2Command({
          MetadataUids: ['hubgraph-permission-probe'],
          Comment: 'Hubgraph permission probe',
        }),
      );
      return 'BatchUpdateFindingsV2';
    }
    throw error;
  }
}
