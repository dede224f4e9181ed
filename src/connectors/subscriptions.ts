import type { EventRow } from '../db/schema.ts';
import { eventCursor } from '../events/cursor.ts';
import { flatMapBatches } from '../events/iterators.ts';
import type { ConnectorStateEventModel } from '../events/model.ts';
import { tenantEvents } from '../events/tenant-events.ts';
import { type GraphQLContext, loadersForBatch } from '../graphql/context.ts';
import type { ConnectionTestEventModel } from './connection-test/model.ts';

/** `connectorStateChanged`: state changes of one connector (or all of the tenant's), replayable from `after`. */
export async function connectorStateChanges(
  ctx: GraphQLContext,
  connectorId: string | null | undefined,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ connectorStateChanged: ConnectorStateEventModel }>> {
  return flatMapBatches(await tenantEvents(ctx.tenant, 'connector', after), async (batch: EventRow[]) => {
    ctx.loaders = loadersForBatch(ctx, batch);
    return batch
      .filter(
        (event) => event.type === 'STATE_CHANGED' && (connectorId == null || event.entityId === connectorId),
      )
      .map((event) => {
        const payload = event.payload as {
          state: string;
          previousState: string | null;
          lastError: string | null;
        };
        return {
          connectorStateChanged: {
            cursor: eventCursor(ctx.tenant, event.id),
            connectorId: event.entityId,
            state: payload.state,
            previousState: payload.previousState,
            lastError: payload.lastError,
            occurredAt: event.createdAt,
          },
        };
      });
  });
}

/** `connectorTestProgress`: checks of tests as they finish, for one connector or one test id. */
export async function connectionTestProgress(
  ctx: GraphQLContext,
  connectorId: string | null | undefined,
  testId: string | null | undefined,
  after: string | null | undefined,
): Promise<AsyncIterableIterator<{ connectorTestProgress: ConnectionTestEventModel }>> {
  return flatMapBatches(await tenantEvents(ctx.tenant, 'connector_test', after), async (batch: EventRow[]) =>
    batch
      .map((event) => ({
        event,
        payload: event.payload as Omit<ConnectionTestEventModel, 'cursor' | 'testId'>,
      }))
      .filter(
        ({ event, payload }) =>
          (testId == null || event.entityId === testId) &&
          (connectorId == null || payload.connectorId === connectorId),
      )
      .map(({ event, payload }) => ({
        connectorTestProgress: {
          cursor: eventCursor(ctx.tenant, event.id),
          testId: event.entityId,
          connectorId: payload.connectorId ?? null,
          check: payload.check ?? null,
          result: payload.result ?? null,
        },
      })),
  );
}
