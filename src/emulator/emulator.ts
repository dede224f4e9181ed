import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { ec2QuotaBucket } from '../aws/quotas.ts';
import { EmulatorClock } from './clock.ts';
import { EC2_VERSION, ec2ErrorXml, handleEc2 } from './ec2/operations.ts';
import { Ec2Store } from './ec2/store.ts';
import { AwsError, invalidInput } from './errors.ts';
import { evolveFindings } from './generator/evolve.ts';
import { generateFindings, type Random, seededRandom } from './generator/index.ts';
import { Identity } from './identity.ts';
import { RateLimiter } from './quotas.ts';
import {
  batchImportFindings,
  batchUpdateFindings,
  describeHub,
  disableImportFindingsForProduct,
  enableImportFindingsForProduct,
  getEnabledStandards,
  getFindingAggregator,
  getFindingHistory,
  getFindings,
  importFinding,
  listEnabledProductsForImport,
  listFindingAggregators,
  type OperationContext,
  SnapshotCache,
} from './securityhub/operations.ts';
import { findingKey, type HubState, type Presence, SecurityHubStore } from './securityhub/store.ts';
import {
  batchUpdateFindingsV2,
  describeSecurityHubV2,
  disableSecurityHubV2,
  enableSecurityHubV2,
  getAggregatorV2,
  getFindingsV2,
  getResourcesV2,
  listAggregatorsV2,
  mirrorToOcsf,
  notEnabledV2,
  placeFinding,
  presenceOf,
} from './securityhub/v2-operations.ts';
import { verifySignature } from './sigv4.ts';
import { handleSts, stsErrorXml } from './sts.ts';

// One HTTP endpoint for all services, as AWS's SDKs can be pointed at one: STS and EC2 by their
// form-encoded `Action=` (told apart by `Version=`), Security Hub by its REST paths. Every request is signed and checked; quotas, latency
// and injected faults apply to AWS operations only, never to the /_emulator admin API.

export type FaultKind = '429' | '500' | '503' | 'reset' | 'slow';
export const FAULT_KINDS: FaultKind[] = ['429', '500', '503', 'reset', 'slow'];

interface Route {
  operation: string;
  handle: (body: Record<string, unknown>, context: OperationContext) => unknown;
  /** Operations that work on a hub that is not enabled. */
  worksWhenDisabled?: boolean;
  /** The new Security Hub's operations: V2 enablement, V2 error names. */
  v2?: boolean;
  /** IAM actions any of which allows the call (default `securityhub:<operation>`). */
  actions?: string[];
}

/** A route matched to a request: its greedy path label's value (still percent-encoded), if it has one. */
interface MatchedRoute {
  route: Route;
  label?: { name: string; value: string };
}

const ROUTES: Record<string, Route> = {
  'POST /findings': { operation: 'GetFindings', handle: getFindings },
  'PATCH /findings/batchupdate': {
    operation: 'BatchUpdateFindings',
    handle: (body, context) => {
      const result = batchUpdateFindings(body, context);
      if (context.mirrorTriage)
        mirrorToOcsf(
          context.store.readableHubs(context.hub.accountId, context.hub.region),
          result.ProcessedFindings,
          body,
        );
      return result;
    },
  },
  'POST /findings/import': { operation: 'BatchImportFindings', handle: batchImportFindings },
  'GET /accounts': { operation: 'DescribeHub', handle: (_body, context) => describeHub(context) },
  'POST /accounts': {
    operation: 'EnableSecurityHub',
    worksWhenDisabled: true,
    handle: (_body, context) => {
      if (context.hub.enabledAt)
        throw new AwsError(
          'ResourceConflictException',
          409,
          `Account ${context.hub.accountId} is already subscribed to Security Hub`,
        );
      context.store.enable(context.hub.accountId, context.hub.region, context.now);
      return {};
    },
  },
  'DELETE /accounts': {
    operation: 'DisableSecurityHub',
    handle: (_body, context) => {
      context.store.disable(context.hub.accountId, context.hub.region);
      return {};
    },
  },
  'POST /standards/get': { operation: 'GetEnabledStandards', handle: getEnabledStandards },
  'GET /findingAggregator/list': {
    operation: 'ListFindingAggregators',
    handle: (_body, context) => listFindingAggregators(context),
  },
  'GET /findingAggregator/get/{FindingAggregatorArn+}': {
    operation: 'GetFindingAggregator',
    handle: getFindingAggregator,
  },
  'POST /findingHistory/get': { operation: 'GetFindingHistory', handle: getFindingHistory },
  'GET /productSubscriptions': {
    operation: 'ListEnabledProductsForImport',
    handle: (_body, context) => listEnabledProductsForImport(context),
  },
  'POST /productSubscriptions': {
    operation: 'EnableImportFindingsForProduct',
    handle: enableImportFindingsForProduct,
  },
  'DELETE /productSubscriptions/{ProductSubscriptionArn+}': {
    operation: 'DisableImportFindingsForProduct',
    handle: disableImportFindingsForProduct,
  },
  // The new Security Hub (V2): the paths and methods of the SDK's serializers.
  'POST /findingsv2': {
    operation: 'GetFindingsV2',
    handle: getFindingsV2,
    v2: true,
    // The SDK documents securityhub:GetFindings; XSOAR grants GetFindingsV2 (research/ocsf-v2.md §1).
    actions: ['GetFindingsV2', 'GetFindings'],
  },
  'PATCH /findingsv2/batchupdatev2': {
    operation: 'BatchUpdateFindingsV2',
    handle: batchUpdateFindingsV2,
    v2: true,
    actions: ['BatchUpdateFindingsV2', 'BatchUpdateFindings'],
  },
  'POST /resourcesv2': { operation: 'GetResourcesV2', handle: getResourcesV2, v2: true },
  'GET /hubv2': {
    operation: 'DescribeSecurityHubV2',
    handle: (_body, context) => describeSecurityHubV2(context),
    v2: true,
    worksWhenDisabled: true,
  },
  'POST /hubv2': {
    operation: 'EnableSecurityHubV2',
    handle: (_body, context) => enableSecurityHubV2(context),
    v2: true,
    worksWhenDisabled: true,
  },
  'DELETE /hubv2': {
    operation: 'DisableSecurityHubV2',
    handle: (_body, context) => disableSecurityHubV2(context),
    v2: true,
  },
  'GET /aggregatorv2/list': {
    operation: 'ListAggregatorsV2',
    handle: (_body, context) => listAggregatorsV2(context),
    v2: true,
  },
  'GET /aggregatorv2/get/{AggregatorV2Arn+}': {
    operation: 'GetAggregatorV2',
    handle: getAggregatorV2,
    v2: true,
  },
};

/** A route key ending in a greedy label (`{Name+}`): it matches every path under its prefix. */
const GREEDY = /^(\w+ \/.*\/)\{(\w+)\+\}$/;

function matchRoute(method: string, path: string): MatchedRoute | undefined {
  const request = `${method} ${path}`;
  const exact = ROUTES[request];
  if (exact) return { route: exact };
  for (const [key, route] of Object.entries(ROUTES)) {
    const [, prefix, name] = GREEDY.exec(key) ?? [];
    if (prefix && name && request.startsWith(prefix) && request.length > prefix.length)
      return { route, label: { name, value: request.slice(prefix.length) } };
  }
  return undefined;
}

/** restJson1 binds a path label into the operation's input, as the body's members are. */
function bindLabel(input: Record<string, unknown>, label: MatchedRoute['label']): Record<string, unknown> {
  if (!label) return input;
  try {
    return { ...input, [label.name]: decodeURIComponent(label.value) };
  } catch {
    throw invalidInput(`The path label ${label.name} is not valid percent-encoding.`);
  }
}

export interface EmulatorSettings {
  seed: number;
  now?: Date;
  quotas: boolean;
  rate?: number;
  burst?: number;
  latencyMs: number;
  faultRate: number;
  faultKinds: FaultKind[];
}

export class Emulator {
  readonly clock: EmulatorClock;
  readonly identity: Identity;
  readonly store = new SecurityHubStore();
  readonly ec2 = new Ec2Store();
  readonly limiter = new RateLimiter();
  readonly snapshots = new SnapshotCache();
  readonly counters = new Map<string, Record<string, number>>();
  latencyMs: number;
  faultRate: number;
  faultKinds: FaultKind[];
  /** Faults struck so far: the next is `faultKinds[faultsStruck % faultKinds.length]`. */
  faultsStruck = 0;
  /** GetFindings pages still to serve twice (the page's NextToken leads back to the same page). */
  duplicatePages = 0;
  /** Findings still to answer ConcurrentUpdateError in BatchUpdateFindings (one each, in order). */
  concurrentUpdates = 0;
  private faultRandom: Random;
  readonly seed: number;
  /** Accounts whose Security Hub holds findings (the base account is Hubgraph's own). */
  memberAccountIds: string[] = [];
  regions: string[] = ['us-east-1'];
  /** Where provider findings exist unless the scene says otherwise: CSPM (V1), the new Security Hub (V2), or both. */
  presence: Presence = 'BOTH';
  /** Whether triage through one API reaches the twin in the other (docs/emulator.md: off, as AWS documents no sync). */
  mirrorTriage = false;

  constructor(settings: EmulatorSettings) {
    this.seed = settings.seed;
    this.clock = new EmulatorClock(settings.now);
    this.identity = new Identity(settings.seed);
    this.limiter.enabled = settings.quotas;
    if (settings.rate !== undefined || settings.burst !== undefined) {
      this.limiter.overrides.all = { rate: settings.rate ?? 3, burst: settings.burst ?? settings.rate ?? 6 };
    }
    this.latencyMs = settings.latencyMs;
    this.faultRate = settings.faultRate;
    this.faultKinds = settings.faultKinds;
    this.faultRandom = seededRandom(settings.seed ^ 0xfa017);
  }

  /** Fills member accounts' hubs with generated findings, through the import path. */
  seedFindings(options: {
    count: number;
    seed: number;
    accountIds: string[];
    regions: string[];
    presence?: Presence;
  }): number {
    const findings = generateFindings({ ...options, now: this.clock.now() });
    for (const finding of findings) this.importAsProvider(finding, options.presence);
    return findings.length;
  }

  /** Moves the clock and lets the providers report what changed meanwhile. */
  advance(seconds: number, evolve: boolean): { now: string; updated: number; created: number } {
    const from = this.clock.now();
    const to = this.clock.advance(seconds * 1000);
    if (!evolve) return { now: to.toISOString(), updated: 0, created: 0 };
    const hubs = this.store.allHubs().filter((hub) => hub.enabledAt && hub.findings.size > 0);
    let updated = 0;
    let created = 0;
    for (const hub of hubs) {
      const changes = evolveFindings({
        seed: this.seed,
        findings: [...hub.findings.values()],
        from,
        to,
        accountIds: [hub.accountId],
        regions: [hub.region],
      });
      for (const finding of changes.updated)
        if (this.importIntoHub(hub, finding, to) === 'updated') updated += 1;
      for (const finding of changes.created)
        if (this.importIntoHub(hub, finding, to) === 'created') created += 1;
    }
    return { now: to.toISOString(), updated, created };
  }

  importAsProvider(finding: AwsSecurityFinding, presence?: Presence): void {
    const hub = this.store.enable(finding.AwsAccountId!, finding.Region!, this.clock.now());
    this.importIntoHub(hub, finding, this.clock.now(), presence);
  }

  /** A provider's finding into CSPM and, as the scene says, its OCSF twin into the new Security Hub. */
  private importIntoHub(hub: HubState, finding: AwsSecurityFinding, now: Date, presence?: Presence) {
    const key = findingKey(finding.ProductArn!, finding.Id!);
    // A V2-only finding's CSPM copy is held back; the provider still updates it, then it is held back again.
    const withdrawn = hub.v1Withdrawn.get(key);
    if (withdrawn) {
      hub.findings.set(key, withdrawn);
      hub.v1Withdrawn.delete(key);
    }
    const outcome = importFinding(hub, finding, now, 'provider');
    placeFinding(hub, key, presence ?? presenceOf(hub, key, this.presence));
    return outcome;
  }

  count(operation: string, status: number): void {
    const entry = this.counters.get(operation) ?? {};
    entry[String(status)] = (entry[String(status)] ?? 0) + 1;
    entry.total = (entry.total ?? 0) + 1;
    this.counters.set(operation, entry);
  }

  /** Handles one AWS request (STS or Security Hub); the raw body is already read. */
  async handleAws(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const isQuery =
      req.method === 'POST' &&
      url.pathname === '/' &&
      (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    const form = isQuery ? new URLSearchParams(body.toString('utf8')) : undefined;
    const isEc2 = form?.get('Version') === EC2_VERSION;
    const isSts = isQuery && !isEc2;
    const matched = isQuery ? undefined : matchRoute(req.method ?? 'GET', url.pathname);
    const route = matched?.route;
    const operation = isQuery
      ? (form!.get('Action') ?? (isEc2 ? 'EC2' : 'STS'))
      : (route?.operation ?? 'Unknown');
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    // Which requests fail is random (seeded); the kinds strike in turn, so every kind asked for
    // strikes once a few faults have: a test of each kind does not hang on the dice.
    const fault =
      this.faultRate > 0 && this.faultRandom.chance(this.faultRate)
        ? this.faultKinds[this.faultsStruck++ % this.faultKinds.length]
        : undefined;
    if (fault === 'reset') {
      this.count(operation, 0);
      req.socket.destroy();
      return;
    }
    // The new Security Hub names its errors differently (ThrottlingException, InternalServerException).
    const v2 = route?.v2 === true;
    try {
      if (fault === '429') throw throttled(v2);
      if (fault === '500')
        throw new AwsError(
          v2 ? 'InternalServerException' : 'InternalException',
          500,
          'Internal service error (injected by the emulator).',
          'Receiver',
        );
      if (fault === '503')
        throw new AwsError(
          'ServiceUnavailableException',
          503,
          'Service unavailable (injected by the emulator).',
          'Receiver',
        );
      const signed = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        headers: req.headers,
        body,
      };
      const caller = verifySignature(
        signed,
        isEc2 ? 'ec2' : isSts ? 'sts' : 'securityhub',
        this.identity,
        Date.now(),
        this.clock.now().getTime(),
      );
      let payload: string;
      let contentType: string;
      if (isEc2) {
        if (
          !this.limiter.take(caller.principal.accountId, caller.region, ec2QuotaBucket(operation), Date.now())
        )
          throw new AwsError('RequestLimitExceeded', 503, 'Request limit exceeded.', 'Receiver');
        payload = handleEc2(form!, {
          store: this.ec2,
          caller: caller.principal,
          region: caller.region,
          requestId,
        });
        contentType = 'text/xml;charset=UTF-8';
      } else if (isSts) {
        payload = handleSts(form!, {
          identity: this.identity,
          caller: caller.principal,
          nowMs: this.clock.now().getTime(),
          requestId,
        });
        contentType = 'text/xml';
      } else {
        if (!route)
          throw new AwsError(
            'UnknownOperationException',
            404,
            `No operation at ${req.method} ${url.pathname}`,
          );
        const actions = (route.actions ?? [route.operation]).map((action) => `securityhub:${action}`);
        if (!actions.some((action) => Identity.allows(caller.principal, action))) {
          const resource = `arn:aws:securityhub:${caller.region}:${caller.principal.accountId}:hub/default`;
          throw new AwsError(
            'AccessDeniedException',
            403,
            `User: ${caller.principal.arn} is not authorized to perform: securityhub:${route.operation} on resource: ${resource}`,
          );
        }
        if (!this.limiter.take(caller.principal.accountId, caller.region, route.operation, Date.now())) {
          throw throttled(v2);
        }
        const hub = this.store.hub(caller.principal.accountId, caller.region);
        if (v2 && !hub.v2EnabledAt && !route.worksWhenDisabled) throw notEnabledV2(hub);
        if (!v2 && !hub.enabledAt && !route.worksWhenDisabled) {
          throw new AwsError(
            'InvalidAccessException',
            401,
            `Account ${caller.principal.accountId} is not subscribed to AWS Security Hub`,
          );
        }
        const parsed = bindLabel(parseJson(body), matched?.label);
        const result = route.handle(parsed, {
          store: this.store,
          hub,
          caller: caller.principal,
          now: this.clock.now(),
          query: url.searchParams,
          snapshots: this.snapshots,
          mirrorTriage: this.mirrorTriage,
          concurrentUpdate: () => {
            if (this.concurrentUpdates <= 0) return false;
            this.concurrentUpdates -= 1;
            return true;
          },
          duplicatePage: () => {
            if (this.duplicatePages <= 0) return false;
            this.duplicatePages -= 1;
            return true;
          },
        });
        payload = JSON.stringify(result);
        contentType = 'application/json';
      }
      this.count(operation, 200);
      await this.send(
        res,
        200,
        { 'content-type': contentType, 'x-amzn-requestid': requestId },
        payload,
        fault === 'slow',
      );
    } catch (error) {
      const aws =
        error instanceof AwsError
          ? error
          : new AwsError(
              isQuery ? 'InternalFailure' : v2 ? 'InternalServerException' : 'InternalException',
              500,
              (error as Error).message ?? 'Internal error',
              'Receiver',
            );
      this.count(operation, aws.status);
      if (isEc2) {
        await this.send(
          res,
          aws.status,
          { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
          ec2ErrorXml(aws, requestId),
          false,
        );
      } else if (isSts) {
        await this.send(
          res,
          aws.status,
          { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
          stsErrorXml(aws, requestId),
          false,
        );
      } else {
        const payload =
          aws.code === 'TooManyRequestsException'
            ? { message: aws.message }
            : { Code: aws.code, Message: aws.message };
        await this.send(
          res,
          aws.status,
          { 'content-type': 'application/json', 'x-amzn-errortype': aws.code, 'x-amzn-requestid': requestId },
          JSON.stringify(payload),
          false,
        );
      }
    }
  }

  private async send(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    payload: string,
    slow: boolean,
  ): Promise<void> {
    const bytes = Buffer.from(payload);
    res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
    if (!slow) {
      res.end(bytes);
      return;
    }
    // A slow body: the status arrives at once, the payload trickles in over about a second.
    const chunk = Math.max(1, Math.ceil(bytes.length / 10));
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      res.write(bytes.subarray(offset, offset + chunk));
      await sleep(100);
    }
    res.end();
  }
}

function throttled(v2: boolean): AwsError {
  return v2
    ? new AwsError('ThrottlingException', 429, 'Rate exceeded')
    : new AwsError('TooManyRequestsException', 429, 'Too Many Requests');
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new AwsError('SerializationException', 400, 'The request body is not a valid JSON object.');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
