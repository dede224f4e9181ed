import { createHash } from 'node:crypto';
import { GetFindingHistoryCommand } from '@aws-sdk/client-securityhub';
import { and, eq } from 'drizzle-orm';
import { connectorById } from '../connectors/service.ts';
import type { TenantContext } from '../context.ts';
import { findingUpdateItems, findingUpdates } from '../db/schema.ts';
import { UserInputError } from '../errors.ts';
import type { FindingModel } from '../findings/model.ts';
import { errorSummary } from '../observability/logger.ts';
import { connectorClients } from './clients.ts';

// Finding.history: Security Hub's record of a finding (GetFindingHistory: every import and every
// BatchUpdateFindings, by whoever made it) merged with Hubgraph's record of the findingsUpdate
// requests it applied — which carries who asked (the JWT subject), which AWS cannot know: to AWS
// every write-back is the connector's role. Newest first, paged by a keyset cursor.

export interface FindingHistoryEntryModel {
  at: Date;
  source: 'SECURITY_HUB' | 'HUBGRAPH';
  operation: string;
  actor: string | null;
  findingCreated: boolean;
  changes: { field: string; oldValue: string | null; newValue: string | null }[];
  requestId: string | null;
  /** Orders entries of the same instant, stably across calls. */
  key: string;
}

export interface FindingHistoryConnectionModel {
  edges: { cursor: string; node: FindingHistoryEntryModel }[];
  nodes: FindingHistoryEntryModel[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  securityHubUnavailable: string | null;
}

const MAX_PAGE = 100;
/** Security Hub's records read at most per finding (100 a request). */
const MAX_AWS_RECORDS = 1_000;

export async function findingHistory(
  ctx: TenantContext,
  finding: FindingModel,
  args: { first?: number | null; after?: string | null },
): Promise<FindingHistoryConnectionModel> {
  const first = args.first ?? 20;
  if (first < 1 || first > MAX_PAGE)
    throw new UserInputError(`\`first\` is 1–${MAX_PAGE}.`, ['history', 'first']);
  const after = args.after == null ? undefined : parseCursor(args.after);
  const [own, aws] = await Promise.all([hubgraphRecord(ctx, finding.id), securityHubRecord(ctx, finding)]);
  const all = [...own, ...aws.entries].sort(newestFirst);
  const older = after ? all.filter((entry) => newestFirst(entry, after) > 0) : all;
  const page = older.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: older.length > first,
      hasPreviousPage: after !== undefined && older.length < all.length,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    securityHubUnavailable: aws.unavailable,
  };
}

/** The findingsUpdate requests Security Hub processed for this finding. */
async function hubgraphRecord(ctx: TenantContext, findingId: string): Promise<FindingHistoryEntryModel[]> {
  const rows = await ctx.db
    .select({
      requestId: findingUpdates.id,
      requestedBy: findingUpdates.requestedBy,
      changes: findingUpdates.changes,
      at: findingUpdateItems.updatedAt,
    })
    .from(findingUpdateItems)
    .innerJoin(findingUpdates, eq(findingUpdates.id, findingUpdateItems.requestId))
    .where(
      and(
        eq(findingUpdateItems.tenantId, ctx.tenantId),
        eq(findingUpdateItems.findingId, findingId),
        eq(findingUpdateItems.status, 'PROCESSED'),
      ),
    );
  return rows.map((row) => ({
    at: row.at,
    source: 'HUBGRAPH',
    operation: 'FINDINGS_UPDATE',
    actor: row.requestedBy,
    findingCreated: false,
    changes: Object.entries(row.changes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([field, value]) => ({ field, oldValue: null, newValue: text(value) })),
    requestId: row.requestId,
    key: `h:${row.requestId}`,
  }));
}

/** GetFindingHistory through the finding's connector; what went wrong instead when it cannot be read. */
async function securityHubRecord(
  ctx: TenantContext,
  finding: FindingModel,
): Promise<{ entries: FindingHistoryEntryModel[]; unavailable: string | null }> {
  const connector = finding.connectorId ? await connectorById(ctx, finding.connectorId) : null;
  if (!connector)
    return {
      entries: [],
      unavailable:
        'The finding belongs to no connector (seeded, or its connector was deleted): no identity to ask Security Hub with.',
    };
  // GetFindingHistory reads Security Hub CSPM's record; the new Security Hub has no such API, and a
  // connector reading only it may have no CSPM to ask (the OCSF copy of a CSPM finding does).
  if (finding.format === 'OCSF' && connector.api === 'V2')
    return {
      entries: [],
      unavailable: `The new Security Hub keeps no history of a finding that can be read (GetFindingHistory is Security Hub CSPM's), and connector "${connector.name}" reads only the new Security Hub: Hubgraph's own record of its changes is listed. Where the account also runs Security Hub CSPM, read both (connectorUpdate with api: BOTH) to see CSPM's record too.`,
    };
  try {
    const { client } = await connectorClients(ctx, connector, 3);
    const entries: FindingHistoryEntryModel[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client(finding.region).send(
        new GetFindingHistoryCommand({
          FindingIdentifier: { ProductArn: finding.productArn, Id: finding.awsId },
          MaxResults: 100,
          NextToken: nextToken,
        }),
      );
      for (const record of page.Records ?? []) {
        const changes = (record.Updates ?? []).map((update) => ({
          field: update.UpdatedField ?? '',
          oldValue: update.OldValue ?? null,
          newValue: update.NewValue ?? null,
        }));
        const at = record.UpdateTime ?? new Date(0);
        entries.push({
          at,
          source: 'SECURITY_HUB',
          operation: record.UpdateSource?.Type ?? 'UNKNOWN',
          actor: record.UpdateSource?.Identity ?? null,
          findingCreated: record.FindingCreated ?? false,
          changes,
          requestId: null,
          key: `s:${createHash('sha256')
            .update(JSON.stringify([at.toISOString(), record.UpdateSource, record.FindingCreated, changes]))
            .digest('base64url')
            .slice(0, 16)}`,
        });
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken && entries.length < MAX_AWS_RECORDS);
    return { entries, unavailable: null };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    ctx.log.warn({ err: errorSummary(error), findingId: finding.id }, 'GetFindingHistory failed');
    const denied = e?.name === 'AccessDeniedException' || e?.name === 'AccessDenied';
    return {
      entries: [],
      unavailable: denied
        ? `Security Hub refused securityhub:GetFindingHistory to connector "${connector.name}"'s identity: allow it in its IAM policy. (${e.message ?? ''})`
        : `Security Hub's history could not be read: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`,
    };
  }
}

/** Newest first; the same instant by key. Negative when `a` comes first. */
function newestFirst(
  a: Pick<FindingHistoryEntryModel, 'at' | 'key'>,
  b: Pick<FindingHistoryEntryModel, 'at' | 'key'>,
): number {
  const byTime = b.at.getTime() - a.at.getTime();
  if (byTime !== 0) return byTime;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}

function cursorOf(entry: FindingHistoryEntryModel): string {
  return Buffer.from(JSON.stringify([entry.at.toISOString(), entry.key])).toString('base64url');
}

function parseCursor(cursor: string): Pick<FindingHistoryEntryModel, 'at' | 'key'> {
  try {
    const [at, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof key !== 'string' || Number.isNaN(date.getTime())) throw new Error('malformed');
    return { at: date, key };
  } catch {
    throw new UserInputError('`after` must be an `endCursor` of this history.', ['history', 'after']);
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
