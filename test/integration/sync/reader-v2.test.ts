import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsTarget, RoleSessionCache } from '../../../src/aws/clients.ts';
import type { OcsfDocument } from '../../../src/emulator/generator/ocsf.ts';
import {
  type EmulatorOptions,
  type EmulatorRole,
  READ_ROLE_ACTIONS,
  type RunningEmulator,
  startEmulator,
  V2_READ_ROLE_ACTIONS,
} from '../../../src/emulator/index.ts';
import { scopeFiltersV2, sliceFiltersV2 } from '../../../src/sync/filters-v2.ts';
import { RateLimiter } from '../../../src/sync/rate-limiter.ts';
import {
  countRequests,
  defaultApi,
  type RequestCounters,
  SecurityHubReader,
} from '../../../src/sync/reader.ts';
import { anAccountOfItsOwn } from '../../support/emulator.ts';
import { aConnectorScope } from '../../support/factories.ts';

// The V2 read side against the emulator with the real SDK: GetFindingsV2 paged over a slice's
// window with a connector scope, compared finding by finding with the emulator's store (read here
// with the test's own predicate, not the emulator's filter engine); aggregators V2; and which of
// CSPM and the new Security Hub a hub answers for.

const emulators: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

async function anEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const emulator = await startEmulator({
    accounts: 1,
    regions: ['us-east-1', 'eu-west-1'],
    v2: true,
    ...options,
  });
  emulators.push(emulator);
  return emulator;
}

function aReader(
  emulator: RunningEmulator,
  role: EmulatorRole = emulator.roles[0]!,
  regions = emulator.regions,
) {
  const target: AwsTarget = {
    authMode: 'ASSUME_ROLE',
    sourceMode: 'ACCESS_KEY',
    accessKeyId: emulator.baseCredentials.accessKeyId,
    secretAccessKey: emulator.baseCredentials.secretAccessKey,
    roleArn: role.arn,
    externalId: role.externalId,
    roleSessionName: 'hubgraph-reader-v2',
    sessionDurationSeconds: 900,
    regions,
    endpointOverride: emulator.endpoint,
  };
  return new SecurityHubReader({
    connectorId: `connector-${role.accountId}`,
    target,
    transport: { allowCustomEndpoints: true, endpointAllowList: ['127.0.0.0/8'] },
    roleSessions: new RoleSessionCache(),
    // AWS's quotas on both sides: the reader keeps to GetFindingsV2's 3/s, the emulator enforces it.
    limiter: new RateLimiter(),
    maxAttempts: 3,
    signal: new AbortController().signal,
    log: pino({ level: 'silent' }),
  });
}

function storeDocuments(emulator: RunningEmulator, accountId: string, region: string): OcsfDocument[] {
  return [...emulator.emulator.store.hub(accountId, region).ocsf.values()];
}

const modified = (document: OcsfDocument) => Date.parse(document.finding_info.modified_time_dt);

/** Every page of one slice, as the engine will read it. */
async function readSlice(
  reader: SecurityHubReader,
  region: string,
  filters: Parameters<SecurityHubReader['getFindingsV2']>[1],
) {
  const counters: RequestCounters = { requests: 0, attempts: 0, throttled: 0 };
  const documents: OcsfDocument[] = [];
  let pages = 0;
  await countRequests(counters, async () => {
    let token: string | undefined;
    do {
      const page = await reader.getFindingsV2(region, filters, token);
      documents.push(...(page.findings as OcsfDocument[]));
      token = page.nextToken;
      pages += 1;
    } while (token);
  });
  return { documents, pages, counters };
}

describe('getFindingsV2', () => {
  it('pages a scoped window out oldest first, exactly the scope’s findings in the store, finding by finding', async () => {
    const emulator = await anEmulator({ findings: 1500, seed: 57 });
    const reader = aReader(emulator);
    const accountId = emulator.accounts[0]!;
    const all = storeDocuments(emulator, accountId, 'us-east-1');
    const scope = aConnectorScope({
      recordStates: ['ACTIVE'],
      severityLabels: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'],
      resourceTypes: [
        'AwsEc2Instance',
        'AwsEcrContainerImage',
        'AwsLambdaFunction',
        'AwsAccount',
        'AwsS3Bucket',
      ],
    });
    // The test's own reading of that scope, on the store's documents.
    const types = new Set([
      'AWS::EC2::Instance',
      'AWS::ECR::Image',
      'AWS::Lambda::Function',
      'AWS::::Account',
      'AWS::S3::Bucket',
    ]);
    const inScope = all.filter((document) => {
      const d = document as OcsfDocument & {
        activity_id: number;
        severity_id: number;
        resources: { type: string }[];
      };
      return (
        d.activity_id !== 3 &&
        [2, 3, 4, 5].includes(d.severity_id) &&
        d.resources.some((resource) => types.has(resource.type))
      );
    });
    // The window's edges are in-scope findings' times: both must be read (inclusive bounds).
    const times = inScope.map(modified).sort((a, b) => a - b);
    const window = {
      start: new Date(times[Math.floor(times.length * 0.1)]!),
      end: new Date(times[Math.floor(times.length * 0.9)]!),
    };
    const expected = inScope.filter(
      (document) =>
        modified(document) >= window.start.getTime() && modified(document) <= window.end.getTime(),
    );
    const { filters, problems } = scopeFiltersV2(scope);
    expect(problems).toEqual([]);

    const { documents, pages, counters } = await readSlice(
      reader,
      'us-east-1',
      sliceFiltersV2(filters, window, ['us-east-1']),
    );

    // A scope that filters something out, and a window that needs more than one page of 100.
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(all.length);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(counters.attempts).toBeGreaterThanOrEqual(pages);

    const byUid = (list: OcsfDocument[]) => new Map(list.map((d) => [d.finding_info.uid, d]));
    expect([...byUid(documents).keys()].sort()).toEqual([...byUid(expected).keys()].sort());
    expect(documents).toHaveLength(expected.length);
    const stored = byUid(expected);
    for (const document of documents) expect(document).toEqual(stored.get(document.finding_info.uid));
    const order = documents.map(modified);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order[0]).toBe(window.start.getTime());
    expect(order.at(-1)).toBe(window.end.getTime());
  });

  it('refuses a finding outside the scope even when the window holds it (a narrower scope reads less)', async () => {
    const emulator = await anEmulator({ findings: 300, seed: 58 });
    const reader = aReader(emulator);
    const wide = { start: new Date(0), end: new Date('2100-01-01T00:00:00Z') };
    const everything = await readSlice(reader, 'us-east-1', sliceFiltersV2({}, wide));
    const inspector = await readSlice(
      reader,
      'us-east-1',
      sliceFiltersV2(scopeFiltersV2(aConnectorScope({ productNames: ['Inspector'] })).filters, wide),
    );
    const stored = storeDocuments(emulator, emulator.accounts[0]!, 'us-east-1');
    expect(everything.documents).toHaveLength(stored.length);
    const expected = stored
      .filter((d) => d.metadata.product.name === 'Inspector')
      .map((d) => d.finding_info.uid);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(stored.length);
    expect(inspector.documents.map((d) => d.finding_info.uid).sort()).toEqual(expected.sort());
  });
});

describe('aggregationV2', () => {
  it('is undefined without an aggregator V2, and names the home Region and its linked Regions with one', async () => {
    const emulator = await anEmulator({ findings: 300, seed: 59 });
    const reader = aReader(emulator);
    const accountId = emulator.accounts[0]!;
    expect(await reader.aggregationV2('eu-west-1')).toBeUndefined();

    await emulator.admin('POST', '/_emulator/aggregators-v2', {
      accountId,
      region: 'us-east-1',
      regionLinkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    });
    // Asked in a linked Region, it answers with the home Region's aggregator.
    const aggregation = await reader.aggregationV2('eu-west-1');
    expect(aggregation).toEqual({
      region: 'us-east-1',
      linkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    });

    // The home Region alone then reads both Regions' findings: what an aggregation stream does.
    const wide = { start: new Date(0), end: new Date('2100-01-01T00:00:00Z') };
    const { documents } = await readSlice(
      reader,
      'us-east-1',
      sliceFiltersV2({}, wide, ['us-east-1', 'eu-west-1']),
    );
    const stored = [
      ...storeDocuments(emulator, accountId, 'us-east-1'),
      ...storeDocuments(emulator, accountId, 'eu-west-1'),
    ];
    expect(new Set(stored.map((d) => d.cloud.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
    expect(documents.map((d) => d.metadata.uid).sort()).toEqual(stored.map((d) => d.metadata.uid).sort());
  });
});

describe('detectApis', () => {
  it('tells CSPM only, V2 only, both and neither apart per Region, and access denied from not enabled', async () => {
    const emulator = await anEmulator({ findings: 50, seed: 60 });
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];
    const role = await anAccountOfItsOwn(emulator, {
      regions: [],
      actions: [...READ_ROLE_ACTIONS, ...V2_READ_ROLE_ACTIONS],
    });
    const hub = (region: string, enabled: boolean, v2Enabled: boolean) =>
      emulator.admin('PUT', '/_emulator/hubs', { accountId: role.accountId, region, enabled, v2Enabled });
    await hub('us-east-1', true, true);
    await hub('eu-west-1', true, false);
    await hub('ap-southeast-2', false, true);
    const reader = aReader(emulator, role, regions);

    const detections = await Promise.all(regions.map((region) => reader.detectApis(region)));
    const states = detections.map((each) => [each.region, each.cspm.state, each.v2.state]);
    expect(states).toEqual([
      ['us-east-1', 'ENABLED', 'ENABLED'],
      ['eu-west-1', 'ENABLED', 'NOT_ENABLED'],
      ['ap-southeast-2', 'NOT_ENABLED', 'ENABLED'],
      ['sa-east-1', 'NOT_ENABLED', 'NOT_ENABLED'],
    ]);
    expect(detections[1]!.v2).toMatchObject({ code: 'ResourceNotFoundException' });
    expect(detections[2]!.cspm).toMatchObject({ code: 'InvalidAccessException' });

    // What answers everywhere; else what answers in more Regions (CSPM on a tie).
    expect(defaultApi([detections[0]!])).toBe('BOTH');
    expect(defaultApi([detections[0]!, detections[2]!])).toBe('V2');
    expect(defaultApi([detections[0]!, detections[1]!])).toBe('CSPM');
    expect(defaultApi(detections)).toBe('CSPM');
    expect(defaultApi([detections[1]!, detections[3]!])).toBe('CSPM');
    expect(defaultApi([detections[2]!, detections[3]!])).toBe('V2');
    expect(defaultApi([detections[2]!])).toBe('V2');
    expect(defaultApi([detections[3]!])).toBeUndefined();

    // A role that may not ask V2 is DENIED there, not "not enabled".
    const cspmOnlyRole = await anAccountOfItsOwn(emulator, { regions: [], actions: READ_ROLE_ACTIONS });
    await emulator.admin('PUT', '/_emulator/hubs', {
      accountId: cspmOnlyRole.accountId,
      region: 'us-east-1',
      enabled: true,
      v2Enabled: true,
    });
    const denied = await aReader(emulator, cspmOnlyRole, ['us-east-1']).detectApis('us-east-1');
    expect(denied.cspm.state).toBe('ENABLED');
    expect(denied.v2).toMatchObject({ state: 'DENIED', code: 'AccessDeniedException' });
  });
});
