import pino, { type Logger } from 'pino';

// Structured JSON logs. Anything that could carry a secret is redacted by path, whatever logs it.
export const REDACTED_PATHS = [
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  '*.*.sessionToken',
  'SecretAccessKey',
  '*.SecretAccessKey',
  'SessionToken',
  '*.SessionToken',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'connectionParams',
  '*.connectionParams',
  'masterKey',
  '*.masterKey',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hubgraph' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * An error as a log line should carry it: name, code and message (with its cause), cut short. A
 * failed SQL statement's message would otherwise repeat every parameter of a page of findings.
 */
export function errorSummary(error: unknown): { name: string; message: string; code?: string } {
  const e = error as { name?: string; message?: string; code?: string; cause?: { message?: string } };
  const cause = e?.cause?.message ? ` (cause: ${e.cause.message})` : '';
  const message = `${e?.message ?? String(error)}`.split('\nparams:')[0]!;
  return {
    name: e?.name ?? 'Error',
    ...(e?.code ? { code: String(e.code) } : {}),
    message: `${message.slice(0, 500)}${cause.slice(0, 300)}`,
  };
}

/** Keys under which database drivers keep a statement's parameters: a page of findings, a secret. */
const PARAMETER_KEYS = new Set(['params', 'parameters', 'args']);
/** drizzle's "Failed query: …\nparams: …" message (and the stack that repeats it), up to the trace. */
const PARAMETERS_IN_TEXT = /\nparams: [\s\S]*?(?=\n\s+at |\ncaused by: |$)/g;

/**
 * pino's error serializer, without the SQL parameters a failed statement carries: they hold what
 * was being written (access key ids, external ids, findings) and belong in no log.
 */
export function serializeError(error: unknown): unknown {
  return withoutParameters(pino.stdSerializers.err(error as Error), 0);
}

function withoutParameters(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(PARAMETERS_IN_TEXT, '\nparams: [redacted]');
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => withoutParameters(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !PARAMETER_KEYS.has(key))
      .map(([key, item]) => [key, withoutParameters(item, depth + 1)]),
  );
}
