import { describe, expect, it } from 'vitest';
import {
  type AwsSetupInput,
  awsSetup,
  permissionsPolicy,
  trustPolicy,
} from '../../../src/onboarding/aws-setup.ts';

// The documents of one connector's IAM set-up say the same thing in every form: the CloudFormation
// role, the StackSet's template and the CLI's files are the trust and permissions policies, as-is.

const input = (overrides: Partial<AwsSetupInput> = {}): AwsSetupInput => ({
  principal: 'arn:aws:iam::111122223333:role/hubgraph',
  principalProblem: null,
  externalId: 'hg-EXAMPLEexternalId0123456789abcdefghij',
  roleName: 'HubgraphSecurityHub',
  roleArn: null,
  partition: 'aws',
  writeBack: false,
  sessionDurationSeconds: 3600,
  ...overrides,
});

type Template = {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, { Properties: Record<string, unknown> }>;
};

/** The policies inside a CLI script's here-documents, by file name. */
function heredocs(script: string): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const [, name, body] of script.matchAll(/cat > (\S+) <<'EOF'\n([\s\S]*?)\nEOF/g))
    files[name!] = JSON.parse(body!);
  return files;
}

describe("a connector's AWS set-up", () => {
  it('trusts only the principal, only with the external ID', () => {
    expect(awsSetup(input()).trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'HubgraphAssumesThisRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:role/hubgraph' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'hg-EXAMPLEexternalId0123456789abcdefghij' } },
        },
      ],
    });
  });

  it('lists securityhub:BatchImportFindings, in its own statement, only when export is on', () => {
    const off = awsSetup(input({ writeBack: true }));
    expect(off.actions.map((use) => use.action)).not.toContain('securityhub:BatchImportFindings');
    const on = awsSetup(input({ writeBack: true, exportFindings: true }));
    expect(on.permissionsPolicy.Statement.at(-1)).toEqual({
      Sid: 'HubgraphExportsToSecurityHub',
      Effect: 'Allow',
      Action: ['securityhub:BatchImportFindings', 'securityhub:ListEnabledProductsForImport'],
      Resource: '*',
    });
    expect(on.actions.filter((use) => use.export).map((use) => use.action)).toEqual([
      'securityhub:BatchImportFindings',
      'securityhub:ListEnabledProductsForImport',
    ]);
    const role = (on.cloudFormationTemplate as Template).Resources.HubgraphRole!.Properties;
    expect(role.Description).toBe(
      'Lets Hubgraph read AWS Security Hub findings, write triage changes back and import findings.',
    );
    expect(role.Policies).toEqual([
      { PolicyName: 'HubgraphSecurityHub', PolicyDocument: on.permissionsPolicy },
    ]);
  });

  it('adds the write-back statement only when write-back is on', () => {
    expect(permissionsPolicy(false).Statement.map((statement) => statement.Sid)).toEqual([
      'HubgraphReadsSecurityHub',
    ]);
    expect(permissionsPolicy(true).Statement.map((statement) => statement.Sid)).toEqual([
      'HubgraphReadsSecurityHub',
      'HubgraphWritesBackToSecurityHub',
    ]);
    expect(
      awsSetup(input({ writeBack: true }))
        .actions.filter((use) => use.writeBack)
        .map((use) => use.action),
    ).toEqual(['securityhub:BatchUpdateFindings']);
  });

  for (const writeBack of [false, true]) {
    it(`puts the same policies in the CloudFormation role, the StackSet and the CLI (write-back ${writeBack ? 'on' : 'off'})`, () => {
      const setup = awsSetup(input({ writeBack, sessionDurationSeconds: 7200 }));
      const role = (setup.cloudFormationTemplate as Template).Resources.HubgraphRole!;
      expect(role.Properties).toMatchObject({
        RoleName: 'HubgraphSecurityHub',
        MaxSessionDuration: 7200,
        AssumeRolePolicyDocument: setup.trustPolicy,
        Policies: [{ PolicyName: 'HubgraphSecurityHub', PolicyDocument: setup.permissionsPolicy }],
      });
      const stackSet = (setup.stackSetTemplate as Template).Resources.HubgraphRoleStackSet!.Properties;
      expect(JSON.parse(stackSet.TemplateBody as string)).toEqual(setup.cloudFormationTemplate);
      expect(stackSet).toMatchObject({
        PermissionModel: 'SERVICE_MANAGED',
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      });
      expect(heredocs(setup.cliCommands!)).toEqual({
        'hubgraph-trust-policy.json': setup.trustPolicy,
        'hubgraph-permissions-policy.json': setup.permissionsPolicy,
      });
      expect(setup.cliCommands).toContain('aws iam create-role --role-name HubgraphSecurityHub');
      expect(setup.cliCommands).toContain('--max-session-duration 7200');
    });
  }

  it('gives the role a MaxSessionDuration of at least an hour and at least the connector session', () => {
    const duration = (seconds: number) =>
      (awsSetup(input({ sessionDurationSeconds: seconds })).cloudFormationTemplate as Template).Resources
        .HubgraphRole!.Properties.MaxSessionDuration;
    expect([duration(900), duration(3600), duration(43_200)]).toEqual([3600, 3600, 43_200]);
  });

  it('asks for the principal as a parameter rather than guess it, when STS could not say', () => {
    const setup = awsSetup(input({ principal: null, principalProblem: 'no credentials' }));
    expect(setup).toMatchObject({ trustPolicy: null, cliCommands: null, principalProblem: 'no credentials' });
    const template = setup.cloudFormationTemplate as Template;
    expect(Object.keys(template.Parameters!)).toEqual(['HubgraphPrincipal']);
    expect(template.Resources.HubgraphRole!.Properties.AssumeRolePolicyDocument).toEqual(
      trustPolicy({ Ref: 'HubgraphPrincipal' }, 'hg-EXAMPLEexternalId0123456789abcdefghij'),
    );
    const stackSet = setup.stackSetTemplate as Template;
    expect(Object.keys(stackSet.Parameters!)).toEqual(['OrganizationalUnitIds', 'HubgraphPrincipal']);
  });
});
