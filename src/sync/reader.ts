import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  DescribeHubCommand,
  DescribeSecurityHubV2Command,
  type FindingScopes,
  GetAggregatorV2Command,
  GetFindingAggregatorCommand,
  GetFindingsCommand,
  GetFindingsV2Command,
  GetResourcesV2Command,
  ListAggregatorsV2Command,
  ListFindingAggregatorsCommand,
  type OcsfFindingFilters,
  type ResourceResult,
  type ResourcesFilters,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Logger } from 'pino';
import {
  type AwsTarget,
  type AwsTransport,
  type RoleSessionCache,
  securityHubClient,
  stsClient,
} from '../aws/clients.ts';
import {
  type AwsErrorLike,
  isAbort,
  isExpiredCredentials,
  isThrottling,
  PermanentSyncError,
} from './aws-errors.ts';
import { SORT_BY_UPDATED_AT } from './filters.ts';
import { SORT_BY_MODIFIED_TIME } from './filters-v2.ts';
import type { FindingAggregation } from './model.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { keepFindingsAsReceived } from './raw-pages.ts';

// Reads Security Hub for one run: one SDK client per Region, every attempt (the SDK's own retries
// included) waiting for a token of the account-Region quota, credentials from the role-session
// cache (assumed again when AWS says they expired), and per-call counters of throttles and retries.

/** Counters of the calls made inside `countRequests`: attributed to whoever asked (a slice). */
export interface RequestCounters {
  requests: number;
  attempts: number;
  throttled: number;
}

const counting = new AsyncLocalStorage<RequestCounters>();

export function countRequests<T>(counters: RequestCounters, work: () => Promise<T>): Promise<T> {
  return counting.run(counters, work);
}

/** A page of CSPM findings as AWS sent them, fields the SDK's model lacks included (raw-pages.ts). */
export interface FindingsPage {
  findings: AwsSecurityFinding[];
  nextToken: string | undefined;
}

/** A page of the new Security Hub: OCSF documents as AWS sent them (raw-pages.ts). */
export interface OcsfFindingsPage {
  findings: unknown[];
  nextToken: string | undefined;
}

/** A page of GetResourcesV2. */
export interface ResourcesPage {
  resources: ResourceResult[];
  nextToken: string | undefined;
}

/**
 * Whether one of Security Hub's two APIs answers in a Region: ENABLED; NOT_ENABLED (AWS's own
 * answer for a hub that is off: DescribeHub's InvalidAccessException, DescribeSecurityHubV2's
 * ResourceNotFoundException); DENIED (the identity may not ask); FAILED (anything else, e.g. a
 * fault that outlived the retries) — the last two say nothing about whether the API is on.
 */
export type ApiPresence =
  | { state: 'ENABLED' }
  | { state: 'NOT_ENABLED' | 'DENIED' | 'FAILED'; code: string; message: string };

/** How each API says it is not enabled in a Region (any other error is no answer about that). */
export const NOT_ENABLED_ERROR = {
  CSPM: 'InvalidAccessException',
  V2: 'ResourceNotFoundException',
} as const;

export interface ApiDetection {
  region: string;
  /** Security Hub CSPM (ASFF, DescribeHub). */
  cspm: ApiPresence;
  /** The new Security Hub (OCSF, DescribeSecurityHubV2). */
  v2: ApiPresence;
}

export interface ReaderOptions {
  connectorId: string;
  target: AwsTarget;
  transport: AwsTransport;
  roleSessions: RoleSessionCache;
  limiter: RateLimiter;
  /** SDK attempts per call (throttling and transient faults are retried with backoff). */
  maxAttempts: number;
  signal: AbortSignal;
  log: Logger;
}

export class SecurityHubReader {
  private readonly clients = new Map<string, SecurityHubClient>();
  private readonly options: ReaderOptions;
  /** The account whose quota the requests spend (the role's, or the identity's). */
  accountId: string | undefined;

  constructor(options: ReaderOptions) {
    this.options = options;
    this.accountId = options.target.roleArn?.split(':')[4];
  }

  /** The account Security Hub answers for; asks STS once when no role names it. */
  async account(): Promise<string> {
    if (this.accountId) return this.accountId;
    const { target, transport } = this.options;
    const credentials = this.options.roleSessions.credentials(this.options.connectorId, target, transport);
    const identity = await stsClient(
      target,
      transport,
      credentials,
      target.regions[0],
      this.options.maxAttempts,
    ).send(new GetCallerIdentityCommand({}), { abortSignal: this.options.signal });
    this.accountId = identity.Account!;
    return this.accountId;
  }

  async getFindings(
    region: string,
    filters: AwsSecurityFindingFilters,
    nextToken: string | undefined,
  ): Promise<FindingsPage> {
    const command = new GetFindingsCommand({
      Filters: filters,
      SortCriteria: SORT_BY_UPDATED_AT,
      MaxResults: 100,
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    const output = await this.send(region, (client, options) => client.send(command, options));
    return { findings: output.Findings ?? [], nextToken: output.NextToken || undefined };
  }

  /**
   * A page of GetFindingsV2, oldest `finding_info.modified_time_dt` first; `scopes` narrow a
   * delegated administrator's read to organisations or units.
   */
  async getFindingsV2(
    region: string,
    filters: OcsfFindingFilters,
    nextToken: string | undefined,
    scopes?: FindingScopes,
  ): Promise<OcsfFindingsPage> {
    const command = new GetFindingsV2Command({
      Filters: filters,
      ...(scopes ? { Scopes: scopes } : {}),
      SortCriteria: SORT_BY_MODIFIED_TIME,
      MaxResults: 100,
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    const output = await this.send(region, (client, options) => client.send(command, options));
    return { findings: output.Findings ?? [], nextToken: output.NextToken || undefined };
  }

  /** A page of the new Security Hub's resource inventory (GetResourcesV2), in the API's own order. */
  async getResourcesV2(
    region: string,
    filters: ResourcesFilters | undefined,
    nextToken: string | undefined,
    scopes?: FindingScopes,
  ): Promise<ResourcesPage> {
    const command = new GetResourcesV2Command({
      ...(filters ? { Filters: filters } : {}),
      ...(scopes ? { Scopes: scopes } : {}),
      MaxResults: 100,
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    const output = await this.send(region, (client, options) => client.send(command, options));
    return { resources: output.Resources ?? [], nextToken: output.NextToken || undefined };
  }

  /**
   * The account's aggregator V2, if it has one: its home Region receives the linked Regions'
   * findings, so a V2 read asks the home Region alone for them (research/ocsf-v2.md §6). The same
   * shape as V1's, so the plan's streams treat both alike.
   */
  async aggregationV2(region: string): Promise<FindingAggregation | undefined> {
    const list = await this.send(region, (client, options) =>
      client.send(new ListAggregatorsV2Command({}), options),
    );
    const arn = list.AggregatorsV2?.[0]?.AggregatorV2Arn;
    if (!arn) return undefined;
    const home = arn.split(':')[3] || region;
    const aggregator = await this.send(home, (client, options) =>
      client.send(new GetAggregatorV2Command({ AggregatorV2Arn: arn }), options),
    );
    return {
      region: aggregator.AggregationRegion ?? home,
      linkingMode: aggregator.RegionLinkingMode ?? 'ALL_REGIONS',
      regions: aggregator.LinkedRegions ?? [],
    };
  }

  /** Which of CSPM and the new Security Hub answer in a Region (the connector's `api` default). */
  async detectApis(region: string): Promise<ApiDetection> {
    const [cspm, v2] = await Promise.all([
      this.presence(region, NOT_ENABLED_ERROR.CSPM, (client, options) =>
        client.send(new DescribeHubCommand({}), options),
      ),
      this.presence(region, NOT_ENABLED_ERROR.V2, (client, options) =>
        client.send(new DescribeSecurityHubV2Command({}), options),
      ),
    ]);
    return { region, cspm, v2 };
  }

  private async presence(
    region: string,
    notEnabled: string,
    call: (client: SecurityHubClient, options: { abortSignal: AbortSignal }) => Promise<unknown>,
  ): Promise<ApiPresence> {
    try {
      await this.send(region, call);
      return { state: 'ENABLED' };
    } catch (error) {
      // A role we cannot assume, or a cancelled run, is no answer about either API.
      if (error instanceof PermanentSyncError || isAbort(error)) throw error;
      const e = error as AwsErrorLike;
      const code = e?.name ?? 'Error';
      const message = e?.message ?? String(error);
      if (code === notEnabled) return { state: 'NOT_ENABLED', code, message };
      if (code === 'AccessDeniedException' || code === 'AccessDenied')
        return { state: 'DENIED', code, message };
      return { state: 'FAILED', code, message };
    }
  }

  /**
   * The account's finding aggregator, if it has one and may be read. Security Hub allows one per
   * account; ListFindingAggregators answers the same in every Region.
   */
  async aggregation(region: string): Promise<FindingAggregation | undefined> {
    const list = await this.send(region, (client, options) =>
      client.send(new ListFindingAggregatorsCommand({}), options),
    );
    const arn = list.FindingAggregators?.[0]?.FindingAggregatorArn;
    if (!arn) return undefined;
    const home = arn.split(':')[3] ?? region;
    const aggregator = await this.send(home, (client, options) =>
      client.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn }), options),
    );
    return {
      region: aggregator.FindingAggregationRegion ?? home,
      linkingMode: aggregator.RegionLinkingMode ?? 'ALL_REGIONS',
      regions: aggregator.Regions ?? [],
    };
  }

  private async send<Output>(
    region: string,
    call: (client: SecurityHubClient, options: { abortSignal: AbortSignal }) => Promise<Output>,
  ): Promise<Output> {
    for (let refreshed = false; ; refreshed = true) {
      try {
        return await call(this.client(region), { abortSignal: this.options.signal });
      } catch (error) {
        // Our cache thought the session good, AWS did not (clocks disagree, or it was revoked):
        // assume the role again, once, on a new client (the SDK memoizes the old identity).
        if (!refreshed && isExpiredCredentials(error)) {
          this.options.log.info({ region }, 'session credentials expired; assuming the role again');
          this.options.roleSessions.forget(this.options.connectorId);
          this.clients.delete(region);
          continue;
        }
        throw translateCredentialFailure(error, this.options.target);
      }
    }
  }

  private client(region: string): SecurityHubClient {
    let client = this.clients.get(region);
    if (client) return client;
    const { connectorId, target, transport, roleSessions, limiter, maxAttempts, signal } = this.options;
    client = securityHubClient(
      target,
      transport,
      roleSessions.credentials(connectorId, target, transport),
      region,
      maxAttempts,
    );
    // The SDK's logger middleware filters every response for its (no-op) logger: a copy of each
    // page's hundred findings for nothing.
    client.middlewareStack.remove('loggerMiddleware');
    keepFindingsAsReceived(client);
    // Runs once per attempt (the retry middleware sits above this step), so retries wait for a
    // token too and every throttle is counted.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        await limiter.acquire(this.accountId ?? 'unknown', region, operation, signal);
        const counters = counting.getStore();
        if (counters) counters.attempts += 1;
        try {
          return await next(args);
        } catch (error) {
          if (counters && isThrottling(error)) counters.throttled += 1;
          throw error;
        }
      },
      { step: 'deserialize', name: 'hubgraphQuotaAndCounters', priority: 'high' },
    );
    this.clients.set(region, client);
    return client;
  }
}

/** An AssumeRole refusal says nothing about Security Hub: say what is wrong with the trust policy. */
function translateCredentialFailure(error: unknown, target: AwsTarget): unknown {
  const e = error as { name?: string; message?: string };
  if (
    (e?.name === 'AccessDenied' || e?.name === 'AccessDeniedException') &&
    /sts:AssumeRole/.test(e.message ?? '')
  )
    return new PermanentSyncError(
      `Could not assume ${target.roleArn}: ${e.message}`,
      `Let Hubgraph's identity assume ${target.roleArn}: its trust policy must allow sts:AssumeRole with the condition {"StringEquals": {"sts:ExternalId": "${target.externalId}"}} (run connectorTest for a ready-to-paste statement).`,
      e.name,
    );
  return error;
}

/**
 * The connector's `api` default from what answered in its Regions: the API(s) enabled in every one
 * of them (BOTH when both are); when neither is, the one enabled in more Regions (CSPM on a tie) —
 * the connection test then names the Regions where it is off. Undefined when neither answered.
 */
export function defaultApi(detections: readonly ApiDetection[]): 'CSPM' | 'V2' | 'BOTH' | undefined {
  const cspm = detections.filter((each) => each.cspm.state === 'ENABLED').length;
  const v2 = detections.filter((each) => each.v2.state === 'ENABLED').length;
  const all = detections.length;
  if (cspm === all && v2 === all && all > 0) return 'BOTH';
  if (v2 === all && all > 0) return 'V2';
  if (cspm === all && all > 0) return 'CSPM';
  if (cspm === 0 && v2 === 0) return undefined;
  return v2 > cspm ? 'V2' : 'CSPM';
}
