import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

// Secrets at rest: AES-256-GCM under HUBGRAPH_MASTER_KEY. A sealed value records which key sealed
// it (a fingerprint), so a rotated or wrong key is reported as such instead of yielding garbage.

export interface MasterKey {
  key: Buffer;
  /** First 16 hex digits of SHA-256(key): identifies the key without revealing it. */
  id: string;
}

export function parseMasterKey(value: string): MasterKey {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error('HUBGRAPH_MASTER_KEY must be 32 bytes (base64 or 64 hex digits)');
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

/**
 * The configured master key; in development without one, a key generated once into DATA_DIR
 * (with a warning: losing that file makes stored secrets unreadable).
 */
export function loadMasterKey(configured: string | undefined, dataDir: string, log: Logger): MasterKey {
  if (configured) return parseMasterKey(configured);
  const path = join(dataDir.startsWith('memory://') ? '.data' : dataDir, 'master.key');
  if (!existsSync(path)) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600 });
    log.warn(
      { path },
      'HUBGRAPH_MASTER_KEY is not set: generated a development key. Set HUBGRAPH_MASTER_KEY in production.',
    );
  }
  return parseMasterKey(readFileSync(path, 'utf8').trim());
}

export function seal(masterKey: MasterKey, plaintext: string): { ciphertext: string; keyId: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey.key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
    keyId: masterKey.id,
  };
}

export class SecretUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnreadableError';
  }
}

export function unseal(masterKey: MasterKey, sealed: { ciphertext: string; keyId: string }): string {
  if (sealed.keyId !== masterKey.id) {
    throw new SecretUnreadableError(
      `This secret was sealed with master key ${sealed.keyId}, but the service runs with key ${masterKey.id}. Restore the previous HUBGRAPH_MASTER_KEY, or re-enter the secret.`,
    );
  }
  const raw = Buffer.from(sealed.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', masterKey.key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadableError('A stored secret failed its integrity check; re-enter it.');
  }
}
