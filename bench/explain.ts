import postgres from 'postgres';
import { createApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { onStatement } from '../src/db/statements.ts';
import { startServer } from '../src/server.ts';
import { post } from './support.ts';

/**
 * Sends one GraphQL request to the service run in this process (the same code and configuration as
 * `npm start`), records the statements it issues with their parameters, and writes EXPLAIN
 * (ANALYZE, BUFFERS) of each read among them: the plans behind a missed latency target.
 */
export async function explainRequest(
  config: Config,
  token: string,
  body: { query: string; variables?: Record<string, unknown> },
  write: (line: string) => void,
): Promise<void> {
  const app = await createApp(config, { jobs: false });
  const server = await startServer(app, { port: 0, host: '127.0.0.1' });
  const sql = postgres(config.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    const statements: { query: string; params: unknown[] }[] = [];
    const stop = onStatement((query, params) => statements.push({ query, params }));
    try {
      const response = await post(server.url, token, body.query, body.variables);
      await response.text();
    } finally {
      stop();
    }
    // Reads only: ANALYZE runs the statement.
    for (const { query, params } of statements.filter((each) => /^\s*(select|with)\b/i.test(each.query))) {
      write(`-- ${query}\n-- parameters: ${JSON.stringify(params).slice(0, 300)}`);
      const plan = await sql.unsafe(`explain (analyze, buffers) ${query}`, params as never[]);
      for (const row of plan) write(String(Object.values(row)[0]));
    }
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
    await app.close();
  }
}
