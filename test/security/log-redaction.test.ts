import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';

// Row 9 of issue 12: a failed statement's error carries its parameters (drizzle puts them in the
// message, the stack and a `params` field); none of it may reach a log line.

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

const secretParams = ['AKIAIOSFODNN7EXAMPLE', 'hg-external-id-0123456789', 'line one\nline two'];

describe('log redaction of SQL parameters', () => {
  it('drops the parameters of a failed query, keeping the statement and the cause', () => {
    const { log, lines } = capture();
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: '22021',
    });
    log.error(
      { err: new DrizzleQueryError('insert into connectors values ($1, $2, $3)', secretParams, cause) },
      'x',
    );
    const line = lines.join('');
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', 'hg-external-id', 'line two'])
      expect(line).not.toContain(secret);
    expect(line).toContain('insert into connectors values ($1, $2, $3)');
    expect(line).toContain('params: [redacted]');
    expect(line).toContain('invalid byte sequence');
  });

  it('drops them when the query error is the cause of another, or inside a GraphQL error', () => {
    const { log, lines } = capture();
    const query = new DrizzleQueryError('select 1 where x = $1', secretParams);
    log.error({ err: new Error('resolver failed', { cause: query }) }, 'wrapped');
    log.error({ err: new GraphQLError('failed', { originalError: query }) }, 'graphql');
    log.error(
      { err: Object.assign(new Error('postgres.js in debug mode'), { parameters: secretParams }) },
      'pg',
    );
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', 'hg-external-id']) expect(text).not.toContain(secret);
  });
});
