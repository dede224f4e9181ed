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
