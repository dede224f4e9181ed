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
