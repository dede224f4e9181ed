import { describe, expect, it } from 'vitest';
import { formatGraphQLError } from '../../src/graphql/format-error.ts';

describe('error policy', () => {
  const internal = {
    message: 'connect ECONNREFUSED 10.0.0.5:5432',
    path: ['findings'],
    extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at db.ts:1'] },
  };

  it('masks internal errors in production, keeping where they happened', () => {
    const masked = formatGraphQLError(internal, true);
    expect(masked.message).not.toContain('ECONNREFUSED');
    expect(masked.message).toContain('request id');
    expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(masked.path).toEqual(['findings']);
  });

  it('shows internal errors during development', () => {
    expect(formatGraphQLError(internal, false).message).toContain('ECONNREFUSED');
  });

  it('passes errors the client can act on through unchanged', () => {
    const input = {
      message: '`first` must be between 0 and 500',
      extensions: { code: 'BAD_USER_INPUT', argumentPath: ['first'] },
    };
    expect(formatGraphQLError(input, true)).toBe(input);
  });

  it('cuts a message longer than 1,000 characters, saying how long it was', () => {
    const formatted = formatGraphQLError(
      { message: `bad: ${'x'.repeat(5000)}`, extensions: { code: 'BAD_USER_INPUT' } },
      true,
    );
    expect(formatted.message).toBe(`bad: ${'x'.repeat(995)}… (message cut: 5,005 characters)`);
    expect(formatted.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('says what to do when validation gave up on a document', () => {
    expect(
      formatGraphQLError(
        { message: 'Validation aborted.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
        true,
      ).message,
    ).toMatch(/too complex to validate.*Split it into smaller operations/);
  });

  it('treats an error without a code as internal', () => {
    expect(formatGraphQLError({ message: 'boom' }, true).extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
