import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  GetFindingAggregatorCommand,
  GetFindingHistoryCommand,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  ListFindingAggregatorsCommand,
  paginateGetFindings,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMINISTRATOR_ACCOUNT_ID,
  type EmulatorRole,
  READ_ROLE_ACTIONS,
  type RunningEmulator,
  startEmulator,
} from '../../../src/emulator/index.ts';
import { findingKey, type RegionLinkingMode } from '../../../src/emulator/securityhub/store.ts';
import { failure, stsClient } from '../../support/emulator.ts';

// Cross-Region aggregation and the administrator/member model, driven by the real SDK: what a sync
// engine sees when it reads an aggregation Region or an administrator account. Each test has a
// fresh emulator: the aggregators, memberships, permissions and findings it changes are its own.

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const HOME = 'us-east-1';
let emulator: RunningEmulator;
let member: EmulatorRole;
let otherMember: EmulatorRole;
let administrator: EmulatorRole;

beforeEach(async () => {
  emulator = await startEmulator({
    findings: 360,
    accounts: 2,
    regions: REGIONS,
    quotas: false,
    seed: 17,
    administrator: true,
  });
  [member, otherMember] = emulator.roles as [EmulatorRole, EmulatorRole];
  administrator = emulator.administrator!;
  await emulator.admin('POST', '/_emulator/seed', {
    findings: 90,
    seed: 18,
    accountIds: [ADMINISTRATOR_ACCOUNT_ID],
  });
});

afterEach(async () => {
  await emulator?.close();
});

/** A Security Hub client for a role's session (the support helper only knows emulator.roles). */
async function clientFor(role: EmulatorRole, region = HOME, maxAttempts = 3): Promise<SecurityHubClient> {
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
    maxAttempts,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  });
}

async function aggregate(accountId: string, regionLinkingMode: RegionLinkingMode, regions?: string[]) {
  return (await emulator.admin('POST', '/_emulator/aggregators', {
    accountId,
    region: HOME,
    regionLinkingMode,
    regions,
  })) as { arn: string };
}

/** The findings stored in these accounts' hubs in these Regions, straight from the emulator. */
function stored(accountIds: string[], regions: string[]): AwsSecurityFinding[] {
  return accountIds.flatMap((accountId) =>
    regions.flatMap((region) => [...emulator.emulator.store.hub(accountId, region).findings.values()]),
  );
}

async function everyFinding(client: SecurityHubClient, input: GetFindingsCommandInput = {}) {
  const found: AwsSecurityFinding[] = [];
  for await (const page of paginateGetFindings({ client, pageSize: 100 }, input))
    found.push(...(page.Findings ?? []));
  return found;
}

/** Pages by hand with a small page size, as a sync engine does. */
async function pagedInSevens(client: SecurityHubClient): Promise<AwsSecurityFinding[]> {
  const found: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetFindingsCommand({ MaxResults: 7, NextToken: token }));
    expect(page.Findings!.length).toBeLessThanOrEqual(7);
    found.push(...page.Findings!);
    token = page.NextToken;
  } while (token);
  return found;
}

const ids = (findings: AwsSecurityFinding[]) => findings.map((finding) => finding.Id!).sort();
const regionsOf = (findings: AwsSecurityFinding[]) => new Set(findings.map((finding) => finding.Region));
const accountsOf = (findings: AwsSecurityFinding[]) =>
  new Set(findings.map((finding) => finding.AwsAccountId));

/** The admin API's status and body for a request, as another process would see them. */
async function adminCall(method: string, path: string, body: unknown) {
  const response = await fetch(`${emulator.endpoint}${path}`, { method, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GetFindingAggregator', () => {
  const modes: [RegionLinkingMode, string[]][] = [
    ['ALL_REGIONS', []],
    ['ALL_REGIONS_EXCEPT_SPECIFIED', ['ap-southeast-2']],
    ['SPECIFIED_REGIONS', ['eu-west-1', 'ap-southeast-2']],
    ['NO_REGIONS', []],
  ];

  it.each(modes)('returns the aggregator with RegionLinkingMode %s', async (mode, regions) => {
    const { arn } = await aggregate(member.accountId, mode, regions);
    const hub = await clientFor(member, 'eu-west-1');
    const listed = await hub.send(new ListFindingAggregatorsCommand({}));
    expect(listed.FindingAggregators).toEqual([{ FindingAggregatorArn: arn }]);
    // The ARN holds a slash: the SDK sends it in a greedy path label, percent-encoded per segment.
    const got = await hub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn }));
    expect(got).toMatchObject({
      FindingAggregatorArn: arn,
      FindingAggregationRegion: HOME,
      RegionLinkingMode: mode,
      Regions: regions,
    });
  });

  it('answers ResourceNotFoundException 404 for an ARN that is not the account aggregator', async () => {
    const hub = await clientFor(member);
    const unknown = `arn:aws:securityhub:${HOME}:${member.accountId}:finding-aggregator/00000000-0000-0000-0000-000000000000`;
    expect(
      await failure(hub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: unknown }))),
    ).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `Finding aggregator ${unknown} not found.`,
    });
    const { arn } = await aggregate(otherMember.accountId, 'ALL_REGIONS');
    expect(
      (await failure(hub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn })))).name,
    ).toBe('ResourceNotFoundException');
  });

  it('refuses a role without securityhub:GetFindingAggregator with AccessDeniedException 403', async () => {
    const { arn } = await aggregate(member.accountId, 'ALL_REGIONS');
    await emulator.admin('PUT', '/_emulator/roles/actions', {
      roleArn: member.arn,
      actions: READ_ROLE_ACTIONS.filter((action) => action !== 'securityhub:GetFindingAggregator'),
    });
    const hub = await clientFor(member);
    expect(
      await failure(hub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn }))),
    ).toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
      message: expect.stringContaining('is not authorized to perform: securityhub:GetFindingAggregator'),
    });
  });

  it('allows one aggregator per account and a Regions list only with the modes that use one', async () => {
    const first = await aggregate(member.accountId, 'ALL_REGIONS');
    const second = await adminCall('POST', '/_emulator/aggregators', {
      accountId: member.accountId,
      region: 'eu-west-1',
    });
    expect(second).toEqual({
      status: 409,
      body: { error: `account ${member.accountId} already has a finding aggregator: ${first.arn}` },
    });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ regionLinkingMode: 'SOME_REGIONS' }, /must be one of ALL_REGIONS/],
      [{ regionLinkingMode: 'ALL_REGIONS', regions: ['eu-west-1'] }, /not allowed with ALL_REGIONS/],
      [{ regionLinkingMode: 'SPECIFIED_REGIONS' }, /required with SPECIFIED_REGIONS/],
    ];
    for (const [body, message] of cases) {
      const answer = await adminCall('POST', '/_emulator/aggregators', {
        accountId: otherMember.accountId,
        region: HOME,
        ...body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(message);
    }
    expect(await adminCall('DELETE', '/_emulator/aggregators', { accountId: member.accountId })).toEqual({
      status: 200,
      body: { arn: first.arn },
    });
    expect(
      (await adminCall('DELETE', '/_emulator/aggregators', { accountId: member.accountId })).status,
    ).toBe(404);
  });
});

describe('GetFindings with cross-Region aggregation', () => {
  it("returns the linked Regions' findings in the aggregation Region, each in its own Region, paged once", async () => {
    await aggregate(member.accountId, 'ALL_REGIONS');
    const expected = stored([member.accountId], REGIONS);
    const home = new Map(expected.map((finding) => [finding.Id!, finding.Region!]));
    const found = await pagedInSevens(await clientFor(member));
    expect(found.length).toBeGreaterThan(7 * 10);
    expect(new Set(ids(found)).size).toBe(found.length);
    expect(ids(found)).toEqual(ids(expected));
    expect(regionsOf(found)).toEqual(new Set(REGIONS));
    expect(found.every((finding) => finding.Region === home.get(finding.Id!))).toBe(true);
    expect(accountsOf(found)).toEqual(new Set([member.accountId]));
  });

  it('links the Regions each mode names, and only Regions with Security Hub enabled', async () => {
    const hub = await clientFor(member);
    await aggregate(member.accountId, 'ALL_REGIONS_EXCEPT_SPECIFIED', ['ap-southeast-2']);
    expect(regionsOf(await everyFinding(hub))).toEqual(new Set([HOME, 'eu-west-1']));
    await emulator.admin('DELETE', '/_emulator/aggregators', { accountId: member.accountId });
    await aggregate(member.accountId, 'SPECIFIED_REGIONS', ['ap-southeast-2']);
    const specified = await everyFinding(hub);
    expect(ids(specified)).toEqual(ids(stored([member.accountId], [HOME, 'ap-southeast-2'])));
    await emulator.admin('PUT', '/_emulator/hubs', {
      accountId: member.accountId,
      region: 'ap-southeast-2',
      enabled: false,
    });
    expect(regionsOf(await everyFinding(hub))).toEqual(new Set([HOME]));
  });

  it('applies filters and sort to the union', async () => {
    await aggregate(member.accountId, 'ALL_REGIONS');
    const hub = await clientFor(member);
    const europe = await everyFinding(hub, {
      Filters: { Region: [{ Value: 'eu-west-1', Comparison: 'EQUALS' }] },
    });
    expect(ids(europe)).toEqual(ids(stored([member.accountId], ['eu-west-1'])));
    const sorted = await everyFinding(hub, {
      SortCriteria: [{ Field: 'SeverityNormalized', SortOrder: 'desc' }],
    });
    const severities = sorted.map((finding) => finding.Severity?.Normalized ?? -1);
    expect(severities).toEqual([...severities].sort((a, b) => b - a));
    expect(regionsOf(sorted.slice(0, 100)).size).toBeGreaterThan(1);
  });

  it('returns only its own findings in a linked Region', async () => {
    await aggregate(member.accountId, 'ALL_REGIONS');
    const linked = await everyFinding(await clientFor(member, 'eu-west-1'));
    expect(ids(linked)).toEqual(ids(stored([member.accountId], ['eu-west-1'])));
  });

  it('aggregates nothing with NO_REGIONS', async () => {
    await aggregate(member.accountId, 'NO_REGIONS');
    const found = await everyFinding(await clientFor(member));
    expect(ids(found)).toEqual(ids(stored([member.accountId], [HOME])));
  });

  it("updates a linked Region's finding from the aggregation Region, in its home hub", async () => {
    const [target] = stored([member.accountId], ['eu-west-1']);
    const identifier = { Id: target!.Id!, ProductArn: target!.ProductArn! };
    const update = new BatchUpdateFindingsCommand({
      FindingIdentifiers: [identifier],
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'from the aggregation Region', UpdatedBy: 'hubgraph' },
    });
    const hub = await clientFor(member);
    // Without an aggregator the aggregation Region does not know the finding.
    expect((await hub.send(update)).UnprocessedFindings![0]!.ErrorCode).toBe('FindingNotFound');
    await aggregate(member.accountId, 'ALL_REGIONS');
    expect((await hub.send(update)).ProcessedFindings).toEqual([identifier]);
    const key = findingKey(identifier.ProductArn, identifier.Id);
    const after = emulator.emulator.store.hub(member.accountId, 'eu-west-1').findings.get(key)!;
    expect(after).toMatchObject({
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'from the aggregation Region' },
      UpdatedAt: target!.UpdatedAt,
      Region: 'eu-west-1',
    });
    expect(emulator.emulator.store.hub(member.accountId, HOME).findings.has(key)).toBe(false);
    const history = await hub.send(new GetFindingHistoryCommand({ FindingIdentifier: identifier }));
    expect(history.Records![0]).toMatchObject({ UpdateSource: { Type: 'BATCH_UPDATE_FINDINGS' } });
  });
});

describe('the administrator account', () => {
  const everyone = () => [ADMINISTRATOR_ACCOUNT_ID, member.accountId, otherMember.accountId];

  it("sees its own and its members' findings in the Region; a member only its own", async () => {
    expect(administrator.arn).toBe(
      `arn:aws:iam::${ADMINISTRATOR_ACCOUNT_ID}:role/HubgraphSecurityHubReadOnly`,
    );
    const seen = await everyFinding(await clientFor(administrator));
    expect(ids(seen)).toEqual(ids(stored(everyone(), [HOME])));
    expect(accountsOf(seen)).toEqual(new Set(everyone()));
    expect(regionsOf(seen)).toEqual(new Set([HOME]));
    const own = await everyFinding(await clientFor(member));
    expect(ids(own)).toEqual(ids(stored([member.accountId], [HOME])));
  });

  it('sees the linked Regions of itself and its members in its aggregation Region', async () => {
    await aggregate(ADMINISTRATOR_ACCOUNT_ID, 'SPECIFIED_REGIONS', ['eu-west-1']);
    const found = await pagedInSevens(await clientFor(administrator));
    expect(new Set(ids(found)).size).toBe(found.length);
    expect(ids(found)).toEqual(ids(stored(everyone(), [HOME, 'eu-west-1'])));
  });

  it("updates a member's finding, which the member then sees, without moving UpdatedAt", async () => {
    const [target] = stored([otherMember.accountId], [HOME]);
    const identifier = { Id: target!.Id!, ProductArn: target!.ProductArn! };
    const hub = await clientFor(administrator);
    const result = await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [identifier],
        Workflow: { Status: 'SUPPRESSED' },
        VerificationState: 'BENIGN_POSITIVE',
      }),
    );
    expect(result).toMatchObject({ ProcessedFindings: [identifier], UnprocessedFindings: [] });
    const key = findingKey(identifier.ProductArn, identifier.Id);
    expect(emulator.emulator.store.hub(otherMember.accountId, HOME).findings.get(key)).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      VerificationState: 'BENIGN_POSITIVE',
      UpdatedAt: target!.UpdatedAt,
    });
    const [asMemberSees] = (
      await (
        await clientFor(otherMember)
      ).send(new GetFindingsCommand({ Filters: { Id: [{ Value: identifier.Id, Comparison: 'EQUALS' }] } }))
    ).Findings!;
    expect(asMemberSees).toMatchObject({ Workflow: { Status: 'SUPPRESSED' } });
    const history = await hub.send(new GetFindingHistoryCommand({ FindingIdentifier: identifier }));
    expect(history.Records![0]!.UpdateSource!.Identity).toContain(
      `arn:aws:sts::${ADMINISTRATOR_ACCOUNT_ID}:assumed-role/`,
    );
  });

  it("does not reach a member's finding in another Region, nor a member another member's", async () => {
    const [elsewhere] = stored([member.accountId], ['eu-west-1']);
    const [sibling] = stored([otherMember.accountId], [HOME]);
    const update = (finding: AwsSecurityFinding) =>
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: finding.Id!, ProductArn: finding.ProductArn! }],
        Workflow: { Status: 'NEW' },
      });
    const byAdministrator = await (await clientFor(administrator)).send(update(elsewhere!));
    expect(byAdministrator.UnprocessedFindings![0]!.ErrorCode).toBe('FindingNotFound');
    const byMember = await (await clientFor(member)).send(update(sibling!));
    expect(byMember.UnprocessedFindings![0]!.ErrorCode).toBe('FindingNotFound');
  });

  it("updates a member's finding in a linked Region from its aggregation Region", async () => {
    await aggregate(ADMINISTRATOR_ACCOUNT_ID, 'ALL_REGIONS');
    const [target] = stored([member.accountId], ['ap-southeast-2']);
    const identifier = { Id: target!.Id!, ProductArn: target!.ProductArn! };
    const result = await (await clientFor(administrator)).send(
      new BatchUpdateFindingsCommand({ FindingIdentifiers: [identifier], Criticality: 77 }),
    );
    expect(result.ProcessedFindings).toEqual([identifier]);
    expect(
      emulator.emulator.store
        .hub(member.accountId, 'ap-southeast-2')
        .findings.get(findingKey(identifier.ProductArn, identifier.Id)),
    ).toMatchObject({ Criticality: 77, UpdatedAt: target!.UpdatedAt });
  });

  it("spends the caller's quota: the administrator's bucket, not its members'", async () => {
    await emulator.admin('PUT', '/_emulator/quotas', {
      enabled: true,
      operation: 'GetFindings',
      rate: 0.001,
      burst: 2,
    });
    const hub = await clientFor(administrator, HOME, 1);
    const read = (client: SecurityHubClient) => client.send(new GetFindingsCommand({ MaxResults: 1 }));
    await read(hub);
    await read(hub);
    expect(await failure(read(hub))).toMatchObject({ name: 'TooManyRequestsException', status: 429 });
    const own = await clientFor(member, HOME, 1);
    await read(own);
    await read(own);
    expect((await failure(read(own))).status).toBe(429);
    // Another Region is another bucket.
    expect((await read(await clientFor(administrator, 'eu-west-1', 1))).Findings).toHaveLength(1);
  });

  it('is managed through the admin API: one administrator per member, replaced and removed', async () => {
    const other = '888888888888';
    expect(
      await adminCall('PUT', '/_emulator/administrator', {
        administratorAccountId: other,
        memberAccountIds: [member.accountId],
      }),
    ).toEqual({
      status: 409,
      body: {
        error: `account ${member.accountId} is already a member of administrator ${ADMINISTRATOR_ACCOUNT_ID}`,
      },
    });
    expect(
      (
        await adminCall('PUT', '/_emulator/administrator', {
          administratorAccountId: other,
          memberAccountIds: [other],
        })
      ).status,
    ).toBe(400);
    expect(
      await adminCall('PUT', '/_emulator/administrator', {
        administratorAccountId: other,
        memberAccountIds: [],
      }),
    ).toEqual({ status: 200, body: { administratorAccountId: other, memberAccountIds: [] } });
    expect(emulator.emulator.identity.accounts.has(other)).toBe(true);
    await emulator.admin('DELETE', '/_emulator/administrator', { administratorAccountId: other });

    await emulator.admin('PUT', '/_emulator/administrator', {
      administratorAccountId: ADMINISTRATOR_ACCOUNT_ID,
      memberAccountIds: [otherMember.accountId],
    });
    const hub = await clientFor(administrator);
    expect(accountsOf(await everyFinding(hub))).toEqual(
      new Set([ADMINISTRATOR_ACCOUNT_ID, otherMember.accountId]),
    );
    await emulator.admin('DELETE', '/_emulator/administrator', {
      administratorAccountId: ADMINISTRATOR_ACCOUNT_ID,
    });
    expect(accountsOf(await everyFinding(hub))).toEqual(new Set([ADMINISTRATOR_ACCOUNT_ID]));
    expect(
      (
        await adminCall('DELETE', '/_emulator/administrator', {
          administratorAccountId: ADMINISTRATOR_ACCOUNT_ID,
        })
      ).status,
    ).toBe(404);
  });
});
