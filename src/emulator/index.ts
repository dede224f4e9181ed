import { mkdtempSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { handleAdmin } from './admin.ts';
import { Emulator, type FaultKind } from './emulator.ts';
import { seededRandom } from './generator/random.ts';

// The AWS emulator (Security Hub + STS) as a library: tests, the demo and the benchmarks start one
// in-process; `npm run emulator` starts one from the command line. Never imported by production code.

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Findings to generate across the member accounts and regions. */
  findings?: number;
  regions?: string[];
  /** Member accounts (each with Security Hub enabled and a role Hubgraph may assume). */
  accounts?: number;
  seed?: number;
  /** false: no throttling (benchmarks). Default: AWS's quotas. */
  quotas?: boolean;
  rate?: number;
  burst?: number;
  latencyMs?: number;
  faultRate?: number;
  faultKinds?: FaultKind[];
  tls?: boolean;
  /** The emulator clock's start (default: now). */
  now?: Date;
  /** Adds a Security Hub administrator account (ADMINISTRATOR_ACCOUNT_ID) of all the member accounts. */
  administrator?: boolean;
  /**
   * The external ID every role requires (a prepared connector's, so the roles trust Hubgraph as its
   * awsSetup.trustPolicy says); default: a random one per role.
   */
  trustExternalId?: string;
  /**
   * Enables the new Security Hub (V2, OCSF) beside CSPM in every read account and Region, and lets the
   * read roles call its operations. Provider findings get their OCSF twins either way.
   */
  v2?: boolean;
}

export interface EmulatorRole {
  arn: string;
  accountId: string;
  externalId: string;
}

export interface RunningEmulator {
  endpoint: string;
  baseCredentials: { accessKeyId: string; secretAccessKey: string; accountId: string; arn: string };
  accounts: string[];
  roles: EmulatorRole[];
  /** The administrator account's read role, with `administrator: true`. */
  administrator?: EmulatorRole;
  regions: string[];
  caPemPath?: string;
  emulator: Emulator;
  /** POSTs/PUTs to the admin API, as an HTTP client would (useful from another process too). */
  admin(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export const BASE_ACCOUNT_ID = '100000000001';
export const ADMINISTRATOR_ACCOUNT_ID = '999999999999';
export const READ_ROLE_NAME = 'HubgraphSecurityHubReadOnly';
export const READ_ROLE_ACTIONS = [
  'securityhub:GetFindings',
  'securityhub:DescribeHub',
  'securityhub:GetEnabledStandards',
  'securityhub:ListFindingAggregators',
  'securityhub:GetFindingAggregator',
  'securityhub:GetFindingHistory',
  'securityhub:BatchUpdateFindings',
  'securityhub:BatchImportFindings',
  'securityhub:ListEnabledProductsForImport',
];
/** What a read role may also do with `v2: true` (the new Security Hub's own actions). */
export const V2_READ_ROLE_ACTIONS = [
  'securityhub:GetFindingsV2',
  'securityhub:GetResourcesV2',
  'securityhub:BatchUpdateFindingsV2',
  'securityhub:DescribeSecurityHubV2',
  'securityhub:ListAggregatorsV2',
  'securityhub:GetAggregatorV2',
];

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = options.seed ?? 1;
  const regions = options.regions ?? ['us-east-1', 'eu-west-1'];
  const emulator = new Emulator({
    seed,
    now: options.now,
    quotas: options.quotas ?? true,
    rate: options.rate,
    burst: options.burst,
    latencyMs: options.latencyMs ?? 0,
    faultRate: options.faultRate ?? 0,
    faultKinds: options.faultKinds ?? ['500', '503', 'reset', 'slow'],
  });
  const random = seededRandom(seed ^ 0xacc0);
  emulator.identity.addAccount(BASE_ACCOUNT_ID, 'hubgraph');
  const base = emulator.identity.addUser(BASE_ACCOUNT_ID, 'hubgraph', ['sts:AssumeRole']);
  const accounts = Array.from({ length: options.accounts ?? 2 }, (_, i) =>
    String(111_111_111_111 * (i + 1))
      .padStart(12, '0')
      .slice(0, 12),
  );
  // An account Hubgraph reads through a role: Security Hub enabled in every Region.
  const addReadAccount = (accountId: string): EmulatorRole => {
    emulator.identity.addAccount(accountId);
    // Drawn either way, so the seeded sequence (every id after it) is the same with or without it.
    const drawn = `hubgraph-${random.hex(32)}`;
    const externalId = options.trustExternalId ?? drawn;
    const role = emulator.identity.addRole(
      accountId,
      READ_ROLE_NAME,
      { principals: [base.arn], externalId },
      options.v2 ? [...READ_ROLE_ACTIONS, ...V2_READ_ROLE_ACTIONS] : READ_ROLE_ACTIONS,
      43_200,
    );
    for (const region of regions) {
      const hub = emulator.store.enable(accountId, region, emulator.clock.now());
      if (options.v2) hub.v2EnabledAt ??= emulator.clock.now().toISOString();
    }
    return { arn: role.arn, accountId, externalId };
  };
  const roles = accounts.map(addReadAccount);
  let administrator: EmulatorRole | undefined;
  if (options.administrator) {
    if (accounts.includes(ADMINISTRATOR_ACCOUNT_ID))
      throw new Error(`the administrator ${ADMINISTRATOR_ACCOUNT_ID} cannot also be a member account`);
    administrator = addReadAccount(ADMINISTRATOR_ACCOUNT_ID);
    emulator.store.members.set(ADMINISTRATOR_ACCOUNT_ID, [...accounts]);
  }
  emulator.memberAccountIds = accounts;
  emulator.regions = regions;
  if ((options.findings ?? 0) > 0)
    emulator.seedFindings({ count: options.findings!, seed, accountIds: accounts, regions });

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      if (path.startsWith('/_emulator/')) {
        const result = handleAdmin(emulator, req.method ?? 'GET', path, body);
        res.writeHead(result.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result.body));
        return;
      }
      emulator.handleAws(req, res, body).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
  };

  let server: Server;
  let caPemPath: string | undefined;
  if (options.tls) {
    const tls = await certificates();
    caPemPath = tls.caPemPath;
    server = createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
  } else {
    server = createHttpServer(handler);
  }
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `${options.tls ? 'https' : 'http'}://${options.tls ? 'localhost' : (options.host ?? '127.0.0.1')}:${port}`;
  return {
    endpoint,
    baseCredentials: {
      accessKeyId: base.accessKeyId,
      secretAccessKey: base.secretAccessKey,
      accountId: BASE_ACCOUNT_ID,
      arn: base.arn,
    },
    accounts,
    roles,
    administrator,
    regions,
    caPemPath,
    emulator,
    async admin(method, path, body) {
      const result = handleAdmin(
        emulator,
        method,
        path,
        Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      );
      if (result.status !== 200) throw new Error(`admin ${method} ${path}: ${JSON.stringify(result.body)}`);
      return result.body;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A throwaway CA and a localhost certificate it signed; clients trust the CA's PEM. */
async function certificates(): Promise<{ key: string; cert: string; caPemPath: string }> {
  const notAfter = new Date(Date.now() + 7 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: 'Hubgraph Emulator CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  } as never);
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as never);
  const directory = mkdtempSync(join(tmpdir(), 'hubgraph-emulator-'));
  const caPemPath = join(directory, 'ca.pem');
  writeFileSync(caPemPath, ca.cert);
  return { key: leaf.private, cert: leaf.cert, caPemPath };
}
