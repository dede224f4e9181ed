import { type ActionOptions, type ActionUse, actionsFor } from './permissions.ts';

// The IAM set-up of one connector, as documents an AWS account owner can apply unchanged: the role's
// trust policy, its permissions policy, a CloudFormation template (one account), a StackSets template
// (an organisation) and the AWS CLI commands. Pure: the same inputs always give the same documents,
// which is what lets docs/aws-setup.md be generated from here and checked against it.

export const DEFAULT_ROLE_NAME = 'HubgraphSecurityHub';
const PERMISSIONS_POLICY_NAME = 'HubgraphSecurityHub';
const STACK_SET_NAME = 'hubgraph-security-hub-role';

export interface AwsSetupInput {
  /** The ARN the trust policy names (see trustedPrincipalOf); null when it could not be asked. */
  principal: string | null;
  principalProblem: string | null;
  externalId: string;
  roleName: string;
  roleArn: string | null;
  partition: string;
  writeBack: boolean;
  /** Export on (findingsExport): the import actions too. */
  exportFindings?: boolean;
  /** Containment on: the EC2 actions of ipBlock/ipAllow join the permissions policy. */
  containment?: boolean;
  /** The session length the connector asks for; the role's MaxSessionDuration is at least this. */
  sessionDurationSeconds: number;
}

export interface AwsSetupModel {
  principal: string | null;
  principalProblem: string | null;
  externalId: string;
  roleName: string;
  roleArn: string | null;
  partition: string;
  trustPolicy: PolicyDocument | null;
  permissionsPolicy: PolicyDocument;
  actions: ActionUse[];
  cloudFormationTemplate: Record<string, unknown>;
  stackSetTemplate: Record<string, unknown>;
  cliCommands: string | null;
}

interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal?: { AWS: unknown };
  Action: string | string[];
  Resource?: string;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Only this principal, and only with this external ID: AWS's confused-deputy defence. */
export function trustPolicy(principal: unknown, externalId: unknown): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HubgraphAssumesThisRole',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** Exactly the actions Hubgraph calls; Resource `*` because the role reads only its own account. */
export function permissionsPolicy(writeBack: boolean, options: ActionOptions = {}): PolicyDocument {
  const uses = actionsFor(writeBack, options);
  const statement = (sid: string, actions: ActionUse[]): PolicyStatement => ({
    Sid: sid,
    Effect: 'Allow',
    Action: actions.map((use) => use.action).sort(),
    Resource: '*',
  });
  const reads = uses.filter((use) => !use.writeBack && !use.export && !use.containment);
  const writes = uses.filter((use) => use.writeBack);
  const exports = uses.filter((use) => use.export);
  const contains = uses.filter((use) => use.containment);
  return {
    Version: '2012-10-17',
    Statement: [
      statement('HubgraphReadsSecurityHub', reads),
      ...(writes.length > 0 ? [statement('HubgraphWritesBackToSecurityHub', writes)] : []),
      ...(exports.length > 0 ? [statement('HubgraphExportsToSecurityHub', exports)] : []),
      ...(contains.length > 0 ? [statement('HubgraphContainsThreats', contains)] : []),
    ],
  };
}

/**
 * What Hubgraph's own identity (the principal) needs in its account: to assume the connectors' roles.
 * The role's trust policy lets Hubgraph in; this lets Hubgraph ask.
 */
export function principalPolicy(partition: string, roleName: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HubgraphAssumesConnectorRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: `arn:${partition}:iam::*:role/${roleName}`,
      },
    ],
  };
}

/** AWS allows 1–12 hours; at least the connector's own session length. */
function maxSessionDuration(sessionDurationSeconds: number): number {
  return Math.min(43_200, Math.max(3600, sessionDurationSeconds));
}

function roleDescription(input: AwsSetupInput): string {
  const does = [
    'read AWS Security Hub findings',
    ...(input.writeBack ? ['write triage changes back'] : []),
    ...(input.exportFindings ? ['import findings'] : []),
  ];
  return `Lets Hubgraph ${does.length > 2 ? `${does.slice(0, -1).join(', ')} and ${does.at(-1)}` : does.join(' and ')}.`;
}

function roleResource(input: AwsSetupInput, principal: unknown) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: input.roleName,
      Description: roleDescription(input),
      MaxSessionDuration: maxSessionDuration(input.sessionDurationSeconds),
      AssumeRolePolicyDocument: trustPolicy(principal, input.externalId),
      Policies: [
        {
          PolicyName: PERMISSIONS_POLICY_NAME,
          PolicyDocument: permissionsPolicy(input.writeBack, {
            exportFindings: input.exportFindings,
            containment: input.containment,
          }),
        },
      ],
    },
  };
}

/** One account: the role, named, trusting Hubgraph's principal with the external ID. */
function cloudFormationTemplate(input: AwsSetupInput): Record<string, unknown> {
  // Without a known principal the template asks for it rather than guessing one.
  const principal = input.principal ?? { Ref: 'HubgraphPrincipal' };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Hubgraph: the IAM role ${input.roleName} that Hubgraph assumes with its external ID to read Security Hub.`,
    ...(input.principal === null
      ? {
          Parameters: {
            HubgraphPrincipal: {
              Type: 'String',
              Description:
                "ARN of Hubgraph's AWS identity (its STS GetCallerIdentity; a role for a session).",
              AllowedPattern: '^arn:aws[a-z-]*:(iam|sts)::\\d{12}:.+$',
            },
          },
        }
      : {}),
    Resources: { HubgraphRole: roleResource(input, principal) },
    Outputs: {
      RoleArn: {
        Description: "The connector's auth.roleArn.",
        Value: { 'Fn::GetAtt': ['HubgraphRole', 'Arn'] },
      },
    },
  };
}

/**
 * An organisation: deployed once in the management account (or a delegated StackSets administrator),
 * a service-managed StackSet that creates the same role in every account of the given organisational
 * units, and in accounts that join them later. IAM is global, so one Region's stack instance suffices.
 */
function stackSetTemplate(input: AwsSetupInput): Record<string, unknown> {
  const member = cloudFormationTemplate(input);
  const parameters = {
    OrganizationalUnitIds: {
      Type: 'CommaDelimitedList',
      Description: 'The organisational units (ou-…) or the root (r-…) whose accounts get the role.',
    },
    ...(input.principal === null
      ? { HubgraphPrincipal: (member.Parameters as Record<string, unknown>).HubgraphPrincipal }
      : {}),
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Hubgraph: the IAM role ${input.roleName} in every account of the given organisational units (a service-managed StackSet).`,
    Parameters: parameters,
    Resources: {
      HubgraphRoleStackSet: {
        Type: 'AWS::CloudFormation::StackSet',
        Properties: {
          StackSetName: STACK_SET_NAME,
          Description: `Hubgraph's IAM role ${input.roleName}.`,
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          ManagedExecution: { Active: true },
          OperationPreferences: { FailureTolerancePercentage: 10, MaxConcurrentPercentage: 25 },
          ...(input.principal === null
            ? {
                Parameters: [
                  { ParameterKey: 'HubgraphPrincipal', ParameterValue: { Ref: 'HubgraphPrincipal' } },
                ],
              }
            : {}),
          StackInstancesGroup: [
            {
              DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } },
              Regions: [{ Ref: 'AWS::Region' }],
            },
          ],
          TemplateBody: JSON.stringify(member),
        },
      },
    },
  };
}

/** The same role with the AWS CLI, run with credentials of the account Hubgraph is to read. */
function cliCommands(input: AwsSetupInput): string | null {
  if (input.principal === null) return null;
  const json = (document: unknown) => JSON.stringify(document, null, 2);
  const role = input.roleName;
  return [
    `# Run with the credentials of the account Hubgraph is to read (iam:CreateRole, iam:PutRolePolicy).`,
    `cat > hubgraph-trust-policy.json <<'EOF'`,
    json(trustPolicy(input.principal, input.externalId)),
    'EOF',
    `cat > hubgraph-permissions-policy.json <<'EOF'`,
    json(
      permissionsPolicy(input.writeBack, {
        exportFindings: input.exportFindings,
        containment: input.containment,
      }),
    ),
    'EOF',
    `aws iam create-role --role-name ${role} \\`,
    `  --max-session-duration ${maxSessionDuration(input.sessionDurationSeconds)} \\`,
    `  --assume-role-policy-document file://hubgraph-trust-policy.json`,
    `aws iam put-role-policy --role-name ${role} --policy-name ${PERMISSIONS_POLICY_NAME} \\`,
    `  --policy-document file://hubgraph-permissions-policy.json`,
    `# The connector's auth.roleArn:`,
    `aws iam get-role --role-name ${role} --query Role.Arn --output text`,
    `# After a new external ID (or write-back switched on), bring an existing role up to date:`,
    `#   aws iam update-assume-role-policy --role-name ${role} --policy-document file://hubgraph-trust-policy.json`,
    `#   aws iam put-role-policy --role-name ${role} --policy-name ${PERMISSIONS_POLICY_NAME} --policy-document file://hubgraph-permissions-policy.json`,
    '',
  ].join('\n');
}

export function awsSetup(input: AwsSetupInput): AwsSetupModel {
  return {
    principal: input.principal,
    principalProblem: input.principalProblem,
    externalId: input.externalId,
    roleName: input.roleName,
    roleArn: input.roleArn,
    partition: input.partition,
    trustPolicy: input.principal === null ? null : trustPolicy(input.principal, input.externalId),
    permissionsPolicy: permissionsPolicy(input.writeBack, {
      exportFindings: input.exportFindings,
      containment: input.containment,
    }),
    actions: actionsFor(input.writeBack, {
      exportFindings: input.exportFindings,
      containment: input.containment,
    }),
    cloudFormationTemplate: cloudFormationTemplate(input),
    stackSetTemplate: stackSetTemplate(input),
    cliCommands: cliCommands(input),
  };
}

/** What a new external ID asks of the account owner. */
export function externalIdChangeMessage(previous: string, next: string, role: string): string {
  return `The external ID is now ${next} (it was ${previous}). Hubgraph cannot assume ${role} until its trust policy requires sts:ExternalId ${next}: apply awsSetup.trustPolicy (aws iam update-assume-role-policy, or update the CloudFormation stack from awsSetup.cloudFormationTemplate), then run connectorTest.`;
}
