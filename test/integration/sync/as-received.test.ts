import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { findings } from '../../../src/db/schema.ts';
import { generateFindings } from '../../../src/emulator/generator/index.ts';
import { harnessPerTest } from '../../support/sync.ts';

// `findings.raw` is the ASFF as AWS sent it: a field AWS adds after the SDK's model was built (at
// the top, inside a known structure, a resource type of its own) reaches the files.database through a
// real sync (the real SDK against the emulator), and the mapping reads the known fields as before.

const files = harnessPerTest();

/** A finding as a provider would send it once AWS has extended ASFF with fields the SDK lacks. */
function aFindingWithFieldsTheSdkLacks(accountId: string, now: Date): AwsSecurityFinding {
  const [finding] = generateFindings({
    seed: 5,
    count: 1,
    accountIds: [accountId],
    regions: ['us-east-1'],
    now,
  });
  const at = now.toISOString();
  const resource = finding!.Resources![0]!;
  const extended: Record<string, unknown> = {
    ...finding!,
    RecordState: 'ACTIVE',
    CreatedAt: at,
    FirstObservedAt: at,
    UpdatedAt: at,
    LastObservedAt: at,
    Remediation: {
      Recommendation: { Text: 'Rotate the key.', FutureHint: { Effort: 'LOW', Minutes: 8.25 } },
    },
    Resources: [
      {
        ...resource,
        FutureResourceField: 'zone-a',
        Details: { ...resource.Details, AwsFutureService: { Arn: `${resource.Id}/future`, Tier: 3 } },
      },
    ],
    FutureTopLevelField: { Origin: 'added to ASFF after the SDK was built', Weights: [0.5, 1e21, -0] },
  };
  return extended as unknown as AwsSecurityFinding;
}

describe('findings.raw after a sync', () => {
  it('keeps fields the SDK model does not know, as AWS sent them', async () => {
    const sync = await files.start({ emulator: { findings: 20, seed: 31 } });
    const connector = await sync.createConnector();
    const sent = aFindingWithFieldsTheSdkLacks(
      sync.emulator.accounts[0]!,
      sync.emulator.emulator.clock.now(),
    );
    // As a provider imports it (BatchImportFindings), over the emulator's admin API.
    await sync.emulator.admin('POST', '/_emulator/findings', { findings: [sent] });
    await sync.emulator.admin('POST', '/_emulator/clock/advance', { seconds: 3600 });

    const { run } = await sync.run(connector.id);
    expect(run.status, run.error ?? '').toBe('SUCCEEDED');
    const [row] = await files.database.db
      .select({ raw: findings.raw, severity: findings.severityLabel, resourceType: findings.resourceType })
      .from(findings)
      .where(
        and(
          eq(findings.tenantId, sync.ctx.tenantId),
          eq(findings.productArn, sent.ProductArn!),
          eq(findings.awsId, sent.Id!),
        ),
      );
    expect(row).toBeDefined();
    const raw = row!.raw as Record<string, unknown>;
    expect(raw.FutureTopLevelField).toEqual({
      Origin: 'added to ASFF after the SDK was built',
      Weights: [0.5, 1e21, 0],
    });
    expect(raw).toMatchObject({
      Remediation: { Recommendation: { FutureHint: { Effort: 'LOW', Minutes: 8.25 } } },
      Resources: [
        {
          FutureResourceField: 'zone-a',
          Details: { AwsFutureService: { Arn: `${sent.Resources![0]!.Id}/future`, Tier: 3 } },
        },
      ],
    });
    // Everything else exactly as Security Hub holds it (its own fields, e.g. ProcessedAt, included).
    const held = sync.inSecurityHub().get(`${sent.ProductArn}|${sent.Id}`);
    expect(raw).toEqual(JSON.parse(JSON.stringify(held)));
    expect(row!.severity).toBe(sent.Severity!.Label);
    expect(row!.resourceType).toBe(sent.Resources![0]!.Type);
  });
});
