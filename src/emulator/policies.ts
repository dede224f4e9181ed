import { AwsError } from './errors.ts';
import type { TrustPolicy } from './identity.ts';

// IAM policy documents, as far as the emulator's IAM goes: a role's trust policy (who may assume it,
// with which sts:ExternalId) and its permissions policy (which actions it may call). A document that
// says more than the emulator can enforce is refused with MalformedPolicyDocument, naming what it
// cannot do, rather than half-applied: a test must not pass on a condition nobody checked.

type Statement = Record<string, unknown>;

const malformed = (message: string) => new AwsError('MalformedPolicyDocument', 400, message);

/** A document as IAM takes it: an object, or its JSON text. */
function statementsOf(document: unknown): Statement[] {
  let parsed = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      throw malformed('The policy document is not JSON.');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw malformed('A policy document is a JSON object with a "Statement".');
  const { Version, Statement } = parsed as Record<string, unknown>;
  if (Version !== undefined && Version !== '2012-10-17' && Version !== '2008-10-17')
    throw malformed(`Unknown policy version ${JSON.stringify(Version)}.`);
  const statements = Array.isArray(Statement) ? Statement : Statement === undefined ? [] : [Statement];
  if (statements.length === 0) throw malformed('The policy has no Statement.');
  statements.forEach((statement, index) => {
    if (typeof statement !== 'object' || statement === null || Array.isArray(statement))
      throw malformed(`Statement[${index}] is not an object.`);
    const s = statement as Statement;
    if (s.Effect !== 'Allow')
      throw malformed(
        `Statement[${index}]: the emulator supports Effect "Allow" only, not ${JSON.stringify(s.Effect)}.`,
      );
    for (const key of ['NotAction', 'NotPrincipal', 'NotResource'])
      if (key in s) throw malformed(`Statement[${index}]: the emulator does not support ${key}.`);
  });
  return statements as Statement[];
}

const list = (value: unknown, what: string): string[] => {
  const values = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || values.length === 0 || values.some((item) => typeof item !== 'string'))
    throw malformed(`${what} must be a string or a list of strings.`);
  return values as string[];
};

/**
 * The trust of a role from its trust policy (AssumeRolePolicyDocument): the principals of its
 * sts:AssumeRole statements and the one external ID they require, if any.
 */
export function trustFromPolicyDocument(document: unknown): TrustPolicy {
  const grants = statementsOf(document).flatMap((statement, index) => {
    const actions = list(statement.Action, `Statement[${index}].Action`);
    if (!actions.includes('sts:AssumeRole')) return [];
    const principal = statement.Principal as Record<string, unknown> | undefined;
    if (typeof principal !== 'object' || principal === null || principal.AWS === undefined)
      throw malformed(`Statement[${index}]: the emulator trusts AWS principals only ({"AWS": …}).`);
    const principals = list(principal.AWS, `Statement[${index}].Principal.AWS`);
    if (principals.includes('*'))
      throw malformed(`Statement[${index}]: the emulator does not support the principal "*".`);
    return [{ principals, externalId: externalIdCondition(statement.Condition, index) }];
  });
  if (grants.length === 0) throw malformed('No statement allows sts:AssumeRole.');
  const externalIds = new Set(grants.map((grant) => grant.externalId));
  if (externalIds.size > 1)
    throw malformed('The emulator supports one sts:ExternalId condition shared by every statement.');
  const externalId = grants[0]!.externalId;
  return {
    principals: [...new Set(grants.flatMap((grant) => grant.principals))],
    ...(externalId !== undefined ? { externalId } : {}),
  };
}

/** `{"StringEquals": {"sts:ExternalId": "…"}}` and nothing else. */
function externalIdCondition(condition: unknown, index: number): string | undefined {
  if (condition === undefined) return undefined;
  const at = `Statement[${index}].Condition`;
  const entries = typeof condition === 'object' && condition !== null ? Object.entries(condition) : [];
  const [operator, keys] = entries[0] ?? [];
  const keyEntries = typeof keys === 'object' && keys !== null ? Object.entries(keys) : [];
  if (
    entries.length !== 1 ||
    operator !== 'StringEquals' ||
    keyEntries.length !== 1 ||
    keyEntries[0]![0] !== 'sts:ExternalId'
  )
    throw malformed(`${at}: the emulator supports {"StringEquals": {"sts:ExternalId": "…"}} only.`);
  const values = list(keyEntries[0]![1], `${at}.StringEquals["sts:ExternalId"]`);
  if (values.length !== 1) throw malformed(`${at}: the emulator supports one external ID per role.`);
  return values[0];
}

/** The actions a permissions policy allows; the emulator grants them account-wide (Resource "*"). */
export function actionsFromPolicyDocument(document: unknown): string[] {
  const actions = statementsOf(document).flatMap((statement, index) => {
    if (statement.Condition !== undefined)
      throw malformed(
        `Statement[${index}]: the emulator does not support conditions in permissions policies.`,
      );
    const resources = list(statement.Resource, `Statement[${index}].Resource`);
    if (resources.some((resource) => resource !== '*'))
      throw malformed(
        `Statement[${index}]: the emulator grants actions on every resource; Resource must be "*".`,
      );
    return list(statement.Action, `Statement[${index}].Action`);
  });
  return [...new Set(actions)];
}
