import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm/logger';

// Counts the SQL statements each unit of work issues (a GraphQL request, a sync page). It is how we
// prove that nested fields batch through DataLoaders instead of issuing one query per row.

interface StatementScope {
  count: number;
}

const scopes = new AsyncLocalStorage<StatementScope>();
const listeners = new Set<(query: string, params: unknown[]) => void>();

export const statementLogger: Logger = {
  logQuery(query, params) {
    const scope = scopes.getStore();
    if (scope) scope.count += 1;
    for (const listener of listeners) listener(query, params);
  },
};

/** Runs `work` and reports how many statements it issued, however deep in async calls. */
export async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const scope: StatementScope = { count: 0 };
  const result = await scopes.run(scope, work);
  return { result, statements: scope.count };
}

/** Starts a counting scope for the rest of the current async context (e.g. one HTTP request). */
export function enterStatementScope(): StatementScope {
  const scope: StatementScope = { count: 0 };
  scopes.enterWith(scope);
  return scope;
}

export function currentStatementCount(): number | undefined {
  return scopes.getStore()?.count;
}

/** Hears every statement with its parameters (metrics; a benchmark's EXPLAIN of a slow request). */
export function onStatement(listener: (query: string, params: unknown[]) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
