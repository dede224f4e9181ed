import { z } from 'zod';

// Environment -> typed config, in one place. Every bad variable is reported at once, with what is
// expected, and the process exits before it opens a port.

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    DATA_DIR: z.string().min(1).default('.data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HUBGRAPH_MASTER_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/_-]{43}=?$|^[0-9a-fA-F]{64}$/, 'must be 32 bytes, as base64 or 64 hex digits')
      .optional(),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(24 * 3600),
    HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: booleanFromEnv.default(false),
    HUBGRAPH_AWS_CA_BUNDLE: z.string().min(1).optional(),
    HUBGRAPH_ENDPOINT_ALLOWLIST: z
      .string()
      .regex(
        /^\s*[0-9a-fA-F:.]+(\/\d{1,3})?\s*(,\s*[0-9a-fA-F:.]+(\/\d{1,3})?\s*)*$/,
        'a comma-separated list of IP addresses or CIDRs, e.g. 127.0.0.1/32,10.20.0.0/16',
      )
      .optional(),
    HUBGRAPH_DEFAULT_CHAIN_TENANTS: z.string().optional(),
    HUBGRAPH_CONNECTION_TEST_DEADLINE_SECONDS: z.coerce.number().min(1).max(300).default(20),
    HUBGRAPH_AWS_CALL_DEADLINE_SECONDS: z.coerce.number().min(1).max(900).default(120),
    GRAPHQL_INLINE_TRACING: booleanFromEnv.default(false),
    GRAPHQL_INTROSPECTION: booleanFromEnv.optional(),
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(12),
    GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(50_000),
    GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(1).default(30),
    GRAPHQL_TENANT_COST_PER_SECOND: z.coerce.number().int().min(1).default(25_000),
    GRAPHQL_TENANT_COST_BURST: z.coerce.number().int().min(1).default(250_000),
    GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).default(5000),
    HUBGRAPH_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    HUBGRAPH_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    GRAPHQL_METRICS_OPERATIONS: z.string().optional(),
    HUBGRAPH_WS_MAX_MESSAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(256 * 1024),
    HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
    HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT: z.coerce.number().int().min(1).default(1000),
    HUBGRAPH_WS_MAX_CONNECTIONS_PER_TENANT: z.coerce.number().int().min(1).default(100),
    HUBGRAPH_GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    HUBGRAPH_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    HUBGRAPH_SYNC_LOOKBACK_MINUTES: z.coerce
      .number()
      .min(0)
      .max(7 * 24 * 60)
      .default(30),
    HUBGRAPH_SYNC_SWEEP_HOURS: z.coerce
      .number()
      .min(1)
      .max(90 * 24)
      .default(24),
    HUBGRAPH_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    HUBGRAPH_SYNC_SLICES: z.coerce.number().int().min(1).max(32).default(4),
    HUBGRAPH_SYNC_FULL_SLICES: z.coerce.number().int().min(1).max(64).default(8),
    HUBGRAPH_SYNC_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    HUBGRAPH_SYNC_QUOTAS: z.enum(['aws', 'off']).default('aws'),
    HUBGRAPH_WRITEBACK_RESUME_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
    HUBGRAPH_EXPORT_RESUME_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
    HUBGRAPH_JOB_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).max(3600).default(30),
    HUBGRAPH_JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
    HUBGRAPH_JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
    HUBGRAPH_JOB_RETRY_LIMIT: z.coerce.number().int().min(0).max(100).default(10),
    HUBGRAPH_JOB_QUEUE: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
      .default('connector-run'),
  })
  .superRefine((env, ctx) => {
    if (env.GRAPHQL_TENANT_COST_BURST < env.GRAPHQL_MAX_COST) {
      ctx.addIssue({
        code: 'custom',
        path: ['GRAPHQL_TENANT_COST_BURST'],
        message: `must be at least GRAPHQL_MAX_COST (${env.GRAPHQL_MAX_COST}), or an operation within the limit could never run`,
      });
    }
    if (env.AUTH_JWKS_URL && env.AUTH_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'set AUTH_JWKS_URL or AUTH_JWT_SECRET, not both',
      });
    }
    const authOn = Boolean(env.AUTH_JWKS_URL || env.AUTH_JWT_SECRET);
    if (authOn && !env.AUTH_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_ISSUER'],
        message: 'required when JWT auth is configured',
      });
    }
    if (authOn && !env.AUTH_AUDIENCE) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_AUDIENCE'],
        message: 'required when JWT auth is configured',
      });
    }
    if (env.NODE_ENV === 'production' && !authOn) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWKS_URL'],
        message: 'production needs AUTH_JWKS_URL or AUTH_JWT_SECRET (dev mode serves one tenant to anyone)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.HUBGRAPH_MASTER_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUBGRAPH_MASTER_KEY'],
        message: 'required in production: generate one with `openssl rand -base64 32`',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface AuthConfig {
  kind: 'jwks' | 'secret';
  jwksUrl?: string;
  secret?: string;
  issuer: string;
  audience: string;
  tenantClaim: string;
  /** Longest a token may still be valid for when it is presented (its `exp` is required). */
  maxTokenLifetimeSeconds: number;
}

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** PostgreSQL cancels a statement that runs longer (0: never). */
  databaseStatementTimeoutMs: number;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  masterKey: string | undefined;
  /** Undefined: dev mode, one tenant, no authentication. */
  auth: AuthConfig | undefined;
  allowCustomEndpoints: boolean;
  /** Internal addresses (CIDRs) custom endpoints may reach (an emulator on loopback). */
  endpointAllowList: string[];
  /**
   * Tenants whose connectors may read with Hubgraph's own AWS identity (DEFAULT_CHAIN): '*' all;
   * by default only the dev tenant (no JWT auth).
   */
  defaultChainTenants: ReadonlySet<string>;
  /** Longest one connection-test check may take. */
  connectionTestDeadlineSeconds: number;
  /** Longest one call to AWS may take, its retries and their back-off included. */
  awsCallDeadlineSeconds: number;
  /** PEM file of extra CAs to trust when talking to AWS (a TLS-inspecting proxy, the emulator). */
  awsCaBundle: string | undefined;
  graphql: {
    inlineTracing: boolean;
    introspection: boolean;
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    /** Each tenant's query budget (cost units, cost.ts): refill per second, and the most it holds. */
    tenantCostPerSecond: number;
    tenantCostBurst: number;
    /** Lexical tokens a document may have: the parser stops there, before building anything bigger. */
    maxTokens: number;
  };
  metrics: {
    /** Bearer token /metrics asks for on the service's port. */
    token: string | undefined;
    /** A port of its own for /metrics (and health), instead of the service's. */
    port: number | undefined;
    /** Operation names that become metric labels; any other name is counted as `other`. */
    operations: ReadonlySet<string>;
  };
  websocket: {
    /** Largest message a client may send; `ws` refuses a bigger one from its header, unread. */
    maxMessageBytes: number;
    maxSubscriptionsPerConnection: number;
    maxSubscriptionsPerTenant: number;
    maxConnectionsPerTenant: number;
  };
  /** The header value (`x-hubgraph-gateway-secret`) that lets the router read `_service`. */
  gatewaySecret: string | undefined;
  shutdownGraceMs: number;
  /** What this process does: serve the API, run sync jobs, or both. */
  role: 'all' | 'api' | 'worker';
  writeBack: {
    /** A findings update nobody advanced for this long is resumed by a worker (its process died). */
    resumeAfterSeconds: number;
  };
  export: {
    /** A findings export nobody advanced for this long is resumed by a worker (its process died). */
    resumeAfterSeconds: number;
  };
  sync: {
    lookbackMinutes: number;
    sweepHours: number;
    /** Runs at once per worker process. */
    concurrency: number;
    /** Sub-windows paged at once per account-Region. */
    slices: number;
    /** Sub-windows a full read of Security Hub's 90 days starts with (idle ones split busy ones). */
    fullSlices: number;
    maxAttempts: number;
    /** 'off' only against an emulator without quotas (benchmarks). */
    quotas: 'aws' | 'off';
  };
  jobs: {
    heartbeatSeconds: number;
    pollSeconds: number;
    retryDelaySeconds: number;
    retryLimit: number;
    queue: string;
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings are "unset": shells and compose files produce them for absent values.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const auth: AuthConfig | undefined =
    env.AUTH_JWKS_URL || env.AUTH_JWT_SECRET
      ? {
          kind: env.AUTH_JWKS_URL ? 'jwks' : 'secret',
          jwksUrl: env.AUTH_JWKS_URL,
          secret: env.AUTH_JWT_SECRET,
          issuer: env.AUTH_ISSUER!,
          audience: env.AUTH_AUDIENCE!,
          tenantClaim: env.AUTH_TENANT_CLAIM,
          maxTokenLifetimeSeconds: env.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
        }
      : undefined;
  return {
    env: env.NODE_ENV,
    production,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databaseStatementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    dataDir: env.DATA_DIR,
    logLevel: env.LOG_LEVEL,
    masterKey: env.HUBGRAPH_MASTER_KEY,
    auth,
    allowCustomEndpoints: env.HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS,
    endpointAllowList: listOf(env.HUBGRAPH_ENDPOINT_ALLOWLIST),
    connectionTestDeadlineSeconds: env.HUBGRAPH_CONNECTION_TEST_DEADLINE_SECONDS,
    awsCallDeadlineSeconds: env.HUBGRAPH_AWS_CALL_DEADLINE_SECONDS,
    defaultChainTenants: new Set(
      env.HUBGRAPH_DEFAULT_CHAIN_TENANTS === undefined
        ? auth
          ? []
          : ['*']
        : listOf(env.HUBGRAPH_DEFAULT_CHAIN_TENANTS),
    ),
    awsCaBundle: env.HUBGRAPH_AWS_CA_BUNDLE,
    graphql: {
      inlineTracing: env.GRAPHQL_INLINE_TRACING,
      introspection: env.GRAPHQL_INTROSPECTION ?? !production,
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxCost: env.GRAPHQL_MAX_COST,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      tenantCostPerSecond: env.GRAPHQL_TENANT_COST_PER_SECOND,
      tenantCostBurst: env.GRAPHQL_TENANT_COST_BURST,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
    },
    metrics: {
      token: env.HUBGRAPH_METRICS_TOKEN,
      port: env.HUBGRAPH_METRICS_PORT,
      operations: new Set(listOf(env.GRAPHQL_METRICS_OPERATIONS)),
    },
    websocket: {
      maxMessageBytes: env.HUBGRAPH_WS_MAX_MESSAGE_BYTES,
      maxSubscriptionsPerConnection: env.HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxSubscriptionsPerTenant: env.HUBGRAPH_WS_MAX_SUBSCRIPTIONS_PER_TENANT,
      maxConnectionsPerTenant: env.HUBGRAPH_WS_MAX_CONNECTIONS_PER_TENANT,
    },
    gatewaySecret: env.HUBGRAPH_GATEWAY_SECRET,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    role: env.HUBGRAPH_ROLE,
    writeBack: { resumeAfterSeconds: env.HUBGRAPH_WRITEBACK_RESUME_SECONDS },
    export: { resumeAfterSeconds: env.HUBGRAPH_EXPORT_RESUME_SECONDS },
    sync: {
      lookbackMinutes: env.HUBGRAPH_SYNC_LOOKBACK_MINUTES,
      sweepHours: env.HUBGRAPH_SYNC_SWEEP_HOURS,
      concurrency: env.HUBGRAPH_SYNC_CONCURRENCY,
      slices: env.HUBGRAPH_SYNC_SLICES,
      fullSlices: env.HUBGRAPH_SYNC_FULL_SLICES,
      maxAttempts: env.HUBGRAPH_SYNC_MAX_ATTEMPTS,
      quotas: env.HUBGRAPH_SYNC_QUOTAS,
    },
    jobs: {
      heartbeatSeconds: env.HUBGRAPH_JOB_HEARTBEAT_SECONDS,
      pollSeconds: env.HUBGRAPH_JOB_POLL_SECONDS,
      retryDelaySeconds: env.HUBGRAPH_JOB_RETRY_DELAY_SECONDS,
      retryLimit: env.HUBGRAPH_JOB_RETRY_LIMIT,
      queue: env.HUBGRAPH_JOB_QUEUE,
    },
  };
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
