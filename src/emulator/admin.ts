import { randomUUID } from 'node:crypto';
import { type Emulator, FAULT_KINDS, type FaultKind } from './emulator.ts';
import { AwsError } from './errors.ts';
import { actionsFromPolicyDocument, trustFromPolicyDocument } from './policies.ts';
import {
  PRESENCES,
  type Presence,
  REGION_LINKING_MODES,
  type RegionLinkingMode,
} from './securityhub/store.ts';
import { placeFinding } from './securityhub/v2-operations.ts';

// The emulator's own control API under /_emulator/ — JSON, unauthenticated, loopback only, and
// deliberately not AWS-shaped. Tests, the demo and benchmarks use it to set the scene.

type Handler = (emulator: Emulator, body: Record<string, unknown>) => unknown;

class AdminError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const text = (body: Record<string, unknown>, key: string, required = true): string | undefined => {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw new AdminError(400, `"${key}" is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AdminError(400, `"${key}" must be a string`);
  return value;
};

const strings = (body: Record<string, unknown>, key: string, fallback: string[]): string[] => {
  const value = body[key];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new AdminError(400, `"${key}" must be a list of strings`);
  return value as string[];
};

/** An optional number: undefined when absent, else within [min, max] (and whole, if asked). */
const number = (
  body: Record<string, unknown>,
  key: string,
  rule: { min: number; max?: number; integer?: boolean; above?: boolean; what: string },
): number | undefined => {
  const value = body[key];
  if (value === undefined) return undefined;
  const fits =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.above ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.integer || Number.isInteger(value));
  if (!fits) throw new AdminError(400, `"${key}" must be ${rule.what}`);
  return value as number;
};

const flag = (body: Record<string, unknown>, key: string): boolean | undefined => {
  const value = body[key];
  if (value !== undefined && typeof value !== 'boolean')
    throw new AdminError(400, `"${key}" must be true or false`);
  return value;
};

const roleOf = (emulator: Emulator, arn: string) => {
  const role = emulator.identity.role(arn);
  if (!role) throw new AdminError(404, `no role ${arn}`);
  return role;
};

const linkingMode = (body: Record<string, unknown>): RegionLinkingMode => {
  const mode = text(body, 'regionLinkingMode', false) ?? 'ALL_REGIONS';
  if (!(REGION_LINKING_MODES as readonly string[]).includes(mode))
    throw new AdminError(400, `"regionLinkingMode" must be one of ${REGION_LINKING_MODES.join(', ')}`);
  return mode as RegionLinkingMode;
};

/** As CreateFindingAggregator: a Regions list with the modes that use one, and only with those. */
const linkedRegionList = (body: Record<string, unknown>, mode: RegionLinkingMode): string[] => {
  const regions = strings(body, 'regions', []);
  const usesList = mode === 'ALL_REGIONS_EXCEPT_SPECIFIED' || mode === 'SPECIFIED_REGIONS';
  if (usesList && regions.length === 0) throw new AdminError(400, `"regions" is required with ${mode}`);
  if (!usesList && regions.length > 0) throw new AdminError(400, `"regions" is not allowed with ${mode}`);
  return regions;
};

const ACCOUNT_ID = /^\d{12}$/;

const presenceOf = (body: Record<string, unknown>, key: string): Presence | undefined => {
  const value = text(body, key, false);
  if (value !== undefined && !(PRESENCES as readonly string[]).includes(value))
    throw new AdminError(400, `"${key}" must be one of ${PRESENCES.join(', ')}`);
  return value as Presence | undefined;
};

const accountIdOf = (body: Record<string, unknown>, key: string): string => {
  const id = text(body, key)!;
  if (!ACCOUNT_ID.test(id)) throw new AdminError(400, `"${key}" must be a 12-digit account id`);
  return id;
};

const accountIdList = (body: Record<string, unknown>, key: string): string[] => {
  const ids = strings(body, key, []);
  const invalid = ids.find((id) => !ACCOUNT_ID.test(id));
  if (invalid !== undefined)
    throw new AdminError(400, `"${key}" holds "${invalid}", not a 12-digit account id`);
  return [...new Set(ids)];
};

/** AWS's rule: an account has at most one administrator, and an administrator is no one's member. */
const checkMembership = (emulator: Emulator, administratorAccountId: string, members: string[]): void => {
  if (members.includes(administratorAccountId))
    throw new AdminError(400, `account ${administratorAccountId} cannot be its own member`);
  const ownAdministrator = emulator.store.administratorOf(administratorAccountId);
  if (ownAdministrator)
    throw new AdminError(409, `account ${administratorAccountId} is a member of ${ownAdministrator}`);
  for (const member of members) {
    const other = emulator.store.administratorOf(member);
    if (other && other !== administratorAccountId)
      throw new AdminError(409, `account ${member} is already a member of administrator ${other}`);
    if (emulator.store.members.has(member))
      throw new AdminError(409, `account ${member} is an administrator and cannot be a member`);
  }
};

/** What the store needs to place a finding: its identity, its account and its Region. */
const hasIdentity = (finding: unknown): boolean => {
  const f = finding as Record<string, unknown> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.Id === 'string' &&
    typeof f.ProductArn === 'string' &&
    typeof f.AwsAccountId === 'string' &&
    ACCOUNT_ID.test(f.AwsAccountId) &&
    typeof f.Region === 'string'
  );
};

const ROUTES: Record<string, Handler> = {
  'GET /_emulator/state': (emulator) => ({
    now: emulator.clock.now().toISOString(),
    accounts: [...emulator.identity.accounts.values()],
    roles: emulator.identity.allRoles().map((role) => ({
      arn: role.arn,
      accountId: role.accountId,
      trust: role.trust,
      actions: role.actions,
    })),
    hubs: emulator.store.allHubs().map((hub) => ({
      accountId: hub.accountId,
      region: hub.region,
      enabled: hub.enabledAt !== null,
      findings: hub.findings.size,
      v2Enabled: hub.v2EnabledAt !== null,
      ocsfFindings: hub.ocsf.size,
    })),
    aggregatorsV2: Object.fromEntries(emulator.store.aggregatorsV2),
    organizations: Object.fromEntries(emulator.store.organizations),
    v2: { presence: emulator.presence, mirrorTriage: emulator.mirrorTriage },
    aggregators: Object.fromEntries(emulator.store.aggregators),
    administrators: Object.fromEntries(emulator.store.members),
    quotas: { enabled: emulator.limiter.enabled },
    latencyMs: emulator.latencyMs,
    faults: { rate: emulator.faultRate, kinds: emulator.faultKinds },
  }),
  'POST /_emulator/accounts': (emulator, body) =>
    emulator.identity.addAccount(accountIdOf(body, 'id'), text(body, 'name', false)),
  'POST /_emulator/users': (emulator, body) => {
    const user = emulator.identity.addUser(
      text(body, 'accountId')!,
      text(body, 'name')!,
      strings(body, 'actions', ['*']),
    );
    return { arn: user.arn, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
  },
  'POST /_emulator/roles': (emulator, body) => {
    const role = emulator.identity.addRole(
      text(body, 'accountId')!,
      text(body, 'name')!,
      body.assumeRolePolicyDocument !== undefined
        ? trustFromPolicyDocument(body.assumeRolePolicyDocument)
        : { principals: strings(body, 'trustedPrincipals', []), externalId: text(body, 'externalId', false) },
      body.policyDocument !== undefined
        ? actionsFromPolicyDocument(body.policyDocument)
        : strings(body, 'actions', []),
      number(body, 'maxSessionDuration', {
        min: 3600,
        max: 43_200,
        integer: true,
        what: 'a whole number of seconds from 3600 to 43200',
      }) ?? 3600,
    );
    return { arn: role.arn, accountId: role.accountId };
  },
  'PUT /_emulator/roles/trust': (emulator, body) => {
    const role = roleOf(emulator, text(body, 'roleArn')!);
    role.trust = {
      principals: strings(body, 'trustedPrincipals', role.trust.principals),
      externalId: text(body, 'externalId', false),
    };
    return { arn: role.arn, trust: role.trust };
  },
  // As IAM's UpdateAssumeRolePolicy: the trust policy document as-is (an object or its JSON text).
  'PUT /_emulator/roles/trust-policy': (emulator, body) => {
    const role = roleOf(emulator, text(body, 'roleArn')!);
    if (body.policyDocument === undefined) throw new AdminError(400, '"policyDocument" is required');
    role.trust = trustFromPolicyDocument(body.policyDocument);
    return { arn: role.arn, trust: role.trust };
  },
  // As IAM's PutRolePolicy: the permissions policy document as-is; its actions replace the role's.
  'PUT /_emulator/roles/policy': (emulator, body) => {
    const role = roleOf(emulator, text(body, 'roleArn')!);
    if (body.policyDocument === undefined) throw new AdminError(400, '"policyDocument" is required');
    role.actions = actionsFromPolicyDocument(body.policyDocument);
    return { arn: role.arn, actions: role.actions };
  },
  'PUT /_emulator/roles/actions': (emulator, body) => {
    const role = roleOf(emulator, text(body, 'roleArn')!);
    role.actions = strings(body, 'actions', role.actions);
    return { arn: role.arn, actions: role.actions };
  },
  'PUT /_emulator/hubs': (emulator, body) => {
    const accountId = accountIdOf(body, 'accountId');
    const region = text(body, 'region')!;
    const enabled = flag(body, 'enabled');
    const v2Enabled = flag(body, 'v2Enabled');
    // CSPM's hub is enabled unless told otherwise; the new Security Hub's only when asked.
    if (enabled ?? v2Enabled === undefined) emulator.store.enable(accountId, region, emulator.clock.now());
    else if (enabled === false) emulator.store.disable(accountId, region);
    const hub = emulator.store.hub(accountId, region);
    if (v2Enabled === true) hub.v2EnabledAt ??= emulator.clock.now().toISOString();
    if (v2Enabled === false) hub.v2EnabledAt = null;
    return { accountId, region, enabled: hub.enabledAt !== null, v2Enabled: hub.v2EnabledAt !== null };
  },
  // The new Security Hub's aggregator: a home Region that receives its linked Regions' findings.
  'POST /_emulator/aggregators-v2': (emulator, body) => {
    const accountId = accountIdOf(body, 'accountId');
    const region = text(body, 'region')!;
    const regionLinkingMode = linkingMode(body);
    const linkedRegions = linkedRegionList(body, regionLinkingMode);
    const existing = emulator.store.aggregatorsV2.get(accountId);
    if (existing)
      throw new AdminError(409, `account ${accountId} already has an aggregator V2: ${existing.arn}`);
    const arn = `arn:aws:securityhub:${region}:${accountId}:aggregatorv2/${randomUUID()}`;
    const aggregator = { arn, region, regionLinkingMode, linkedRegions };
    emulator.store.aggregatorsV2.set(accountId, aggregator);
    return aggregator;
  },
  'DELETE /_emulator/aggregators-v2': (emulator, body) => {
    const accountId = text(body, 'accountId')!;
    const aggregator = emulator.store.aggregatorsV2.get(accountId);
    if (!aggregator) throw new AdminError(404, `account ${accountId} has no aggregator V2`);
    emulator.store.aggregatorsV2.delete(accountId);
    return { arn: aggregator.arn };
  },
  // AWS Organizations as GetFindingsV2's Scopes see it: the organisation and each unit's accounts.
  'PUT /_emulator/organization': (emulator, body) => {
    const organizationId = text(body, 'organizationId')!;
    const units = body.units;
    if (typeof units !== 'object' || units === null || Array.isArray(units))
      throw new AdminError(400, '"units" must map each organizational unit id to its account ids');
    for (const [account, place] of emulator.store.organizations)
      if (place.organizationId === organizationId) emulator.store.organizations.delete(account);
    for (const unit of Object.keys(units))
      for (const accountId of accountIdList(units as Record<string, unknown>, unit))
        emulator.store.organizations.set(accountId, { organizationId, organizationalUnitId: unit });
    return { organizationId, units };
  },
  // Which API holds provider findings from now on, and whether triage crosses between the twins.
  'PUT /_emulator/v2': (emulator, body) => {
    const presence = presenceOf(body, 'presence');
    const mirrorTriage = flag(body, 'mirrorTriage');
    if (presence) emulator.presence = presence;
    if (mirrorTriage !== undefined) emulator.mirrorTriage = mirrorTriage;
    return { presence: emulator.presence, mirrorTriage: emulator.mirrorTriage };
  },
  // Where existing findings exist (for migration tests): by ASFF Id (= OCSF finding_info.uid).
  'PUT /_emulator/findings/presence': (emulator, body) => {
    const presence = presenceOf(body, 'presence');
    if (!presence) throw new AdminError(400, '"presence" is required');
    const ids = new Set(strings(body, 'ids', []));
    const all = body.ids === undefined;
    let placed = 0;
    for (const hub of emulator.store.allHubs())
      for (const key of [...hub.findings.keys(), ...hub.v1Withdrawn.keys()]) {
        if (!all && !ids.has(key.split('\u0000')[1]!)) continue;
        placeFinding(hub, key, presence);
        placed += 1;
      }
    return { placed, presence };
  },
  'POST /_emulator/aggregators': (emulator, body) => {
    const accountId = text(body, 'accountId')!;
    const region = text(body, 'region')!;
    const regionLinkingMode = linkingMode(body);
    const regions = linkedRegionList(body, regionLinkingMode);
    const existing = emulator.store.aggregators.get(accountId);
    if (existing)
      throw new AdminError(409, `account ${accountId} already has a finding aggregator: ${existing.arn}`);
    const arn = `arn:aws:securityhub:${region}:${accountId}:finding-aggregator/${randomUUID()}`;
    const aggregator = { arn, region, regionLinkingMode, regions };
    emulator.store.aggregators.set(accountId, aggregator);
    return aggregator;
  },
  'DELETE /_emulator/aggregators': (emulator, body) => {
    const accountId = text(body, 'accountId')!;
    const aggregator = emulator.store.aggregators.get(accountId);
    if (!aggregator) throw new AdminError(404, `account ${accountId} has no finding aggregator`);
    emulator.store.aggregators.delete(accountId);
    return { arn: aggregator.arn };
  },
  'PUT /_emulator/administrator': (emulator, body) => {
    const administratorAccountId = accountIdOf(body, 'administratorAccountId');
    const memberAccountIds = accountIdList(body, 'memberAccountIds');
    checkMembership(emulator, administratorAccountId, memberAccountIds);
    if (!emulator.identity.accounts.has(administratorAccountId))
      emulator.identity.addAccount(administratorAccountId);
    emulator.store.members.set(administratorAccountId, memberAccountIds);
    return { administratorAccountId, memberAccountIds };
  },
  'DELETE /_emulator/administrator': (emulator, body) => {
    const administratorAccountId = text(body, 'administratorAccountId')!;
    const memberAccountIds = emulator.store.members.get(administratorAccountId);
    if (!memberAccountIds) throw new AdminError(404, `account ${administratorAccountId} is no administrator`);
    emulator.store.members.delete(administratorAccountId);
    return { administratorAccountId, memberAccountIds };
  },
  'POST /_emulator/seed': (emulator, body) => {
    const count = number(body, 'findings', { min: 0, integer: true, what: 'a whole number ≥ 0' }) ?? 100;
    const seed = number(body, 'seed', { min: 0, integer: true, what: 'a whole number ≥ 0' }) ?? emulator.seed;
    const accountIds =
      body.accountIds === undefined ? emulator.memberAccountIds : accountIdList(body, 'accountIds');
    const regions = strings(body, 'regions', emulator.regions);
    const presence = presenceOf(body, 'presence');
    return { imported: emulator.seedFindings({ count, seed, accountIds, regions, presence }) };
  },
  'POST /_emulator/findings': (emulator, body) => {
    const findings = body.findings;
    if (!Array.isArray(findings)) throw new AdminError(400, '"findings" must be a list of ASFF findings');
    // Anything else a provider might get wrong is let through: tests hand Hubgraph what AWS should not.
    const unplaceable = findings.findIndex((finding) => !hasIdentity(finding));
    if (unplaceable >= 0)
      throw new AdminError(
        400,
        `findings[${unplaceable}] needs "Id" and "ProductArn", and "AwsAccountId" (12 digits) and "Region" to place it`,
      );
    const presence = presenceOf(body, 'presence');
    for (const finding of findings) emulator.importAsProvider(finding, presence);
    return { imported: findings.length };
  },
  'PUT /_emulator/quotas': (emulator, body) => {
    const enabled = flag(body, 'enabled');
    const rate = number(body, 'rate', {
      min: 0,
      above: true,
      what: 'a positive number of requests per second',
    });
    const burst = number(body, 'burst', { min: 1, what: 'a number of requests ≥ 1' });
    const operation = text(body, 'operation', false) ?? 'all';
    if (enabled !== undefined) emulator.limiter.enabled = enabled;
    if (rate !== undefined) emulator.limiter.overrides[operation] = { rate, burst: burst ?? rate };
    if (body.reset === true) emulator.limiter.overrides = {};
    emulator.limiter.reset();
    return { enabled: emulator.limiter.enabled, overrides: emulator.limiter.overrides };
  },
  'PUT /_emulator/latency': (emulator, body) => {
    if (typeof body.ms !== 'number' || body.ms < 0)
      throw new AdminError(400, '"ms" must be a non-negative number');
    emulator.latencyMs = body.ms;
    return { latencyMs: emulator.latencyMs };
  },
  'PUT /_emulator/faults': (emulator, body) => {
    if (body.concurrentUpdates !== undefined) {
      if (!Number.isInteger(body.concurrentUpdates) || (body.concurrentUpdates as number) < 0)
        throw new AdminError(400, '"concurrentUpdates" must be a non-negative integer');
      emulator.concurrentUpdates = body.concurrentUpdates as number;
      if (body.rate === undefined && body.duplicatePages === undefined)
        return { concurrentUpdates: emulator.concurrentUpdates };
    }
    if (body.duplicatePages !== undefined) {
      if (!Number.isInteger(body.duplicatePages) || (body.duplicatePages as number) < 0)
        throw new AdminError(400, '"duplicatePages" must be a non-negative integer');
      emulator.duplicatePages = body.duplicatePages as number;
      if (body.rate === undefined) return { duplicatePages: emulator.duplicatePages };
    }
    if (typeof body.rate !== 'number' || body.rate < 0 || body.rate > 1)
      throw new AdminError(400, '"rate" must be between 0 and 1');
    const kinds = strings(body, 'kinds', ['500', '503', 'reset', 'slow']) as FaultKind[];
    if (kinds.some((kind) => !FAULT_KINDS.includes(kind)))
      throw new AdminError(400, `fault kinds are ${FAULT_KINDS.join(', ')}`);
    emulator.faultRate = body.rate;
    emulator.faultKinds = kinds;
    emulator.faultsStruck = 0;
    return { rate: emulator.faultRate, kinds, duplicatePages: emulator.duplicatePages };
  },
  'POST /_emulator/clock/advance': (emulator, body) => {
    if (typeof body.seconds !== 'number' || body.seconds < 0)
      throw new AdminError(400, '"seconds" must be a non-negative number');
    return emulator.advance(body.seconds, flag(body, 'evolve') ?? true);
  },
  'GET /_emulator/counters': (emulator) => Object.fromEntries(emulator.counters),
  'DELETE /_emulator/counters': (emulator) => {
    emulator.counters.clear();
    return {};
  },
};

export function handleAdmin(
  emulator: Emulator,
  method: string,
  path: string,
  body: Buffer,
): { status: number; body: unknown } {
  const route = ROUTES[`${method} ${path}`];
  if (!route)
    return { status: 404, body: { error: `no admin route ${method} ${path}`, routes: Object.keys(ROUTES) } };
  try {
    const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new AdminError(400, 'the body must be a JSON object');
    return { status: 200, body: route(emulator, parsed as Record<string, unknown>) };
  } catch (error) {
    const status =
      error instanceof AdminError || error instanceof AwsError
        ? error.status
        : error instanceof SyntaxError
          ? 400
          : 500;
    return { status, body: { error: (error as Error).message } };
  }
}
