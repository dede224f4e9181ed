import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { TenantContext } from '../context.ts';
import { UserInputError } from '../errors.ts';
import { eventLogHead } from './queries.ts';

type ArgumentPath = readonly (string | number)[];

// Event ids come from one sequence shared by every tenant, so handing them out as cursors would let
// a tenant count everyone else's activity (the gap between two of its cursors). A cursor is instead
// one AES block, [event id | tenant tag], under a key derived from the master key: it reveals
// nothing, cannot be forged, and is only accepted from the tenant it was issued to. One block of a
// block cipher is a keyed permutation, so no IV is needed and a cursor is the same every time.

/** `after: "0"`: replay every stored event (documented; it names no event). */
const FROM_START = '0';

interface CursorKeys {
  cipher: Buffer;
  tag: Buffer;
}

const keysByMasterKey = new WeakMap<Buffer, CursorKeys>();

function cursorKeys(masterKey: Buffer): CursorKeys {
  let keys = keysByMasterKey.get(masterKey);
  if (!keys) {
    keys = {
      cipher: Buffer.from(hkdfSync('sha256', masterKey, '', 'hubgraph event cursor', 32)),
      tag: Buffer.from(hkdfSync('sha256', masterKey, '', 'hubgraph event cursor tenant tag', 32)),
    };
    keysByMasterKey.set(masterKey, keys);
  }
  return keys;
}

function tenantTag(keys: CursorKeys, tenantId: string): Buffer {
  return createHmac('sha256', keys.tag).update(tenantId).digest().subarray(0, 8);
}

/** The cursor a tenant is given for one of its events. */
export function eventCursor(ctx: Pick<TenantContext, 'tenantId' | 'app'>, eventId: bigint): string {
  const keys = cursorKeys(ctx.app.masterKey.key);
  const block = Buffer.alloc(16);
  block.writeBigUInt64BE(eventId, 0);
  tenantTag(keys, ctx.tenantId).copy(block, 8);
  const cipher = createCipheriv('aes-256-ecb', keys.cipher, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
}

const NOT_A_CURSOR =
  '`after` must be the `cursor` of an event this API delivered to you, or "0" to replay every stored event.';

/** The event id inside one of this tenant's cursors; anything else (another tenant's too) is refused alike. */
function decodeEventCursor(
  ctx: Pick<TenantContext, 'tenantId' | 'app'>,
  after: string,
  path: ArgumentPath,
): bigint {
  if (after === FROM_START) return 0n;
  const block = /^[A-Za-z0-9_-]{22}$/.test(after) ? Buffer.from(after, 'base64url') : undefined;
  if (block?.length !== 16) throw new UserInputError(NOT_A_CURSOR, path);
  const keys = cursorKeys(ctx.app.masterKey.key);
  const decipher = createDecipheriv('aes-256-ecb', keys.cipher, null).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(block), decipher.final()]);
  if (!plain.subarray(8).equals(tenantTag(keys, ctx.tenantId))) throw new UserInputError(NOT_A_CURSOR, path);
  return plain.readBigUInt64BE(0);
}

/**
 * The `after` of a subscription, checked against the log: a cursor beyond its head was never
 * delivered by this database (a restored backup), and replaying from it would silently skip every
 * event until the log caught up with it.
 */
export async function replayCursor(
  ctx: Pick<TenantContext, 'tenantId' | 'app' | 'db'>,
  after: string | null | undefined,
  path: ArgumentPath = ['after'],
): Promise<bigint | undefined> {
  if (after == null) return undefined;
  const cursor = decodeEventCursor(ctx, after, path);
  if (cursor > (await eventLogHead(ctx.db))) {
    throw new UserInputError(
      '`after` names an event beyond the head of the event log: this database has no such event (was it restored from a backup?), so nothing could be replayed from it. Pass "0" to replay every stored event, or leave `after` out to receive new events only.',
      path,
    );
  }
  return cursor;
}
