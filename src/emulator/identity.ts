import { createHash } from 'node:crypto';
import { AwsError } from './errors.ts';
import { seededRandom } from './generator/random.ts';

// Accounts, IAM users with access keys, roles with trust policies and allowed actions, and the
// temporary sessions AssumeRole hands out. Enough of IAM to fail the way AWS fails.

export interface User {
  kind: 'user';
  arn: string;
  accountId: string;
  name: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  actions: string[];
}

export interface TrustPolicy {
  /** Principals allowed to assume the role: ARNs, or account ids (any principal of the account). */
  principals: string[];
  /** When set, AssumeRole must present exactly this sts:ExternalId. */
  externalId?: string;
}

export interface Role {
  arn: string;
  accountId: string;
  name: string;
  roleId: string;
  trust: TrustPolicy;
  actions: string[];
  /** Seconds; AWS allows 1–12 hours. */
  maxSessionDuration: number;
}

export interface Session {
  kind: 'session';
  arn: string;
  accountId: string;
  role: Role;
  sessionName: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

export type Principal = User | Session;

export interface Credentials {
  principal: Principal;
  secretAccessKey: string;
  sessionToken?: string;
}

export class Identity {
  readonly accounts = new Map<string, { id: string; name: string }>();
  private readonly users = new Map<string, User>();
  private readonly roles = new Map<string, Role>();
  private readonly sessions = new Map<string, Session>();
  private readonly random;

  constructor(seed: number) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  addAccount(id: string, name = `account-${id}`): { id: string; name: string } {
    if (!/^\d{12}$/.test(id)) throw new Error(`account id must be 12 digits: ${id}`);
    const account = { id, name };
    this.accounts.set(id, account);
    return account;
  }

  addUser(
    accountId: string,
    name: string,
    actions: string[] = ['*'],
    keys?: { accessKeyId: string; secretAccessKey: string },
  ): User {
    this.requireAccount(accountId);
    const user: User = {
      kind: 'user',
      arn: `arn:aws:iam::${accountId}:user/${name}`,
      accountId,
      name,
      userId: `AIDA${this.random.hex(17).toUpperCase()}`,
      accessKeyId: keys?.accessKeyId ?? `AKIA${this.token(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      secretAccessKey:
        keys?.secretAccessKey ??
        this.token(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
      actions,
    };
    this.users.set(user.accessKeyId, user);
    return user;
  }

  addRole(
    accountId: string,
    name: string,
    trust: TrustPolicy,
    actions: string[],
    maxSessionDuration = 3600,
  ): Role {
    this.requireAccount(accountId);
    if (maxSessionDuration < 3600 || maxSessionDuration > 43_200)
      throw new Error('MaxSessionDuration must be 3600–43200 seconds');
    const role: Role = {
      arn: `arn:aws:iam::${accountId}:role/${name}`,
      accountId,
      name,
      roleId: `AROA${this.random.hex(17).toUpperCase()}`,
      trust,
      actions,
      maxSessionDuration,
    };
    this.roles.set(role.arn, role);
    return role;
  }

  role(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  allRoles(): Role[] {
    return [...this.roles.values()];
  }

  /** The credentials behind an access key id, as SigV4 verification needs them. */
  credentials(accessKeyId: string): Credentials | undefined {
    const user = this.users.get(accessKeyId);
    if (user) return { principal: user, secretAccessKey: user.secretAccessKey };
    const session = this.sessions.get(accessKeyId);
    if (session)
      return {
        principal: session,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
      };
    return undefined;
  }

  createSession(role: Role, sessionName: string, durationSeconds: number, nowMs: number): Session {
    const session: Session = {
      kind: 'session',
      arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`,
      accountId: role.accountId,
      role,
      sessionName,
      userId: `${role.roleId}:${sessionName}`,
      accessKeyId: `ASIA${this.token(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      secretAccessKey: this.token(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
      sessionToken: Buffer.from(createHash('sha256').update(this.random.hex(64)).digest())
        .toString('base64')
        .repeat(6),
      expiresAt: nowMs + durationSeconds * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  /** Whether a principal may call an action (IAM's `*` and `service:*` wildcards). */
  static allows(principal: Principal, action: string): boolean {
    const actions = principal.kind === 'user' ? principal.actions : principal.role.actions;
    const service = action.split(':')[0];
    return actions.some((allowed) => allowed === '*' || allowed === action || allowed === `${service}:*`);
  }

  /** Whether a role's trust policy lets this principal assume it with this external id. */
  static trusts(role: Role, principal: Principal, externalId: string | undefined): boolean {
    // A role session is trusted through its role's ARN, as AWS does (role chaining).
    const trusted = role.trust.principals.some(
      (entry) =>
        entry === principal.arn ||
        (principal.kind === 'session' && entry === principal.role.arn) ||
        entry === principal.accountId ||
        entry === `arn:aws:iam::${principal.accountId}:root`,
    );
    // An external id sent to a role that does not require one is accepted, as AWS does.
    const externalOk = role.trust.externalId === undefined || role.trust.externalId === externalId;
    return trusted && externalOk;
  }

  private requireAccount(accountId: string): void {
    if (!this.accounts.has(accountId))
      throw new AwsError('NoSuchEntity', 404, `Account ${accountId} does not exist in the emulator.`);
  }

  private token(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.random.int(0, alphabet.length - 1)];
    return out;
  }
}
