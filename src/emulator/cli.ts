import { parseArgs } from 'node:util';
import { startEmulator } from './index.ts';

// `npm run emulator -- [--port N] [--findings N] [--regions a,b] [--accounts N] [--seed N]
//   [--rate R --burst B | --no-quotas] [--latency-ms N] [--fault-rate P] [--tls] [--administrator] [--v2]
//   [--trust-external-id ID]`
// Prints ONE JSON line (endpoint, base credentials, accounts, roles with their external ids and, with
// --administrator, the Security Hub administrator account's role), then serves.

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    host: { type: 'string', default: '127.0.0.1' },
    findings: { type: 'string', default: '1000' },
    regions: { type: 'string', default: 'us-east-1,eu-west-1' },
    accounts: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    'no-quotas': { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: '0' },
    'fault-rate': { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    administrator: { type: 'boolean', default: false },
    v2: { type: 'boolean', default: false },
    'trust-external-id': { type: 'string' },
  },
});

const number = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    process.stderr.write(`--${name} must be a number from ${min} to ${max}; got "${value}"\n`);
    process.exit(2);
  }
  return parsed;
};

/** AWS's rule for sts:ExternalId: 2–1224 characters of letters, digits and +=,.@:/-. */
const externalId = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (!/^[\w+=,.@:/-]{2,1224}$/.test(value)) {
    process.stderr.write(`--trust-external-id must be 2–1224 letters, digits or +=,.@:/-; got "${value}"\n`);
    process.exit(2);
  }
  return value;
};

const emulator = await startEmulator({
  port: number('port', values.port, 0, 65535),
  host: values.host,
  findings: number('findings', values.findings, 0, 2_000_000),
  regions: values
    .regions!.split(',')
    .map((region) => region.trim())
    .filter(Boolean),
  accounts: number('accounts', values.accounts, 1, 50),
  seed: number('seed', values.seed, 0, 2 ** 31),
  quotas: !values['no-quotas'],
  rate: number('rate', values.rate, 0.01, 10_000),
  burst: number('burst', values.burst, 1, 100_000),
  latencyMs: number('latency-ms', values['latency-ms'], 0, 60_000),
  faultRate: number('fault-rate', values['fault-rate'], 0, 1),
  tls: values.tls,
  administrator: values.administrator,
  v2: values.v2,
  trustExternalId: externalId(values['trust-external-id']),
});

process.stdout.write(
  `${JSON.stringify({
    endpoint: emulator.endpoint,
    baseCredentials: {
      accessKeyId: emulator.baseCredentials.accessKeyId,
      secretAccessKey: emulator.baseCredentials.secretAccessKey,
      accountId: emulator.baseCredentials.accountId,
      arn: emulator.baseCredentials.arn,
    },
    accounts: emulator.accounts,
    roles: emulator.roles,
    ...(emulator.administrator ? { administrator: emulator.administrator } : {}),
    ...(emulator.caPemPath ? { caPemPath: emulator.caPemPath } : {}),
  })}\n`,
);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
