import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  type BatchUpdateFindingsV2CommandInput,
  DescribeSecurityHubV2Command,
  EnableSecurityHubV2Command,
  GetAggregatorV2Command,
  GetFindingsCommand,
  GetFindingsV2Command,
  type GetFindingsV2CommandInput,
  GetResourcesV2Command,
  ListAggregatorsV2Command,
  type OcsfStringFilter,
  paginateGetFindings,
  paginateGetFindingsV2,
  paginateGetResourcesV2,
  type ResourceResult,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMINISTRATOR_ACCOUNT_ID,
  type RunningEmulator,
  startEmulator,
} from '../../../src/emulator/index.ts';
import { OCSF_VULNERABILITY_MAP } from '../../../src/mapping/ocsf/built-in-map.ts';
import { asffIdentity, identityKey, ocsfIdentity } from '../../../src/mapping/ocsf/identity.ts';
import { mapOcsfFinding } from '../../../src/mapping/ocsf/map-ocsf-finding.ts';
import { validateOcsf } from '../../../src/mapping/ocsf/ocsf-validation.ts';
import { asffResourceType } from '../../../src/mapping/ocsf/resource-types.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';
import { assumeReadRole, failure, securityHubClient, stsClient } from '../../support/emulator.ts';

// The new Security Hub (V2, OCSF) on the real wire, driven by the real SDK: GetFindingsV2's
// CompositeFilters, sorting, pagination and Scopes; GetResourcesV2's per-resource counts;
// BatchUpdateFindingsV2's per-finding results; DescribeSecurityHubV2; aggregators V2; quotas, SigV4
// and faults as V1 has them; and OCSF twins of the ASFF findings that validate, map and join.

const REGIONS = ['us-east-1', 'eu-west-1'];
let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    findings: 400,
    accounts: 2,
    regions: REGIONS,
    seed: 31,
    quotas: false,
    v2: true,
    administrator: true,
  });
});

afterEach(async () => {
  await emulator?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: GetFindingsV2 returns untyped documents; the tests read them freely.
type Ocsf = Record<string, any>;

async function allV2(hub: SecurityHubClient, input: GetFindingsV2CommandInput = {}): Promise<Ocsf[]> {
  const findings: Ocsf[] = [];
  for await (const page of paginateGetFindingsV2({ client: hub, pageSize: 50 }, input))
    findings.push(...((page.Findings ?? []) as Ocsf[]));
  return findings;
}

async function allV1(hub: SecurityHubClient): Promise<AwsSecurityFinding[]> {
  const findings: AwsSecurityFinding[] = [];
  for await (const page of paginateGetFindings({ client: hub, pageSize: 100 }, {}))
    findings.push(...(page.Findings ?? []));
  return findings;
}

const uids = (findings: Ocsf[]) => findings.map((finding) => finding.metadata.uid as string).sort();

/** A string filter; the names are the tests' own, so the emulator can be shown ones AWS refuses. */
const string = (FieldName: string, Value: string, Comparison = 'EQUALS') =>
  ({ FieldName, Filter: { Value, Comparison } }) as OcsfStringFilter;

describe('GetFindingsV2', () => {
  it('pages a fixed filter out exactly once, in the asked order, and refuses a token whose filter changed', async () => {
    const hub = await securityHubClient(emulator);
    const everything = await allV2(hub);
    const filter: GetFindingsV2CommandInput = {
      Filters: {
        CompositeFilters: [{ StringFilters: [string('class_name', 'Vulnerability Finding')] }],
      },
      SortCriteria: [{ Field: 'finding_info.modified_time_dt', SortOrder: 'asc' }],
    };
    const pages: Ocsf[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await hub.send(new GetFindingsV2Command({ ...filter, MaxResults: 7, NextToken }));
      pages.push(page.Findings as Ocsf[]);
      NextToken = page.NextToken;
      // The data moving meanwhile does not move the pages.
      if (pages.length === 2) await emulator.admin('POST', '/_emulator/clock/advance', { seconds: 600 });
    } while (NextToken);
    const paged = pages.flat();
    const expected = everything.filter((finding) => finding.class_name === 'Vulnerability Finding');
    expect(expected.length).toBeGreaterThan(14);
    expect(pages.every((page) => page.length <= 7)).toBe(true);
    expect(uids(paged)).toEqual(uids(expected));
    expect(new Set(uids(paged)).size).toBe(paged.length);
    const times = paged.map((finding) => finding.finding_info.modified_time_dt as string);
    expect(times).toEqual([...times].sort());

    const first = await hub.send(new GetFindingsV2Command({ ...filter, MaxResults: 5 }));
    expect(
      await failure(hub.send(new GetFindingsV2Command({ MaxResults: 5, NextToken: first.NextToken }))),
    ).toMatchObject({
      name: 'ValidationException',
      status: 400,
      message: expect.stringMatching(/NextToken/),
    });
  });

  it('evaluates each filter type, the composite operators and nested composites as AWS documents them', async () => {
    const hub = await securityHubClient(emulator);
    const all = await allV2(hub);
    const query = async (Filters: GetFindingsV2CommandInput['Filters']) =>
      uids(await allV2(hub, { Filters }));
    const expectMatch = async (Filters: GetFindingsV2CommandInput['Filters'], keep: (f: Ocsf) => boolean) => {
      const expected = uids(all.filter(keep));
      expect(await query(Filters)).toEqual(expected);
      return expected.length;
    };
    const region = all[0]!.cloud.region as string;
    const someInstance = all.find((f) => f.resources?.[0]?.type === 'AWS::EC2::Instance')!.resources[0];
    const tag = someInstance.tags[0] as { name: string; value: string };
    const cutoff = all.map((f) => f.finding_info.modified_time_dt as string).sort()[
      Math.floor(all.length / 2)
    ]!;

    expect(
      await expectMatch(
        { CompositeFilters: [{ StringFilters: [string('cloud.region', region)] }] },
        (f) => f.cloud.region === region,
      ),
    ).toBeGreaterThan(0);
    await expectMatch(
      {
        CompositeFilters: [
          {
            StringFilters: [
              string(
                'metadata.product.uid',
                'arn:aws:securityhub:us-east-1::productv2/aws/inspector',
                'NOT_EQUALS',
              ),
            ],
          },
        ],
      },
      (f) => f.metadata.product.uid !== 'arn:aws:securityhub:us-east-1::productv2/aws/inspector',
    );
    await expectMatch(
      {
        CompositeFilters: [{ StringFilters: [string('finding_info.uid', 'arn:aws:securityhub:', 'PREFIX')] }],
      },
      (f) => f.finding_info.uid.startsWith('arn:aws:securityhub:'),
    );
    await expectMatch(
      { CompositeFilters: [{ StringFilters: [string('resources.uid', someInstance.uid, 'CONTAINS_WORD')] }] },
      (f) => f.resources.some((r: Ocsf) => r.uid === someInstance.uid),
    );
    expect(
      await expectMatch(
        { CompositeFilters: [{ NumberFilters: [{ FieldName: 'severity_id', Filter: { Gte: 4 } }] }] },
        (f) => f.severity_id >= 4,
      ),
    ).toBeGreaterThan(0);
    await expectMatch(
      {
        CompositeFilters: [
          { DateFilters: [{ FieldName: 'finding_info.modified_time_dt', Filter: { Start: cutoff } }] },
        ],
      },
      (f) => f.finding_info.modified_time_dt >= cutoff,
    );
    const now = Date.parse(((await emulator.admin('GET', '/_emulator/state')) as { now: string }).now);
    await expectMatch(
      {
        CompositeFilters: [
          {
            DateFilters: [
              {
                FieldName: 'finding_info.created_time_dt',
                Filter: { DateRange: { Value: 10, Unit: 'DAYS', Comparison: 'WITHIN' } },
              },
            ],
          },
        ],
      },
      (f) => Date.parse(f.finding_info.created_time_dt) >= now - 10 * 86_400_000,
    );
    expect(
      await expectMatch(
        {
          CompositeFilters: [
            {
              BooleanFilters: [
                { FieldName: 'vulnerabilities.is_exploit_available', Filter: { Value: true } },
              ],
            },
          ],
        },
        (f) => (f.vulnerabilities ?? []).some((v: Ocsf) => v.is_exploit_available === true),
      ),
    ).toBeGreaterThan(0);
    await expectMatch(
      {
        CompositeFilters: [
          {
            MapFilters: [
              {
                FieldName: 'resources.tags',
                Filter: { Key: tag.name, Value: tag.value, Comparison: 'EQUALS' },
              },
            ],
          },
        ],
      },
      (f) =>
        f.resources.some((r: Ocsf) =>
          (r.tags ?? []).some((t: Ocsf) => t.name === tag.name && t.value === tag.value),
        ),
    );
    // Nothing generated has evidences: an IP filter is accepted and matches none.
    expect(
      await query({
        CompositeFilters: [
          { IpFilters: [{ FieldName: 'evidences.src_endpoint.ip', Filter: { Cidr: '10.0.0.0/8' } }] },
        ],
      }),
    ).toEqual([]);

    const critical = { NumberFilters: [{ FieldName: 'severity_id' as const, Filter: { Eq: 5 } }] };
    const compliance = { StringFilters: [string('class_name', 'Compliance Finding')] };
    await expectMatch(
      { CompositeFilters: [critical, compliance], CompositeOperator: 'OR' },
      (f) => f.severity_id === 5 || f.class_name === 'Compliance Finding',
    );
    await expectMatch(
      { CompositeFilters: [critical, compliance], CompositeOperator: 'AND' },
      (f) => f.severity_id === 5 && f.class_name === 'Compliance Finding',
    );
    await expectMatch(
      {
        CompositeFilters: [
          {
            StringFilters: [string('cloud.region', region)],
            NestedCompositeFilters: [
              {
                StringFilters: [string('status', 'Resolved'), string('status', 'Suppressed')],
                Operator: 'OR',
              },
            ],
            Operator: 'AND',
          },
        ],
      },
      (f) => f.cloud.region === region && (f.status === 'Resolved' || f.status === 'Suppressed'),
    );
  });

  it('refuses what AWS refuses, with a ValidationException naming the member', async () => {
    const hub = await securityHubClient(emulator);
    const refused = (input: GetFindingsV2CommandInput) => failure(hub.send(new GetFindingsV2Command(input)));
    const composite = { StringFilters: [string('class_name', 'Compliance Finding')] };
    expect(
      await refused({ Filters: { CompositeFilters: Array.from({ length: 11 }, () => composite) } }),
    ).toEqual({
      name: 'ValidationException',
      status: 400,
      message:
        "1 validation error detected: Value null at 'filters.compositeFilters' failed to satisfy constraint: Member must have length less than or equal to 10",
    });
    expect(
      await refused({
        Filters: {
          CompositeFilters: [
            { StringFilters: Array.from({ length: 21 }, (_, i) => string('finding_info.uid', `id-${i}`)) },
          ],
        },
      }),
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        "'filters.compositeFilters.1.member.stringFilters' failed to satisfy constraint: Member must have length less than or equal to 20",
      ),
    });
    expect(
      await refused({ Filters: { CompositeFilters: [{ StringFilters: [string('Title', 'x')] }] } }),
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(
        /Value 'Title' at 'filters\.compositeFilters\.1\.member\.stringFilters\.1\.member\.fieldName' failed to satisfy constraint: Member must satisfy enum value set: \[.*finding_info\.uid/,
      ),
    });
    expect(
      await refused({
        Filters: { CompositeFilters: [{ StringFilters: [string('class_name', 'x', 'LIKE')] }] },
      }),
    ).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('.filter.comparison') });
    expect(
      await refused({
        Filters: {
          CompositeFilters: [{ NumberFilters: [{ FieldName: 'severity' as never, Filter: { Gte: 1 } }] }],
        },
      }),
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('numberFilters.1.member.fieldName'),
    });
    expect(await refused({ MaxResults: 101 })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('less than or equal to 100'),
    });
    expect(await refused({ SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'asc' }] })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('sortCriteria.1.member.field'),
    });
  });

  it('sorts on the asked fields, descending and ascending', async () => {
    const hub = await securityHubClient(emulator);
    const bySeverity = await allV2(hub, {
      SortCriteria: [
        { Field: 'severity_id', SortOrder: 'desc' },
        { Field: 'finding_info.modified_time_dt', SortOrder: 'asc' },
      ],
    });
    for (let i = 1; i < bySeverity.length; i += 1) {
      const [a, b] = [bySeverity[i - 1]!, bySeverity[i]!];
      expect(a.severity_id).toBeGreaterThanOrEqual(b.severity_id);
      if (a.severity_id === b.severity_id)
        expect(a.finding_info.modified_time_dt <= b.finding_info.modified_time_dt).toBe(true);
    }
  });

  it("narrows a delegated administrator's view with Scopes, and refuses Scopes to a member", async () => {
    const [first, second] = emulator.accounts as [string, string];
    await emulator.admin('PUT', '/_emulator/organization', {
      organizationId: 'o-exampleorg1',
      units: { 'ou-root-prod': [first, ADMINISTRATOR_ACCOUNT_ID], 'ou-root-dev': [second] },
    });
    const administrator = await adminClient();
    const everything = await allV2(administrator);
    expect(new Set(everything.map((f) => f.cloud.account.uid))).toEqual(new Set([first, second]));
    const dev = await allV2(administrator, {
      Scopes: { AwsOrganizations: [{ OrganizationalUnitId: 'ou-root-dev' }] },
    });
    expect(dev.length).toBeGreaterThan(0);
    expect(uids(dev)).toEqual(uids(everything.filter((f) => f.cloud.account.uid === second)));
    const org = await allV2(administrator, {
      Scopes: { AwsOrganizations: [{ OrganizationId: 'o-exampleorg1' }] },
    });
    expect(uids(org)).toEqual(uids(everything));
    expect(
      await failure(
        administrator.send(
          new GetFindingsV2Command({
            Scopes: { AwsOrganizations: [{ OrganizationalUnitId: 'ou-nowhere' }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'OrganizationalUnitNotFoundException', status: 400 });
    const member = await securityHubClient(emulator);
    expect(
      await failure(
        member.send(
          new GetFindingsV2Command({ Scopes: { AwsOrganizations: [{ OrganizationId: 'o-exampleorg1' }] } }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDeniedException', status: 403 });
  });
});

/** A client for the delegated administrator's read role (not among emulator.roles). */
async function adminClient(region = 'us-east-1'): Promise<SecurityHubClient> {
  const role = emulator.administrator!;
  const { Credentials } = await stsClient(emulator).send(
    new AssumeRoleCommand({
      RoleArn: role.arn,
      RoleSessionName: 'hubgraph-test',
      ExternalId: role.externalId,
    }),
  );
  return new SecurityHubClient({
    region,
    endpoint: emulator.endpoint,
    maxAttempts: 3,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  });
}

describe('aggregators V2', () => {
  it('lets the home Region read its linked Regions, and names the aggregator', async () => {
    const account = emulator.accounts[0]!;
    const home = await securityHubClient(emulator, { region: 'us-east-1' });
    const away = await securityHubClient(emulator, { region: 'eu-west-1' });
    expect((await home.send(new ListAggregatorsV2Command({}))).AggregatorsV2).toEqual([]);
    const before = await allV2(home);
    expect(new Set(before.map((f) => f.cloud.region))).toEqual(new Set(['us-east-1']));
    const aggregator = (await emulator.admin('POST', '/_emulator/aggregators-v2', {
      accountId: account,
      region: 'us-east-1',
      regionLinkingMode: 'SPECIFIED_REGIONS',
      regions: ['eu-west-1'],
    })) as { arn: string };
    const listed = await home.send(new ListAggregatorsV2Command({}));
    expect(listed.AggregatorsV2).toEqual([{ AggregatorV2Arn: aggregator.arn }]);
    expect(await away.send(new GetAggregatorV2Command({ AggregatorV2Arn: aggregator.arn }))).toMatchObject({
      AggregatorV2Arn: aggregator.arn,
      AggregationRegion: 'us-east-1',
      RegionLinkingMode: 'SPECIFIED_REGIONS',
      LinkedRegions: ['eu-west-1'],
    });
    const linked = await allV2(home);
    const euOnly = await allV2(away);
    expect(euOnly.length).toBeGreaterThan(0);
    expect(uids(linked)).toEqual(uids([...before, ...euOnly]));
    expect(
      await failure(home.send(new GetAggregatorV2Command({ AggregatorV2Arn: `${aggregator.arn}-gone` }))),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
});

describe('BatchUpdateFindingsV2', () => {
  it('answers per finding, changes only Comment, SeverityId and StatusId, and never moves modified_time', async () => {
    const hub = await securityHubClient(emulator);
    const [a, b] = (await allV2(hub)).slice(0, 2) as [Ocsf, Ocsf];
    const identifier = (f: Ocsf) => ({
      CloudAccountUid: f.cloud.account.uid,
      FindingInfoUid: f.finding_info.uid,
      MetadataProductUid: f.metadata.product.uid,
    });
    const missing = {
      ...identifier(a),
      FindingInfoUid: 'arn:aws:inspector2:us-east-1:111111111111:finding/gone',
    };
    await emulator.admin('POST', '/_emulator/clock/advance', { seconds: 600, evolve: false });
    const result = await hub.send(
      new BatchUpdateFindingsV2Command({
        FindingIdentifiers: [identifier(a), identifier(b), missing],
        Comment: 'Tracked in JIRA-42',
        StatusId: 2,
        SeverityId: 5,
      }),
    );
    expect(result.ProcessedFindings).toEqual([
      { FindingIdentifier: identifier(a), MetadataUid: a.metadata.uid },
      { FindingIdentifier: identifier(b), MetadataUid: b.metadata.uid },
    ]);
    expect(result.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: missing,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: 'The finding was not found.',
      },
    ]);
    const after = await allV2(hub, {
      Filters: { CompositeFilters: [{ StringFilters: [string('metadata.uid', a.metadata.uid)] }] },
    });
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      comment: 'Tracked in JIRA-42',
      status_id: 2,
      status: 'In Progress',
      severity_id: 5,
      severity: 'Critical',
      time_dt: a.time_dt,
      finding_info: {
        modified_time_dt: a.finding_info.modified_time_dt,
        modified_time: a.finding_info.modified_time,
      },
    });
    // By metadata.uid too; and the CSPM twin is left alone (no documented sync; mirrorTriage off).
    const byUid = await hub.send(
      new BatchUpdateFindingsV2Command({ MetadataUids: [b.metadata.uid, 'f'.repeat(64)], StatusId: 4 }),
    );
    expect(byUid.ProcessedFindings).toEqual([
      { FindingIdentifier: identifier(b), MetadataUid: b.metadata.uid },
    ]);
    expect(byUid.UnprocessedFindings).toMatchObject([
      { MetadataUid: 'f'.repeat(64), ErrorCode: 'ResourceNotFoundException' },
    ]);
    const twin = (await allV1(hub)).find((f) => f.Id === a.finding_info.uid)!;
    expect(twin.Note).toBeUndefined();
  });

  it('refuses what AWS refuses', async () => {
    const hub = await securityHubClient(emulator);
    const [a] = (await allV2(hub)) as [Ocsf];
    const refused = (input: BatchUpdateFindingsV2CommandInput) =>
      failure(hub.send(new BatchUpdateFindingsV2Command(input)));
    expect(await refused({ MetadataUids: [a.metadata.uid] })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Comment, SeverityId and StatusId'),
    });
    expect(
      await refused({
        MetadataUids: [a.metadata.uid],
        FindingIdentifiers: [
          {
            CloudAccountUid: a.cloud.account.uid,
            FindingInfoUid: a.finding_info.uid,
            MetadataProductUid: a.metadata.product.uid,
          },
        ],
        StatusId: 1,
      }),
    ).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('not both') });
    expect(await refused({ MetadataUids: [a.metadata.uid], Comment: 'x'.repeat(513) })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("'comment'"),
    });
    expect(await refused({ MetadataUids: [a.metadata.uid], StatusId: 7 })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("'statusId'"),
    });
    expect(
      await refused({ MetadataUids: Array.from({ length: 101 }, (_, i) => `uid-${i}`), StatusId: 1 }),
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('less than or equal to 100'),
    });
  });

  it('with mirrorTriage, carries triage across the twins both ways', async () => {
    await emulator.admin('PUT', '/_emulator/v2', { mirrorTriage: true });
    const hub = await securityHubClient(emulator);
    const [a, b] = (await allV2(hub)).slice(0, 2) as [Ocsf, Ocsf];
    await hub.send(
      new BatchUpdateFindingsV2Command({
        MetadataUids: [a.metadata.uid],
        StatusId: 3,
        Comment: 'accepted risk',
      }),
    );
    const product = (f: Ocsf) => (f.metadata.product.uid as string).replace(':productv2/', ':product/');
    await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: b.finding_info.uid, ProductArn: product(b) }],
        Workflow: { Status: 'RESOLVED' },
      }),
    );
    const v1 = await allV1(hub);
    expect(v1.find((f) => f.Id === a.finding_info.uid)).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'accepted risk' },
    });
    const v2 = await allV2(hub);
    expect(v2.find((f) => f.metadata.uid === b.metadata.uid)).toMatchObject({
      status_id: 4,
      status: 'Resolved',
    });
  });
});

describe('GetResourcesV2', () => {
  it("counts each resource's open findings per type and product, and filters on them", async () => {
    const hub = await securityHubClient(emulator);
    const findings = (await allV2(hub)).filter((f) => f.activity_name !== 'Close');
    const resources: ResourceResult[] = [];
    for await (const page of paginateGetResourcesV2({ client: hub, pageSize: 25 }, {}))
      resources.push(...(page.Resources ?? []));
    expect(resources.length).toBeGreaterThan(5);
    for (const resource of resources.slice(0, 15)) {
      const touching = findings.filter((f) =>
        f.resources.some((r: Ocsf) => (r.uid_alt ?? r.uid) === resource.ResourceId),
      );
      const total = (resource.FindingsSummary ?? []).reduce((sum, s) => sum + (s.TotalFindings ?? 0), 0);
      expect(total).toBe(touching.length);
      expect(resource).toMatchObject({ AccountId: emulator.accounts[0], Region: 'us-east-1' });
      expect(resource.ResourceDetailCaptureTimeDt).toBeTruthy();
    }
    const instances = await hub.send(
      new GetResourcesV2Command({
        Filters: {
          CompositeFilters: [
            {
              StringFilters: [
                { FieldName: 'ResourceType', Filter: { Value: 'AWS::EC2::Instance', Comparison: 'EQUALS' } },
              ],
              NumberFilters: [{ FieldName: 'FindingsSummary.TotalFindings', Filter: { Gte: 1 } }],
            },
          ],
        },
        MaxResults: 100,
      }),
    );
    expect(instances.Resources!.length).toBeGreaterThan(0);
    expect(
      instances.Resources!.every(
        (r) => r.ResourceType === 'AWS::EC2::Instance' && r.ResourceCategory === 'Compute',
      ),
    ).toBe(true);
  });
});

describe('DescribeSecurityHubV2 and enablement', () => {
  it('answers per Region, as AWS does when the new Security Hub is not enabled', async () => {
    const hub = await securityHubClient(emulator);
    const described = await hub.send(new DescribeSecurityHubV2Command({}));
    expect(described.HubV2Arn).toMatch(/^arn:aws:securityhub:us-east-1:\d{12}:hubv2\/[0-9a-f-]{36}$/);
    expect(described.SubscribedAt).toBeTruthy();
    await emulator.admin('PUT', '/_emulator/hubs', {
      accountId: emulator.accounts[0],
      region: 'us-east-1',
      v2Enabled: false,
    });
    expect(await failure(hub.send(new DescribeSecurityHubV2Command({})))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await failure(hub.send(new GetFindingsV2Command({})))).toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
    });
    // CSPM is unaffected, and the other Region still answers.
    expect((await hub.send(new GetFindingsCommand({ MaxResults: 1 }))).Findings).toHaveLength(1);
    const away = await securityHubClient(emulator, { region: 'eu-west-1' });
    expect((await away.send(new DescribeSecurityHubV2Command({}))).HubV2Arn).toContain(':eu-west-1:');
    await emulator.admin('PUT', '/_emulator/roles/actions', {
      roleArn: emulator.roles[0]!.arn,
      actions: ['securityhub:*'],
    });
    const enabled = await (await securityHubClient(emulator)).send(new EnableSecurityHubV2Command({}));
    expect(enabled.HubV2Arn).toBe(described.HubV2Arn);
    expect((await allV2(hub)).length).toBeGreaterThan(0);
  });
});

describe('quotas, faults, signing and counters', () => {
  it('throttles GetFindingsV2 at 3/s with burst 6 (ThrottlingException 429) and counts it', async () => {
    await emulator.admin('PUT', '/_emulator/quotas', { enabled: true });
    await emulator.admin('DELETE', '/_emulator/counters');
    const hub = await securityHubClient(emulator, { maxAttempts: 1 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => hub.send(new GetFindingsV2Command({ MaxResults: 1 }))),
    );
    const rejected = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(2);
    expect(rejected[0]!.reason).toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    const counters = (await emulator.admin('GET', '/_emulator/counters')) as Record<
      string,
      Record<string, number>
    >;
    expect(counters.GetFindingsV2).toMatchObject({ '200': 6, '429': 2, total: 8 });
  });

  it('injects faults into V2 operations with V2 error names', async () => {
    const hub = await securityHubClient(emulator, { maxAttempts: 1 });
    await emulator.admin('PUT', '/_emulator/faults', { rate: 1, kinds: ['500'] });
    expect(await failure(hub.send(new GetFindingsV2Command({})))).toMatchObject({
      name: 'InternalServerException',
      status: 500,
    });
    await emulator.admin('PUT', '/_emulator/faults', { rate: 1, kinds: ['429'] });
    expect(await failure(hub.send(new GetResourcesV2Command({})))).toMatchObject({
      name: 'ThrottlingException',
      status: 429,
    });
    await emulator.admin('PUT', '/_emulator/faults', { rate: 0, duplicatePages: 1, concurrentUpdates: 1 });
    const first = await hub.send(new GetFindingsV2Command({ MaxResults: 3 }));
    const again = await hub.send(new GetFindingsV2Command({ MaxResults: 3, NextToken: first.NextToken }));
    expect(uids(again.Findings as Ocsf[])).toEqual(uids(first.Findings as Ocsf[]));
    const [a] = first.Findings as Ocsf[];
    const raced = await hub.send(
      new BatchUpdateFindingsV2Command({ MetadataUids: [a!.metadata.uid], StatusId: 2 }),
    );
    expect(raced.UnprocessedFindings).toMatchObject([
      { MetadataUid: a!.metadata.uid, ErrorCode: 'ConflictException' },
    ]);
    const counters = (await emulator.admin('GET', '/_emulator/counters')) as Record<
      string,
      Record<string, number>
    >;
    expect(counters).toMatchObject({
      GetFindingsV2: { '200': 2, '500': 1 },
      GetResourcesV2: { '429': 1 },
      BatchUpdateFindingsV2: { '200': 1 },
    });
  });

  it('refuses a request signed with the wrong secret', async () => {
    const session = await assumeReadRole(emulator);
    const hub = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { ...session, secretAccessKey: `${session.secretAccessKey}x` },
      maxAttempts: 1,
    });
    expect(await failure(hub.send(new GetFindingsV2Command({})))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
  });
});

describe('OCSF twins of the ASFF findings', () => {
  const compiled = compileTransformMap(OCSF_VULNERABILITY_MAP);
  if (!compiled.ok) throw new Error('the built-in OCSF map does not compile');

  it('validate, map, and join their ASFF twin on the identity key', async () => {
    const hub = await securityHubClient(emulator);
    const v2 = await allV2(hub);
    const v1 = new Map((await allV1(hub)).map((f) => [identityKey(asffIdentity(f)), f]));
    expect(v2.length).toBeGreaterThan(50);
    const classes = new Set<number>();
    for (const finding of v2) {
      expect(validateOcsf(finding).ok).toBe(true);
      const mapped = mapOcsfFinding(finding, compiled.map, { defaultSeverity: 'MEDIUM' });
      if (!mapped.ok) throw new Error(mapped.reject.reason);
      classes.add(finding.class_uid);
      const twin = v1.get(mapped.ocsf.identityKey);
      expect(twin, finding.finding_info.uid).toBeDefined();
      expect(mapped.ocsf.identityKey).toBe(identityKey(ocsfIdentity(finding)));
      expect(finding.finding_info.modified_time_dt).toBe(twin!.UpdatedAt);
      expect(finding.metadata.product.uid).toBe(twin!.ProductArn!.replace(':product/', ':productv2/'));
      expect(finding.metadata.uid).toMatch(/^[0-9a-f]{64}$/);
      for (const [index, resource] of (finding.resources as Ocsf[]).entries()) {
        expect(asffResourceType(resource.type)).toBe(twin!.Resources![index]!.Type);
        expect(resource.uid_alt ?? resource.uid).toBe(twin!.Resources![index]!.Id);
      }
      for (const vulnerability of finding.vulnerabilities ?? [])
        if (vulnerability.cve.epss) expect(typeof vulnerability.cve.epss.score).toBe('string');
      if (finding.class_uid === 2003)
        expect(finding.compliance.control).toBe(twin!.Compliance!.SecurityControlId);
    }
    expect(classes).toEqual(new Set([2002, 2003, 2004]));
    // Partner imports and per-standard control findings stay in CSPM only.
    const twinned = new Set(v2.map((f) => identityKey(ocsfIdentity(f))));
    const cspmOnly = [...v1.entries()].filter(([key]) => !twinned.has(key)).map(([, f]) => f);
    expect(cspmOnly.length).toBeGreaterThan(0);
    expect(
      cspmOnly.every(
        (f) =>
          !f.ProductArn!.includes('/aws/') ||
          f.GeneratorId!.includes('/v/') ||
          !f.GeneratorId!.startsWith('security-control/'),
      ),
    ).toBe(true);
  });

  it('keep their twin current when the provider updates it, and keep V2 triage', async () => {
    const triage = await securityHubClient(emulator);
    const before = new Map((await allV2(triage)).map((f) => [f.metadata.uid as string, f]));
    const triaged = [...before.keys()].slice(0, 100);
    await triage.send(new BatchUpdateFindingsV2Command({ MetadataUids: triaged, StatusId: 3 }));
    const { updated } = (await emulator.admin('POST', '/_emulator/clock/advance', {
      seconds: 7 * 86_400,
    })) as {
      updated: number;
    };
    expect(updated).toBeGreaterThan(0);
    // A week on, the first session has expired: a fresh one.
    const hub = await securityHubClient(emulator);
    const after = await allV2(hub);
    const v1 = new Map((await allV1(hub)).map((f) => [f.Id!, f]));
    const moved = after.filter(
      (f) => f.finding_info.modified_time_dt !== before.get(f.metadata.uid)?.finding_info.modified_time_dt,
    );
    expect(moved.length).toBeGreaterThan(0);
    for (const finding of after)
      expect(finding.finding_info.modified_time_dt).toBe(v1.get(finding.finding_info.uid)!.UpdatedAt);
    // The provider's update rebuilt these twins; the status the customer set survived it.
    const triagedAndMoved = moved.filter((f) => triaged.includes(f.metadata.uid));
    expect(triagedAndMoved.length).toBeGreaterThan(0);
    expect(triagedAndMoved.every((f) => f.status_id === 3 && f.status === 'Suppressed')).toBe(true);
  });

  it('exist in V1 only, V2 only or both, as the scene says (migration tests)', async () => {
    const hub = await securityHubClient(emulator);
    const [a, b] = (await allV2(hub)).slice(0, 2) as [Ocsf, Ocsf];
    const inV1 = async (id: string) => (await allV1(hub)).some((f) => f.Id === id);
    const inV2 = async (id: string) => (await allV2(hub)).some((f) => f.finding_info.uid === id);
    await emulator.admin('PUT', '/_emulator/findings/presence', {
      ids: [a.finding_info.uid],
      presence: 'V1',
    });
    await emulator.admin('PUT', '/_emulator/findings/presence', {
      ids: [b.finding_info.uid],
      presence: 'V2',
    });
    expect([await inV1(a.finding_info.uid), await inV2(a.finding_info.uid)]).toEqual([true, false]);
    expect([await inV1(b.finding_info.uid), await inV2(b.finding_info.uid)]).toEqual([false, true]);
    await emulator.admin('PUT', '/_emulator/findings/presence', {
      ids: [a.finding_info.uid, b.finding_info.uid],
      presence: 'BOTH',
    });
    expect([await inV1(a.finding_info.uid), await inV2(a.finding_info.uid)]).toEqual([true, true]);
    expect([await inV1(b.finding_info.uid), await inV2(b.finding_info.uid)]).toEqual([true, true]);
    // A CSPM-only estate that later moves to the new Security Hub.
    const { imported } = (await emulator.admin('POST', '/_emulator/seed', {
      findings: 20,
      seed: 99,
      accountIds: [emulator.accounts[0]],
      regions: ['us-east-1'],
      presence: 'V1',
    })) as { imported: number };
    expect(imported).toBe(20);
    const state = (await emulator.admin('GET', '/_emulator/state')) as {
      hubs: { accountId: string; region: string; findings: number; ocsfFindings: number }[];
    };
    const home = state.hubs.find((h) => h.accountId === emulator.accounts[0] && h.region === 'us-east-1')!;
    expect(home.findings - home.ocsfFindings).toBeGreaterThanOrEqual(20);
  });
});
