import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsCommandInput,
  DescribeHubCommand,
  DisableImportFindingsForProductCommand,
  EnableImportFindingsForProductCommand,
  GetEnabledStandardsCommand,
  GetFindingAggregatorCommand,
  GetFindingHistoryCommand,
  GetFindingsCommand,
  ListEnabledProductsForImportCommand,
  ListFindingAggregatorsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anInspectorEc2Asff } from '../../../src/emulator/generator/index.ts';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.ts';
import { failure } from '../../support/emulator.ts';

// The validation errors and edge cases of the emulated Security Hub operations, through the real
// SDK: what AWS answers when a request is out of bounds, and what it keeps when a request is valid.

let emulator: RunningEmulator;
let hub: SecurityHubClient;
let account: string;

beforeAll(async () => {
  emulator = await startEmulator({
    findings: 40,
    accounts: 1,
    regions: ['us-east-1'],
    quotas: false,
    seed: 23,
  });
  account = emulator.roles[0]!.accountId;
  // A finding provider and analyst of the account: an IAM user allowed every Security Hub action.
  const user = (await emulator.admin('POST', '/_emulator/users', {
    accountId: account,
    name: 'analyst',
    actions: ['securityhub:*'],
  })) as { accessKeyId: string; secretAccessKey: string };
  hub = new SecurityHubClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: user,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await emulator?.close();
});

/** A finding of the account's own, imported for the test that uses it (its own Id). */
async function importedFinding(seed: number, overrides: Partial<AwsSecurityFinding> = {}) {
  const generated = anInspectorEc2Asff({}, seed);
  const finding: AwsSecurityFinding = {
    ...generated,
    AwsAccountId: account,
    Resources: generated.Resources!.map((r) => ({ ...r, Id: r.Id!.replace('111122223333', account) })),
    ...overrides,
  };
  const result = await hub.send(new BatchImportFindingsCommand({ Findings: [finding] }));
  expect(result.FailedFindings).toEqual([]);
  return { Id: finding.Id!, ProductArn: finding.ProductArn! };
}

async function stored(identifier: { Id: string; ProductArn: string }): Promise<AwsSecurityFinding> {
  const { Findings } = await hub.send(
    new GetFindingsCommand({
      Filters: {
        Id: [{ Value: identifier.Id, Comparison: 'EQUALS' }],
        ProductArn: [{ Value: identifier.ProductArn, Comparison: 'EQUALS' }],
      },
    }),
  );
  expect(Findings).toHaveLength(1);
  return Findings![0]!;
}

describe('BatchUpdateFindings validation', () => {
  const someone = [{ Id: 'any', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector' }];
  const refusal = async (input: Omit<BatchUpdateFindingsCommandInput, 'FindingIdentifiers'>) =>
    failure(hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: someone, ...input })));

  it.each([
    ['a note without UpdatedBy', { Note: { Text: 'checked' } as never }, 'Note requires Text and UpdatedBy.'],
    [
      'a note by an over-long UpdatedBy',
      { Note: { Text: 'checked', UpdatedBy: 'u'.repeat(513) } },
      'Note.UpdatedBy must be at most 512 characters.',
    ],
    ['a severity without Label or Normalized', { Severity: {} }, 'Severity requires Label or Normalized.'],
    [
      'an unknown severity label',
      { Severity: { Label: 'SEVERE' as never } },
      'Severity.Label must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL.',
    ],
    [
      'a normalized severity over 100',
      { Severity: { Normalized: 101 } },
      'Severity.Normalized must be an integer from 0 to 100.',
    ],
    [
      'an unknown verification state',
      { VerificationState: 'MAYBE' as never },
      'VerificationState must be one of UNKNOWN, TRUE_POSITIVE, FALSE_POSITIVE, BENIGN_POSITIVE.',
    ],
    ['a negative criticality', { Criticality: -1 }, 'Criticality must be an integer from 0 to 100.'],
    [
      'more than 50 types',
      { Types: Array.from({ length: 51 }, (_, i) => `T/${i}`) },
      'Types must be a list of at most 50 strings.',
    ],
    [
      'more than 50 user-defined fields',
      { UserDefinedFields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      'UserDefinedFields must be at most 50 string key-value pairs.',
    ],
    [
      'more than 10 related findings',
      {
        RelatedFindings: Array.from({ length: 11 }, (_, i) => ({
          Id: `r${i}`,
          ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
        })),
      },
      'RelatedFindings must be a list of at most 10 findings.',
    ],
  ])('refuses %s with InvalidInputException 400', async (_, input, message) => {
    expect(await refusal(input)).toEqual({ name: 'InvalidInputException', status: 400, message });
  });

  it('refuses an empty list of finding identifiers', async () => {
    expect(
      await failure(
        hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [], Workflow: { Status: 'NEW' } })),
      ),
    ).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message:
        "1 validation error detected: Value at 'findingIdentifiers' failed to satisfy constraint: Member must not be null or empty",
    });
  });
});

describe('BatchUpdateFindings per finding', () => {
  it('reports unknown and duplicated identifiers per finding, and updates the rest', async () => {
    const known = await importedFinding(701);
    const unknown = { Id: 'no-such-finding', ProductArn: known.ProductArn };
    const result = await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [known, unknown, known],
        Workflow: { Status: 'SUPPRESSED' },
      }),
    );
    expect(result.ProcessedFindings).toEqual([known]);
    expect(result.UnprocessedFindings).toEqual([
      { FindingIdentifier: unknown, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' },
      {
        FindingIdentifier: known,
        ErrorCode: 'DuplicatedFindingIdentifier',
        ErrorMessage: 'Duplicated finding identifier',
      },
    ]);
    const after = await stored(known);
    expect(after.Workflow).toEqual({ Status: 'SUPPRESSED' });
    // The deprecated WorkflowState follows Workflow.Status.
    expect(after.WorkflowState).toBe('DEFERRED');
  });

  it('fills in the label from a normalized severity, and the normalized value from a label', async () => {
    const byNumber = await importedFinding(702);
    await hub.send(
      new BatchUpdateFindingsCommand({ FindingIdentifiers: [byNumber], Severity: { Normalized: 55 } }),
    );
    expect((await stored(byNumber)).Severity).toMatchObject({ Label: 'MEDIUM', Normalized: 55 });

    const byLabel = await importedFinding(703);
    await hub.send(
      new BatchUpdateFindingsCommand({ FindingIdentifiers: [byLabel], Severity: { Label: 'HIGH' } }),
    );
    expect((await stored(byLabel)).Severity).toMatchObject({ Label: 'HIGH', Normalized: 70 });
  });

  it('stamps a note with the update time, and maps NOTIFIED to the ASSIGNED workflow state', async () => {
    const finding = await importedFinding(704);
    const before = emulator.emulator.clock.now().toISOString();
    await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [finding],
        Note: { Text: 'ticket SEC-42', UpdatedBy: 'analyst' },
        Workflow: { Status: 'NOTIFIED' },
      }),
    );
    const until = emulator.emulator.clock.now().toISOString();
    const after = await stored(finding);
    expect(after.Note).toMatchObject({ Text: 'ticket SEC-42', UpdatedBy: 'analyst' });
    expect(after.Note!.UpdatedAt! >= before && after.Note!.UpdatedAt! <= until).toBe(true);
    expect(after.WorkflowState).toBe('ASSIGNED');
  });
});

describe('BatchImportFindings edge cases', () => {
  it('refuses a call without findings or with an empty list', async () => {
    expect(await failure(hub.send(new BatchImportFindingsCommand({} as never)))).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message:
        "1 validation error detected: Value null at 'findings' failed to satisfy constraint: Member must not be null",
    });
    expect((await failure(hub.send(new BatchImportFindingsCommand({ Findings: [] })))).message).toBe(
      "1 validation error detected: Value at 'findings' failed to satisfy constraint: Member must have length between 1 and 100 (got 0)",
    );
  });

  it('refuses, per finding, a ProductArn of another Region and a finding over 240 KB', async () => {
    const base = anInspectorEc2Asff({}, 711);
    const own = { ...base, AwsAccountId: account };
    const elsewhere = {
      ...own,
      Id: `${own.Id}-eu`,
      ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/inspector',
    };
    const huge = { ...own, Id: `${own.Id}-huge`, Description: 'x'.repeat(250 * 1024) };
    const result = await hub.send(new BatchImportFindingsCommand({ Findings: [elsewhere, huge] }));
    expect(result).toMatchObject({ SuccessCount: 0, FailedCount: 2 });
    expect(result.FailedFindings).toEqual([
      {
        Id: elsewhere.Id,
        ErrorCode: 'InvalidInput',
        ErrorMessage:
          'Invalid ProductArn arn:aws:securityhub:eu-west-1::product/aws/inspector for Region us-east-1',
      },
      {
        Id: huge.Id,
        ErrorCode: 'FindingSizeExceeded',
        ErrorMessage: 'Finding size exceeded the 240 KB limit',
      },
    ]);
  });

  it("names a custom integration's product after the account, and derives a label from a normalized severity", async () => {
    const productArn = `arn:aws:securityhub:us-east-1:${account}:product/${account}/default`;
    const identifier = await importedFinding(712, {
      ProductArn: productArn,
      GeneratorId: 'custom-scanner',
      Severity: { Normalized: 92 },
      FindingProviderFields: undefined,
    });
    expect(identifier.ProductArn).toBe(productArn);
    const finding = await stored(identifier);
    expect(finding).toMatchObject({ ProductName: 'Default', CompanyName: 'Personal' });
    expect(finding.Severity!.Label).toBe('CRITICAL');
    expect(finding.ProductFields!['aws/securityhub/FindingId']).toBe(`${productArn}/${identifier.Id}`);
  });

  it('fails, per finding with InvalidAccess, the default product of another account or one whose integration is disabled', async () => {
    const productArn = `arn:aws:securityhub:us-east-1:${account}:product/${account}/default`;
    const subscription = `arn:aws:securityhub:us-east-1:${account}:product-subscription/${account}/default`;
    expect((await hub.send(new ListEnabledProductsForImportCommand({}))).ProductSubscriptions).toEqual([
      subscription,
    ]);
    const base = { ...anInspectorEc2Asff({}, 714), AwsAccountId: account, GeneratorId: 'custom-scanner' };
    const foreign = {
      ...base,
      Id: `${base.Id}-foreign`,
      ProductArn: 'arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default',
    };
    const own = { ...base, Id: `${base.Id}-own`, ProductArn: productArn };
    await hub.send(new DisableImportFindingsForProductCommand({ ProductSubscriptionArn: subscription }));
    expect((await hub.send(new ListEnabledProductsForImportCommand({}))).ProductSubscriptions).toEqual([]);
    const refused = await hub.send(new BatchImportFindingsCommand({ Findings: [foreign, own] }));
    expect(refused).toMatchObject({ SuccessCount: 0, FailedCount: 2 });
    expect(refused.FailedFindings!.map((entry) => [entry.Id, entry.ErrorCode])).toEqual([
      [foreign.Id, 'InvalidAccess'],
      [own.Id, 'InvalidAccess'],
    ]);
    expect(
      (await hub.send(new EnableImportFindingsForProductCommand({ ProductArn: productArn })))
        .ProductSubscriptionArn,
    ).toBe(subscription);
    expect(
      await failure(hub.send(new EnableImportFindingsForProductCommand({ ProductArn: productArn }))),
    ).toMatchObject({
      name: 'ResourceConflictException',
      status: 409,
    });
    const taken = await hub.send(new BatchImportFindingsCommand({ Findings: [own] }));
    expect(taken).toMatchObject({ SuccessCount: 1, FailedCount: 0 });
  });

  it('takes Severity from FindingProviderFields over the top-level field on import', async () => {
    const identifier = await importedFinding(713, {
      Severity: { Label: 'LOW', Original: 'LOW' },
      FindingProviderFields: { Severity: { Label: 'HIGH', Original: 'HIGH' } },
    });
    // FindingProviderFields' severity has no Normalized: the label's is filled in (HIGH → 70).
    expect((await stored(identifier)).Severity).toEqual({ Label: 'HIGH', Original: 'HIGH', Normalized: 70 });
  });

  it("fills in a label's Normalized on import, as AWS does (0 / 1 / 40 / 70 / 90)", async () => {
    const labels = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
    const normalized: number[] = [];
    for (const [index, Label] of labels.entries()) {
      const identifier = await importedFinding(780 + index, {
        Severity: { Label },
        FindingProviderFields: undefined,
      });
      normalized.push((await stored(identifier)).Severity!.Normalized!);
    }
    expect(normalized).toEqual([0, 1, 40, 70, 90]);
  });
});

describe('hub, standards, aggregators and history', () => {
  it("refuses a HubArn that is not the caller's hub", async () => {
    const other = 'arn:aws:securityhub:us-east-1:999999999999:hub/default';
    expect(await failure(hub.send(new DescribeHubCommand({ HubArn: other })))).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: `Invalid HubArn ${other}`,
    });
    const own = `arn:aws:securityhub:us-east-1:${account}:hub/default`;
    expect((await hub.send(new DescribeHubCommand({ HubArn: own }))).HubArn).toBe(own);
  });

  it('pages enabled standards, filters them by subscription ARN, and bounds the ARN list', async () => {
    const all = (await hub.send(new GetEnabledStandardsCommand({}))).StandardsSubscriptions!;
    expect(all.length).toBeGreaterThan(1);
    const first = await hub.send(new GetEnabledStandardsCommand({ MaxResults: 1 }));
    expect(first.StandardsSubscriptions).toEqual([all[0]]);
    const second = await hub.send(
      new GetEnabledStandardsCommand({ MaxResults: 1, NextToken: first.NextToken }),
    );
    expect(second.StandardsSubscriptions).toEqual([all[1]]);

    const wanted = all[1]!.StandardsSubscriptionArn!;
    const chosen = await hub.send(new GetEnabledStandardsCommand({ StandardsSubscriptionArns: [wanted] }));
    expect(chosen.StandardsSubscriptions).toEqual([all[1]]);

    const tooMany = Array.from({ length: 26 }, (_, i) => `${wanted}-${i}`);
    expect(
      await failure(hub.send(new GetEnabledStandardsCommand({ StandardsSubscriptionArns: tooMany }))),
    ).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'StandardsSubscriptionArns must list 1 to 25 ARNs.',
    });
    expect(
      await failure(
        hub.send(new GetEnabledStandardsCommand({ NextToken: Buffer.from('999').toString('base64') })),
      ),
    ).toEqual({ name: 'InvalidInputException', status: 400, message: 'Invalid NextToken' });
  });

  it('bounds MaxResults of ListFindingAggregators and answers an unknown aggregator with 404', async () => {
    expect(await failure(hub.send(new ListFindingAggregatorsCommand({ MaxResults: 0 })))).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message:
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    const arn = `arn:aws:securityhub:us-east-1:${account}:finding-aggregator/00000000-0000-0000-0000-000000000000`;
    expect(await failure(hub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn })))).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `Finding aggregator ${arn} not found.`,
    });
  });

  it('keeps the history of a finding newest first, within the asked time range', async () => {
    const identifier = await importedFinding(721);
    await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [identifier],
        VerificationState: 'TRUE_POSITIVE',
      }),
    );
    const { Records } = await hub.send(new GetFindingHistoryCommand({ FindingIdentifier: identifier }));
    expect(Records!.map((r) => [r.UpdateSource!.Type, r.FindingCreated])).toEqual([
      ['BATCH_UPDATE_FINDINGS', false],
      ['BATCH_IMPORT_FINDINGS', true],
    ]);
    expect(Records![0]!.UpdateSource!.Identity).toBe(`arn:aws:iam::${account}:user/analyst`);
    expect(Records![0]!.Updates).toEqual([
      { UpdatedField: 'VerificationState', OldValue: expect.any(String), NewValue: '"TRUE_POSITIVE"' },
    ]);

    const now = emulator.emulator.clock.now();
    const past = await hub.send(
      new GetFindingHistoryCommand({
        FindingIdentifier: identifier,
        StartTime: new Date(now.getTime() - 86_400_000 * 2),
        EndTime: new Date(now.getTime() - 86_400_000),
      }),
    );
    expect(past.Records).toEqual([]);
  });

  it('refuses a history request without an identifier or with an inverted time range', async () => {
    expect(await failure(hub.send(new GetFindingHistoryCommand({} as never)))).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'FindingIdentifier with Id and ProductArn is required.',
    });
    const now = emulator.emulator.clock.now().getTime();
    expect(
      await failure(
        hub.send(
          new GetFindingHistoryCommand({
            FindingIdentifier: {
              Id: 'x',
              ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
            },
            StartTime: new Date(now),
            EndTime: new Date(now - 1000),
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'StartTime must not be after EndTime.',
    });
  });

  it("refuses a NextToken that decodes to JSON but is not one of GetFindings' tokens", async () => {
    const forged = Buffer.from(JSON.stringify({ s: 1, o: 'x' })).toString('base64');
    expect(await failure(hub.send(new GetFindingsCommand({ NextToken: forged })))).toEqual({
      name: 'InvalidInputException',
      status: 400,
      message: 'Invalid NextToken',
    });
  });
});
