import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  DescribeHubCommand,
  GetEnabledStandardsCommand,
  GetFindingHistoryCommand,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  ListFindingAggregatorsCommand,
  paginateGetFindings,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  aControlAsff,
  aGuardDutyAsff,
  anInspectorEc2Asff,
  anInspectorEcrAsff,
  aPartnerAsff,
  CVES,
} from '../../../src/emulator/generator/index.ts';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { failure, securityHubClient } from '../../support/emulator.ts';

let emulator: RunningEmulator;
let hub: SecurityHubClient;
const ACCOUNT = '111111111111';

beforeAll(async () => {
  emulator = await startEmulator({
    findings: 600,
    accounts: 2,
    regions: ['us-east-1', 'eu-west-1'],
    quotas: false,
    seed: 5,
  });
  // Twelve hours: some tests move the emulator clock forward by hours.
  hub = await securityHubClient(emulator, { durationSeconds: 43_200 });
});

afterAll(async () => {
  await emulator?.close();
});

async function allFindings(input: GetFindingsCommandInput, client = hub): Promise<AwsSecurityFinding[]> {
  const found: AwsSecurityFinding[] = [];
  for await (const page of paginateGetFindings({ client, pageSize: 100 }, input))
    found.push(...(page.Findings ?? []));
  return found;
}

describe('GetFindings over the wire', () => {
  it("returns only the caller account's findings in the signed region", async () => {
    const findings = await allFindings({});
    expect(findings.length).toBeGreaterThan(50);
    expect(new Set(findings.map((finding) => finding.AwsAccountId))).toEqual(new Set([ACCOUNT]));
    expect(new Set(findings.map((finding) => finding.Region))).toEqual(new Set(['us-east-1']));
  });

  it('pages through every finding exactly once, even while findings change between pages', async () => {
    const expected = await allFindings({ SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'asc' }] });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await hub.send(
        new GetFindingsCommand({
          MaxResults: 37,
          NextToken: token,
          SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'asc' }],
        }),
      );
      seen.push(...page.Findings!.map((finding) => finding.Id!));
      token = page.NextToken;
      pages += 1;
      // Time moves on: providers update, archive and add findings while we page.
      if (pages === 2) await emulator.admin('POST', '/_emulator/clock/advance', { seconds: 6 * 3600 });
    } while (token);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(expected.map((finding) => finding.Id!).sort());
  });

  it("rejects what AWS rejects, with AWS's errors", async () => {
    expect(await failure(hub.send(new GetFindingsCommand({ MaxResults: 101 })))).toMatchObject({
      name: 'InvalidInputException',
      status: 400,
      message: expect.stringMatching(/less than or equal to 100/),
    });
    expect(await failure(hub.send(new GetFindingsCommand({ MaxResults: 0 })))).toMatchObject({
      name: 'InvalidInputException',
      status: 400,
    });
    expect(
      await failure(
        hub.send(
          new GetFindingsCommand({
            Filters: {
              Title: [
                { Value: 'a', Comparison: 'CONTAINS' },
                { Value: 'b', Comparison: 'EQUALS' },
              ],
            },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(
      await failure(
        hub.send(new GetFindingsCommand({ Filters: { UpdatedAt: [{ Start: '2026-01-01T00:00:00Z' }] } })),
      ),
    ).toMatchObject({ name: 'InvalidInputException', message: expect.stringMatching(/Start and End/) });
  });

  it('binds a NextToken to its query: reusing it with another query fails', async () => {
    const first = await hub.send(
      new GetFindingsCommand({
        MaxResults: 10,
        Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
      }),
    );
    expect(first.NextToken).toBeDefined();
    const changed = await failure(
      hub.send(
        new GetFindingsCommand({
          MaxResults: 10,
          NextToken: first.NextToken,
          Filters: { RecordState: [{ Value: 'ARCHIVED', Comparison: 'EQUALS' }] },
        }),
      ),
    );
    expect(changed).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'Invalid NextToken: Input Query has changed',
    });
    const garbage = await failure(hub.send(new GetFindingsCommand({ NextToken: 'not-a-token' })));
    expect(garbage).toMatchObject({
      name: 'InvalidInputException',
      message: expect.stringMatching(/Invalid NextToken/),
    });
  });
});

describe('GetFindings filters over the wire, on a hub of known findings', () => {
  // An emulator of its own, holding exactly the findings below, so every filter has findings it must
  // return and findings it must leave out (the shared hub's generated data cannot promise either).
  let own: RunningEmulator;
  let reader: SecurityHubClient;
  const NOW = '2026-11-01T00:00:00.000Z';

  /** A finding of the emulator's own account with exactly this severity and these resource tags. */
  const curated = (
    finding: AwsSecurityFinding,
    Label: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL',
    Normalized: number,
    changes: Partial<AwsSecurityFinding> & { tags?: Record<string, string> } = {},
  ): AwsSecurityFinding => {
    const { tags = { team: 'payments' }, ...rest } = changes;
    const moved = JSON.parse(
      JSON.stringify(finding).replaceAll('111122223333', own.accounts[0]!),
    ) as AwsSecurityFinding;
    // Tags set here only: the generator's random ones would decide what a tag filter returns.
    moved.Resources![0]!.Tags = tags;
    // Severity at the top level only: the emulator's import would take FindingProviderFields.Severity.
    delete moved.FindingProviderFields;
    return { ...moved, Severity: { Label, Normalized }, UpdatedAt: '2026-10-20T09:00:00.000Z', ...rest };
  };
  let data: Record<string, AwsSecurityFinding>;

  beforeAll(async () => {
    own = await startEmulator({
      findings: 0,
      accounts: 1,
      regions: ['us-east-1'],
      quotas: false,
      now: new Date(NOW),
    });
    reader = await securityHubClient(own);
    const user = (await own.admin('POST', '/_emulator/users', {
      accountId: own.accounts[0],
      name: 'scanner',
      actions: ['securityhub:*'],
    })) as { accessKeyId: string; secretAccessKey: string };
    const provider = new SecurityHubClient({
      region: 'us-east-1',
      endpoint: own.endpoint,
      credentials: user,
    });
    const log4j = CVES[0]!; // ExploitAvailable YES
    const curl = CVES[5]!; // ExploitAvailable NO
    const tags5 = { tags: { Criticality: '5' } };
    data = {
      criticalTagged5Exploit: curated(anInspectorEc2Asff({}, 401, log4j), 'CRITICAL', 95, tags5),
      lowTagged5Exploit: curated(anInspectorEc2Asff({}, 402, log4j), 'LOW', 20, tags5),
      highTagged3Exploit: curated(anInspectorEc2Asff({}, 403, log4j), 'HIGH', 75, {
        tags: { Criticality: '3' },
      }),
      highTagged5NoExploit: curated(anInspectorEc2Asff({}, 404, curl), 'HIGH', 70, tags5),
      criticalImageTagged5Exploit: curated(anInspectorEcrAsff({}, 405, log4j), 'CRITICAL', 90, tags5),
      controlTagged5: curated(aControlAsff({}, 406), 'HIGH', 70, tags5),
      guardDuty: curated(aGuardDutyAsff({}, 407), 'MEDIUM', 40),
      archivedControl: curated(aControlAsff({}, 408), 'MEDIUM', 40, { RecordState: 'ARCHIVED' }),
      partnerLongAgo: curated(aPartnerAsff({}, 409), 'LOW', 10, { UpdatedAt: '2025-06-01T00:00:00.000Z' }),
      partner: curated(aPartnerAsff({}, 410), 'LOW', 10),
    };
    const imported = await provider.send(new BatchImportFindingsCommand({ Findings: Object.values(data) }));
    expect(imported).toMatchObject({ SuccessCount: 10, FailedCount: 0 });
  });

  afterAll(async () => {
    await own?.close();
  });

  /** The names (keys of `data`) of the findings a filter returns, sorted. */
  async function matching(Filters: GetFindingsCommandInput['Filters']): Promise<string[]> {
    const found = await allFindings({ Filters }, reader);
    const byId = new Map(Object.entries(data).map(([name, finding]) => [finding.Id!, name]));
    return found.map((finding) => byId.get(finding.Id!) ?? `unexpected ${finding.Id}`).sort();
  }

  it('holds the findings as imported', async () => {
    expect(await matching(undefined)).toEqual(Object.keys(data).sort());
  });

  it('filters with positive and negative comparisons, combined across attributes', async () => {
    expect(await matching({ SeverityLabel: [{ Value: 'CRITICAL', Comparison: 'EQUALS' }] })).toEqual([
      'criticalImageTagged5Exploit',
      'criticalTagged5Exploit',
    ]);
    expect(
      await matching({
        ProductName: [
          { Value: 'Inspector', Comparison: 'NOT_EQUALS' },
          { Value: 'Guard', Comparison: 'PREFIX_NOT_EQUALS' },
        ],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        UpdatedAt: [{ DateRange: { Value: 365, Unit: 'DAYS' } }],
      }),
    ).toEqual(['controlTagged5', 'partner']);
  });

  it('filters on a resource tag and a resource type prefix together', async () => {
    expect(
      await matching({
        ResourceTags: [{ Key: 'Criticality', Value: '5', Comparison: 'EQUALS' }],
        ResourceType: [{ Value: 'AwsEc2', Comparison: 'PREFIX' }],
      }),
    ).toEqual(['controlTagged5', 'criticalTagged5Exploit', 'highTagged5NoExploit', 'lowTagged5Exploit']);
  });

  it('filters on exploit availability together with a severity bound', async () => {
    expect(
      await matching({
        VulnerabilitiesExploitAvailable: [{ Value: 'YES', Comparison: 'EQUALS' }],
        SeverityNormalized: [{ Gte: 40 }],
      }),
    ).toEqual(['criticalImageTagged5Exploit', 'criticalTagged5Exploit', 'highTagged3Exploit']);
  });
  it('sorts by the requested criteria', async () => {
    // The shared hub's findings carry no Severity.Normalized (see `curated`), so it is sorted here.
    const page = await reader.send(
      new GetFindingsCommand({
        MaxResults: 100,
        SortCriteria: [{ Field: 'SeverityNormalized', SortOrder: 'desc' }],
      }),
    );
    expect(page.Findings!.map((finding) => finding.Severity?.Normalized)).toEqual([
      95, 90, 75, 70, 70, 40, 40, 20, 10, 10,
    ]);
  });
});

describe('the hub and its settings', () => {
  // Each test changes the hub itself (an aggregator, a disabled Region, a role's permissions): on a
  // shared emulator that would change what the other tests read, in whatever order they run.
  let emulator: RunningEmulator;
  let hub: SecurityHubClient;
  beforeEach(async () => {
    emulator = await startEmulator({
      findings: 20,
      accounts: 2,
      regions: ['us-east-1', 'eu-west-1'],
      quotas: false,
      seed: 5,
    });
    hub = await securityHubClient(emulator);
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('describes the hub, lists enabled standards and finding aggregators', async () => {
    const described = await hub.send(new DescribeHubCommand({}));
    expect(described).toMatchObject({
      HubArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:hub/default`,
      AutoEnableControls: true,
    });
    const standards = await hub.send(new GetEnabledStandardsCommand({}));
    expect(standards.StandardsSubscriptions!.map((s) => s.StandardsArn)).toContain(
      'arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0',
    );
    expect((await hub.send(new ListFindingAggregatorsCommand({}))).FindingAggregators).toEqual([]);
    const { arn } = (await emulator.admin('POST', '/_emulator/aggregators', {
      accountId: ACCOUNT,
      region: 'us-east-1',
    })) as { arn: string };
    expect((await hub.send(new ListFindingAggregatorsCommand({}))).FindingAggregators).toEqual([
      { FindingAggregatorArn: arn },
    ]);
  });

  it('answers InvalidAccessException 401 in a region where Security Hub is not enabled', async () => {
    const elsewhere = await securityHubClient(emulator, { region: 'ap-southeast-2' });
    expect(await failure(elsewhere.send(new GetFindingsCommand({})))).toEqual({
      name: 'InvalidAccessException',
      status: 401,
      message: `Account ${ACCOUNT} is not subscribed to AWS Security Hub`,
    });
    await emulator.admin('PUT', '/_emulator/hubs', {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      enabled: false,
    });
    const europe = await securityHubClient(emulator, { region: 'eu-west-1' });
    expect((await failure(europe.send(new DescribeHubCommand({})))).name).toBe('InvalidAccessException');
    await emulator.admin('PUT', '/_emulator/hubs', {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      enabled: true,
    });
    expect((await europe.send(new DescribeHubCommand({}))).HubArn).toContain('eu-west-1');
  });

  it('refuses an action the role does not allow with AccessDeniedException 403', async () => {
    const role = emulator.roles[1]!;
    await emulator.admin('PUT', '/_emulator/roles/actions', {
      roleArn: role.arn,
      actions: ['securityhub:DescribeHub'],
    });
    const limited = await securityHubClient(emulator, { index: 1 });
    const denied = await failure(limited.send(new GetFindingsCommand({})));
    expect(denied).toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
      message: expect.stringContaining('is not authorized to perform: securityhub:GetFindings'),
    });
    expect(denied.message).toContain(`assumed-role/HubgraphSecurityHubReadOnly/hubgraph-test`);
  });
});

describe('BatchUpdateFindings', () => {
  it('updates what it can, reports the rest per finding, and never moves UpdatedAt', async () => {
    const [target] = (
      await hub.send(
        new GetFindingsCommand({
          MaxResults: 1,
          Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
        }),
      )
    ).Findings!;
    const identifier = { Id: target!.Id!, ProductArn: target!.ProductArn! };
    const result = await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [identifier, identifier, { Id: 'missing', ProductArn: target!.ProductArn! }],
        Workflow: { Status: 'NOTIFIED' },
        Note: { Text: 'Ticket SEC-42', UpdatedBy: 'hubgraph' },
      }),
    );
    expect(result.ProcessedFindings).toEqual([identifier]);
    expect(result.UnprocessedFindings!.map((entry) => entry.ErrorCode)).toEqual([
      'DuplicatedFindingIdentifier',
      'FindingNotFound',
    ]);
    const [after] = (
      await hub.send(
        new GetFindingsCommand({ Filters: { Id: [{ Value: target!.Id!, Comparison: 'EQUALS' }] } }),
      )
    ).Findings!;
    expect(after).toMatchObject({
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'Ticket SEC-42', UpdatedBy: 'hubgraph' },
      UpdatedAt: target!.UpdatedAt,
    });
    const history = await hub.send(new GetFindingHistoryCommand({ FindingIdentifier: identifier }));
    expect(history.Records![0]).toMatchObject({
      UpdateSource: { Type: 'BATCH_UPDATE_FINDINGS' },
      FindingCreated: false,
    });
    expect(history.Records![0]!.Updates!.map((update) => update.UpdatedField)).toEqual(
      expect.arrayContaining(['Note', 'Workflow']),
    );
    expect(history.Records!.at(-1)).toMatchObject({
      FindingCreated: true,
      UpdateSource: { Type: 'BATCH_IMPORT_FINDINGS' },
    });
  });

  it('validates the request as AWS does', async () => {
    const identifiers = Array.from({ length: 101 }, (_, i) => ({
      Id: `f-${i}`,
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
    }));
    expect(
      await failure(
        hub.send(
          new BatchUpdateFindingsCommand({ FindingIdentifiers: identifiers, Workflow: { Status: 'NEW' } }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidInputException', status: 400 });
    const one = identifiers.slice(0, 1);
    expect(
      await failure(hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: one }))),
    ).toMatchObject({ name: 'InvalidInputException', message: expect.stringMatching(/At least one of/) });
    expect(
      (
        await failure(
          hub.send(
            new BatchUpdateFindingsCommand({
              FindingIdentifiers: one,
              Workflow: { Status: 'DONE' as never },
            }),
          ),
        )
      ).message,
    ).toMatch(/Workflow.Status/);
    expect(
      (
        await failure(
          hub.send(
            new BatchUpdateFindingsCommand({
              FindingIdentifiers: one,
              Note: { Text: 'x'.repeat(513), UpdatedBy: 'me' },
            }),
          ),
        )
      ).message,
    ).toMatch(/512/);
    expect(
      (await failure(hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: one, Confidence: 101 }))))
        .message,
    ).toMatch(/Confidence/);
  });
});

describe('BatchImportFindings', () => {
  // A finding provider of the account: an IAM user allowed to import.
  let provider: SecurityHubClient;
  beforeAll(async () => {
    const user = (await emulator.admin('POST', '/_emulator/users', {
      accountId: ACCOUNT,
      name: 'scanner',
      actions: ['securityhub:*'],
    })) as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    provider = new SecurityHubClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: user });
  });
  const own = (finding: AwsSecurityFinding): AwsSecurityFinding => ({
    ...finding,
    AwsAccountId: ACCOUNT,
    Resources: finding.Resources!.map((resource) => ({
      ...resource,
      Id: resource.Id!.replace('111122223333', ACCOUNT),
    })),
  });

  it('validates each finding and reports failures per finding', async () => {
    const good = own(anInspectorEc2Asff({}, 301));
    const bad = { ...own(anInspectorEc2Asff({}, 302)), Title: 'x'.repeat(300) };
    const missing = { ...own(anInspectorEc2Asff({}, 303)), Resources: undefined } as never;
    const result = await provider.send(new BatchImportFindingsCommand({ Findings: [good, bad, missing] }));
    expect(result).toMatchObject({ SuccessCount: 1, FailedCount: 2 });
    expect(result.FailedFindings!.map((failed) => failed.ErrorCode)).toEqual([
      'InvalidInput',
      'InvalidInput',
    ]);
    expect(result.FailedFindings![0]!.ErrorMessage).toMatch(/Title/);
    expect(
      await failure(
        provider.send(new BatchImportFindingsCommand({ Findings: Array.from({ length: 101 }, () => good) })),
      ),
    ).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(
      await failure(
        provider.send(
          new BatchImportFindingsCommand({ Findings: [{ ...good, AwsAccountId: '222222222222' }] }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDeniedException', status: 403 });
  });

  it('replaces a finding only with a later UpdatedAt and keeps what customers set', async () => {
    const original = own(anInspectorEc2Asff({ UpdatedAt: '2026-10-01T00:00:00.000Z' }, 311));
    await provider.send(new BatchImportFindingsCommand({ Findings: [original] }));
    const identifier = { Id: original.Id!, ProductArn: original.ProductArn! };
    await provider.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [identifier],
        Workflow: { Status: 'SUPPRESSED' },
        Severity: { Label: 'LOW' },
      }),
    );
    const read = async () =>
      (
        await provider.send(
          new GetFindingsCommand({ Filters: { Id: [{ Value: original.Id!, Comparison: 'EQUALS' }] } }),
        )
      ).Findings![0]!;
    await provider.send(
      new BatchImportFindingsCommand({
        Findings: [{ ...original, Title: 'older', UpdatedAt: '2026-09-01T00:00:00.000Z' }],
      }),
    );
    expect((await read()).Title).toBe(original.Title);
    await provider.send(
      new BatchImportFindingsCommand({
        Findings: [
          { ...original, Title: 'newer', UpdatedAt: '2026-10-05T00:00:00.000Z', RecordState: 'ARCHIVED' },
        ],
      }),
    );
    await provider.send(
      new BatchImportFindingsCommand({
        Findings: [
          { ...original, Title: 'back', UpdatedAt: '2026-10-06T00:00:00.000Z', RecordState: 'ACTIVE' },
        ],
      }),
    );
    const after = await read();
    // SUPPRESSED is never reset; a customer's severity outlives the provider's.
    expect(after).toMatchObject({
      Title: 'back',
      Workflow: { Status: 'SUPPRESSED' },
      Severity: { Label: 'LOW' },
      Region: 'us-east-1',
      ProductName: 'Inspector',
    });
  });

  it('resets NOTIFIED or RESOLVED to NEW when a record is re-activated or a control fails again', async () => {
    const control = own(aControlAsff({ UpdatedAt: '2026-10-01T00:00:00.000Z' }, 321, { status: 'PASSED' }));
    await provider.send(new BatchImportFindingsCommand({ Findings: [control] }));
    const read = async () =>
      (
        await provider.send(
          new GetFindingsCommand({ Filters: { Id: [{ Value: control.Id!, Comparison: 'EQUALS' }] } }),
        )
      ).Findings![0]!;
    expect((await read()).Workflow!.Status).toBe('RESOLVED');
    await provider.send(
      new BatchImportFindingsCommand({
        Findings: [
          {
            ...control,
            UpdatedAt: '2026-10-02T00:00:00.000Z',
            Compliance: { ...control.Compliance, Status: 'FAILED' },
          },
        ],
      }),
    );
    expect((await read()).Workflow!.Status).toBe('NEW');
    const inspector = own(anInspectorEc2Asff({ UpdatedAt: '2026-10-01T00:00:00.000Z' }, 322));
    await provider.send(new BatchImportFindingsCommand({ Findings: [inspector] }));
    await provider.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: inspector.Id!, ProductArn: inspector.ProductArn! }],
        Workflow: { Status: 'NOTIFIED' },
      }),
    );
    await provider.send(
      new BatchImportFindingsCommand({
        Findings: [{ ...inspector, UpdatedAt: '2026-10-02T00:00:00.000Z', RecordState: 'ARCHIVED' }],
      }),
    );
    await provider.send(
      new BatchImportFindingsCommand({
        Findings: [{ ...inspector, UpdatedAt: '2026-10-03T00:00:00.000Z', RecordState: 'ACTIVE' }],
      }),
    );
    const reactivated = (
      await provider.send(
        new GetFindingsCommand({ Filters: { Id: [{ Value: inspector.Id!, Comparison: 'EQUALS' }] } }),
      )
    ).Findings![0]!;
    expect(reactivated.Workflow!.Status).toBe('NEW');
  });
});
