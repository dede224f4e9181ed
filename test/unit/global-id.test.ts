import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyOf, NODE_TYPES, parseGlobalId, toGlobalId } from '../../src/global-id.ts';

describe('global ids', () => {
  it('round-trip every type and key', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NODE_TYPES),
        fc.string({ minLength: 1, maxLength: 200 }),
        (type, key) => {
          expect(parseGlobalId(toGlobalId(type, key))).toEqual({ type, key });
        },
      ),
    );
  });

  it('are never confused with a bare key: a UUID or a built-in map key is not a global id', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(parseGlobalId(uuid)).toBeUndefined();
      }),
    );
    expect(parseGlobalId('aws-security-hub-vulnerability')).toBeUndefined();
  });

  it('refuse unknown types, empty keys, padding and other spellings of the same bytes', () => {
    const raw = (text: string) => Buffer.from(text).toString('base64url');
    expect(parseGlobalId(raw('User:1'))).toBeUndefined();
    expect(parseGlobalId(raw('Finding:'))).toBeUndefined();
    expect(parseGlobalId(raw(':x'))).toBeUndefined();
    expect(parseGlobalId(`${toGlobalId('Finding', 'ab')}=`)).toBeUndefined();
    expect(parseGlobalId(Buffer.from('Finding:ab').toString('base64'))).toBe(undefined);
    expect(parseGlobalId('')).toBeUndefined();
  });

  it('keyOf takes a global id of the type or a bare key, and names a wrong type', () => {
    const uuid = randomUUID();
    expect(keyOf('Finding', toGlobalId('Finding', uuid), ['id'])).toBe(uuid);
    expect(keyOf('Finding', uuid, ['id'])).toBe(uuid);
    expect(() => keyOf('Finding', toGlobalId('Asset', uuid), ['input', 'id'])).toThrowError(
      expect.objectContaining({
        message: expect.stringContaining('is the id of an Asset; a Finding id is expected here'),
        extensions: { code: 'BAD_USER_INPUT', argumentPath: ['input', 'id'] },
      }),
    );
  });
});
