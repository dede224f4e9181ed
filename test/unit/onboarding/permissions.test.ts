import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { permissionsPolicy, trustPolicy } from '../../../src/onboarding/aws-setup.ts';
import {
  type ActionOptions,
  CONTAINMENT_ACTIONS,
  SECURITY_HUB_ACTIONS,
} from '../../../src/onboarding/permissions.ts';

// The permissions policy Hubgraph hands to account owners is exactly what its code calls: every
// SDK command production code sends (src/, the emulator aside) is read from the source, mapped to
// its IAM action, and compared with the policy — no more actions, no fewer.

const ROOT = join(import.meta.dirname, '../../..');
const SERVICES: Record<string, string> = {
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-ec2': 'ec2',
};
/** Operations whose IAM action has another name (research/aws-api.md §7). */
const ACTION_OF: Record<string, string> = {
  'securityhub:GetFindingsV2': 'securityhub:GetFindings',
  'securityhub:BatchUpdateFindingsV2': 'securityhub:BatchUpdateFindings',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const rel = relative(ROOT, path);
    if (rel === 'src/emulator' || rel === 'src/generated') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** The IAM actions of the SDK commands a file constructs (`new XCommand(`), by named or namespace import. */
function actionsSentBy(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const actions: string[] = [];
  const record = (pkg: string, command: string) => {
    const action = `${SERVICES[pkg]}:${command.replace(/Command$/, '')}`;
    actions.push(ACTION_OF[action] ?? action);
  };
  for (const [, names, pkg] of text.matchAll(
    /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g,
  )) {
    if (!SERVICES[pkg!]) continue;
    for (const entry of names!.split(',')) {
      const [imported, local = imported] = entry
        .replace(/^\s*type\s+/, '')
        .trim()
        .split(/\s+as\s+/);
      if (imported?.endsWith('Command') && new RegExp(`new\\s+${local}\\s*\\(`).test(text))
        record(pkg!, imported);
    }
  }
  for (const [, namespace, pkg] of text.matchAll(
    /import\s*\*\s*as\s*(\w+)\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g,
  )) {
    if (!SERVICES[pkg!]) continue;
    for (const [, command] of text.matchAll(new RegExp(`${namespace}\\.(\\w+Command)\\b`, 'g')))
      record(pkg!, command!);
  }
  return actions;
}

const actionsSentUnder = (...paths: string[]) =>
  [
    ...new Set(
      paths
        .flatMap((path) => (path.endsWith('.ts') ? [join(ROOT, path)] : sourceFiles(join(ROOT, path))))
        .flatMap(actionsSentBy),
    ),
  ].sort();

const policyActions = (writeBack: boolean, options: ActionOptions = {}) =>
  permissionsPolicy(writeBack, options)
    .Statement.flatMap((statement) => statement.Action)
    .sort();

describe('the permissions policy', () => {
  const called = actionsSentUnder('src');

  it('finds the calls it checks (the scan reads the code)', () => {
    expect(called).toContain('securityhub:GetFindings');
    expect(called).toContain('sts:AssumeRole');
  });

  it('with write-back and export, allows exactly the Security Hub actions the code calls: no more, no fewer', () => {
    expect(policyActions(true, { exportFindings: true })).toEqual(
      called.filter((action) => action.startsWith('securityhub:')),
    );
  });

  it('without export, leaves out exactly the actions only export sends', () => {
    const exportSends = actionsSentUnder('src/export');
    expect(exportSends).toEqual([
      'securityhub:BatchImportFindings',
      'securityhub:DescribeHub',
      'securityhub:ListEnabledProductsForImport',
    ]);
    const exportOnly = SECURITY_HUB_ACTIONS.filter((use) => use.export).map((use) => use.action);
    expect(exportOnly).toEqual([
      'securityhub:BatchImportFindings',
      'securityhub:ListEnabledProductsForImport',
    ]);
    expect(policyActions(true)).toEqual(
      policyActions(true, { exportFindings: true }).filter((action) => !exportOnly.includes(action)),
    );
    // What else export calls is a read every connector is allowed.
    for (const action of exportSends)
      if (!exportOnly.includes(action)) expect(policyActions(false)).toContain(action);
    expect(actionsSentUnder('src/sync')).not.toContain('securityhub:BatchImportFindings');
  });

  it('with containment, allows exactly the EC2 actions the code calls, in a statement of their own', () => {
    const ec2 = called.filter((action) => action.startsWith('ec2:'));
    expect(ec2).toEqual(
      actionsSentUnder('src/containment', 'src/connectors/connection-test').filter((a) =>
        a.startsWith('ec2:'),
      ),
    );
    expect(ec2.length).toBeGreaterThanOrEqual(6);
    expect(policyActions(false, { containment: true }).filter((action) => action.startsWith('ec2:'))).toEqual(
      ec2,
    );
    expect(CONTAINMENT_ACTIONS.map((use) => use.action).sort()).toEqual(ec2);
    expect(permissionsPolicy(false, { containment: true }).Statement.at(-1)).toMatchObject({
      Sid: 'HubgraphContainsThreats',
      Action: ec2,
    });
    // Off, no EC2 action is asked for.
    expect(policyActions(true).some((action) => action.startsWith('ec2:'))).toBe(false);
  });

  it('without write-back, leaves out exactly the actions write-back sends', () => {
    const writeBack = actionsSentUnder('src/writeback/service.ts');
    expect(writeBack).toEqual(['securityhub:BatchUpdateFindings']);
    expect(SECURITY_HUB_ACTIONS.filter((use) => use.writeBack).map((use) => use.action)).toEqual(writeBack);
    expect(policyActions(false)).toEqual(policyActions(true).filter((action) => !writeBack.includes(action)));
  });

  it('allows every read the sync and the connection test make, without write-back or export', () => {
    const reads = policyActions(false);
    const optional = SECURITY_HUB_ACTIONS.filter((use) => use.writeBack || use.export).map(
      (use) => use.action,
    );
    for (const action of actionsSentUnder('src/sync', 'src/connectors/connection-test'))
      if (action.startsWith('securityhub:') && !optional.includes(action)) expect(reads).toContain(action);
    // The sync never writes.
    expect(actionsSentUnder('src/sync')).not.toContain('securityhub:BatchUpdateFindings');
  });

  it('leaves STS to the trust policy: AssumeRole is what it allows, GetCallerIdentity needs no permission', () => {
    expect(called.filter((action) => action.startsWith('sts:'))).toEqual([
      'sts:AssumeRole',
      'sts:GetCallerIdentity',
    ]);
    expect(
      trustPolicy('arn:aws:iam::111122223333:role/hubgraph', 'hg-x').Statement.map((s) => s.Action),
    ).toEqual(['sts:AssumeRole']);
  });

  it('says what each action is for', () => {
    for (const use of [...SECURITY_HUB_ACTIONS, ...CONTAINMENT_ACTIONS])
      expect(use.purpose.length).toBeGreaterThan(20);
  });
});
