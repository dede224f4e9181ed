import { randomUUID } from 'node:crypto';
import type { AwsSecurityFinding, Resource } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { SyncWorker } from '../../src/sync/worker.ts';
import { newTenant, openTestDatabase } from '../support/database.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createConnectorOverApi, FAST_JOBS } from '../support/sync.ts';
import { until } from '../support/wait.ts';

// Finding, Connector, ConnectorRun and Asset fields as an API client reads them: findings written
// out by hand in ASFF, imported into the emulator as their providers would, synced by a connector
// made over GraphQL, then queried over HTTP. Every expected value is worked out here from the ASFF
// and AWS's documented behaviour (what Security Hub adds to an imported finding) or DESIGN §5 (the
// detection score), never read back from Hubgraph's own functions.

const ACCOUNT = '111111111111';
/** Security Hub's clock (the emulator's, which the service shares): runs read up to it. */
const T0 = new Date('2026-11-02T12:00:00.000Z');
/** Ten minutes later, when a second run reads what changed. */
const T1 = new Date('2026-11-02T12:10:00.000Z');

const LAMBDA_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:payments-webhook:$LATEST`;
const INSTANCE_ARN = `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0a1b2c3d4e5f67890`;

const lambdaResource: Resource = {
  Type: 'AwsLambdaFunction',
  Id: LAMBDA_ARN,
  Partition: 'aws',
  Region: 'us-east-1',
  Tags: { team: 'payments' },
  Details: {
    AwsLambdaFunction: {
      FunctionName: 'payments-webhook',
      Runtime: 'java17',
      Version: '$LATEST',
      Architectures: ['arm64'],
      PackageType: 'Zip',
      Handler: 'com.example.payments.Webhook::handleRequest',
      MemorySize: 512,
      Timeout: 30,
    },
  },
};

const INSPECTOR_ARN = 'arn:aws:securityhub:us-east-1::product/aws/inspector';
const INSPECTOR_ID = `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/5d1c9a8e0b7f4a3c9e2d1f0a6b8c7d9e`;

/** Inspector: HTTP/2 Rapid Reset in a package of a Lambda function; one of its two packages has a fix. */
const inspectorImport: AwsSecurityFinding = {
  SchemaVersion: '2018-10-08',
  Id: INSPECTOR_ID,
  ProductArn: INSPECTOR_ARN,
  GeneratorId: 'AWSInspector',
  AwsAccountId: ACCOUNT,
  Region: 'us-east-1',
  Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
  FirstObservedAt: '2026-10-20T08:00:00.000Z',
  LastObservedAt: '2026-11-01T08:00:00.000Z',
  CreatedAt: '2026-10-20T08:00:05.000Z',
  UpdatedAt: '2026-11-01T08:00:05.000Z',
  Severity: { Label: 'HIGH', Normalized: 70, Original: 'HIGH' },
  Title: 'CVE-2023-44487 - io.netty:netty-codec-http2, io.netty:netty-handler',
  Description:
    'The HTTP/2 protocol allows a denial of service (server resource consumption) because request cancellation can reset many streams quickly.',
  Remediation: { Recommendation: { Text: 'Upgrade io.netty:netty-codec-http2 to 4.1.100.Final.' } },
  ProductFields: { 'aws/inspector/FindingStatus': 'ACTIVE', 'aws/inspector/inspectorScore': '7.5' },
  Resources: [lambdaResource],
  RecordState: 'ACTIVE',
  Vulnerabilities: [
    {
      Id: 'CVE-2023-44487',
      VulnerablePackages: [
        {
          Name: 'io.netty:netty-codec-http2',
          Version: '4.1.94.Final',
          PackageManager: 'JAR',
          FixedInVersion: '4.1.100.Final',
        },
        { Name: 'io.netty:netty-handler', Version: '4.1.94.Final', PackageManager: 'JAR' },
      ],
      Cvss: [
        {
          Version: '3.1',
          BaseScore: 7.5,
          BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
          Source: 'NVD',
        },
      ],
      Vendor: { Name: 'NVD', Url: 'https://nvd.nist.gov/vuln/detail/CVE-2023-44487' },
      ReferenceUrls: ['https://nvd.nist.gov/vuln/detail/CVE-2023-44487'],
      FixAvailable: 'PARTIAL',
      ExploitAvailable: 'YES',
      EpssScore: 0.1,
    },
  ],
};

const CONTROL_ARN = 'arn:aws:securityhub:us-east-1::product/aws/securityhub';
const CONTROL_ID = `arn:aws:securityhub:us-east-1:${ACCOUNT}:security-control/Lambda.2/finding/6f0e2a1b-3c4d-4e5f-8a9b-0c1d2e3f4a5b`;

/** Security Hub CSPM: control Lambda.2 fails on the same function; someone left a note. */
const controlImport: AwsSecurityFinding = {
  SchemaVersion: '2018-10-08',
  Id: CONTROL_ID,
  ProductArn: CONTROL_ARN,
  GeneratorId: 'security-control/Lambda.2',
  AwsAccountId: ACCOUNT,
  Region: 'us-east-1',
  Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
  FirstObservedAt: '2026-10-25T10:00:00.000Z',
  LastObservedAt: '2026-11-01T10:00:00.000Z',
  CreatedAt: '2026-10-25T10:00:01.000Z',
  UpdatedAt: '2026-11-01T10:00:01.000Z',
  Severity: { Label: 'MEDIUM', Normalized: 40, Original: 'MEDIUM' },
  Title: 'Lambda functions should use supported runtimes',
  Description:
    'This control checks that the Lambda function settings for runtimes match the supported runtimes.',
  Remediation: {
    Recommendation: {
      Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
      Url: 'https://docs.aws.amazon.com/console/securityhub/Lambda.2/remediation',
    },
  },
  Resources: [lambdaResource],
  Compliance: {
    Status: 'FAILED',
    SecurityControlId: 'Lambda.2',
    AssociatedStandards: [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }],
  },
  Note: {
    Text: 'Runtime upgrade to java21 planned for sprint 47.',
    UpdatedBy: `arn:aws:iam::${ACCOUNT}:user/alice`,
    UpdatedAt: '2026-11-01T11:00:00.000Z',
  },
  Workflow: { Status: 'NOTIFIED' },
  RecordState: 'ACTIVE',
};

/** Ten minutes after T0 the control passes (a provider re-import, UpdatedAt moved). */
const controlPassedImport: AwsSecurityFinding = {
  ...controlImport,
  UpdatedAt: '2026-11-02T12:05:00.000Z',
  LastObservedAt: '2026-11-02T12:05:00.000Z',
  Severity: { Label: 'INFORMATIONAL', Normalized: 0, Original: 'INFORMATIONAL' },
  Compliance: { ...controlImport.Compliance, Status: 'PASSED' },
  Note: undefined,
  Workflow: undefined,
};

const GUARDDUTY_ARN = 'arn:aws:securityhub:eu-west-1::product/aws/guardduty';
const GUARDDUTY_ID = `arn:aws:guardduty:eu-west-1:${ACCOUNT}:detector/4ec2a1b3c5d7e9f0a2b4c6d8e0f2a4b6/finding/0a1b2c3d4e5f60718293a4b5c6d7e8f9`;

/** GuardDuty in eu-west-1: no CVE, no compliance, no note. */
const guardDutyImport: AwsSecurityFinding = {
  SchemaVersion: '2018-10-08',
  Id: GUARDDUTY_ID,
  ProductArn: GUARDDUTY_ARN,
  GeneratorId: `arn:aws:guardduty:eu-west-1:${ACCOUNT}:detector/4ec2a1b3c5d7e9f0a2b4c6d8e0f2a4b6`,
  AwsAccountId: ACCOUNT,
  Region: 'eu-west-1',
  Types: ['TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS'],
  FirstObservedAt: '2026-10-30T22:14:00.000Z',
  LastObservedAt: '2026-10-31T03:40:00.000Z',
  CreatedAt: '2026-10-30T22:19:12.000Z',
  UpdatedAt: '2026-10-31T03:45:12.000Z',
  Severity: { Label: 'HIGH', Normalized: 80, Original: '8' },
  Title:
    'EC2 instance i-0a1b2c3d4e5f67890 is querying a domain name associated with a known Command & Control server.',
  Description: 'EC2 instance i-0a1b2c3d4e5f67890 is querying algorithmically generated domains.',
  Resources: [
    {
      Type: 'AwsEc2Instance',
      Id: INSTANCE_ARN,
      Partition: 'aws',
      Region: 'eu-west-1',
      Details: {
        AwsEc2Instance: {
          Type: 't3.large',
          ImageId: 'ami-0c1d2e3f4a5b6c7d8',
          IpV4Addresses: ['10.0.1.17'],
          VpcId: 'vpc-0a1b2c3d',
          SubnetId: 'subnet-0a1b2c3d',
        },
      },
    },
  ],
  RecordState: 'ACTIVE',
};

const INSTANCE_INSPECTOR_ARN = 'arn:aws:securityhub:eu-west-1::product/aws/inspector';
const INSTANCE_INSPECTOR_ID = `arn:aws:inspector2:eu-west-1:${ACCOUNT}:finding/9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b`;

/** Inspector on the same instance: an OpenSSL flaw with no known exploit, fixed in an update. */
const instanceInspectorImport: AwsSecurityFinding = {
  SchemaVersion: '2018-10-08',
  Id: INSTANCE_INSPECTOR_ID,
  ProductArn: INSTANCE_INSPECTOR_ARN,
  GeneratorId: 'AWSInspector',
  AwsAccountId: ACCOUNT,
  Region: 'eu-west-1',
  Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
  FirstObservedAt: '2026-10-28T06:00:00.000Z',
  LastObservedAt: '2026-11-01T06:00:00.000Z',
  CreatedAt: '2026-10-28T06:00:03.000Z',
  UpdatedAt: '2026-11-01T06:00:03.000Z',
  Severity: { Label: 'MEDIUM', Normalized: 40, Original: 'MEDIUM' },
  Title: 'CVE-2023-5678 - openssl',
  Description: 'Generating excessively long X9.42 DH keys or checking them may be very slow.',
  Resources: guardDutyImport.Resources,
  RecordState: 'ACTIVE',
  Vulnerabilities: [
    {
      Id: 'CVE-2023-5678',
      VulnerablePackages: [
        {
          Name: 'openssl',
          Version: '3.0.8',
          Release: '1.amzn2023',
          PackageManager: 'OS',
          FixedInVersion: '1:3.0.8-1.amzn2023.0.9',
        },
      ],
      Cvss: [
        {
          Version: '3.1',
          BaseScore: 5.3,
          BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L',
          Source: 'NVD',
        },
      ],
      ReferenceUrls: ['https://nvd.nist.gov/vuln/detail/CVE-2023-5678'],
      FixAvailable: 'YES',
      ExploitAvailable: 'NO',
      EpssScore: 0.004,
    },
  ],
};

/** A finding Hubgraph cannot store (ASFF needs one to 32 resources): it becomes a reject. */
const resourcelessImport: AwsSecurityFinding = {
  ...guardDutyImport,
  Id: `${GUARDDUTY_ID}-without-resources`,
  Resources: [],
};

/** What Security Hub adds when a provider imports a finding (ASFF docs: attributes it sets). */
function asSecurityHubReturns(
  imported: AwsSecurityFinding,
  processedAt: Date,
  existing?: AwsSecurityFinding,
) {
  const product = imported.ProductArn!.endsWith('/aws/inspector')
    ? { name: 'Inspector', company: 'Amazon' }
    : imported.ProductArn!.endsWith('/guardduty')
      ? { name: 'GuardDuty', company: 'Amazon' }
      : { name: 'Security Hub', company: 'AWS' };
  const workflow = existing?.Workflow ?? imported.Workflow ?? { Status: 'NEW' };
  const returned: AwsSecurityFinding = {
    ...imported,
    ProductName: product.name,
    CompanyName: product.company,
    ProcessedAt: processedAt.toISOString(),
    ProductFields: {
      ...imported.ProductFields,
      'aws/securityhub/FindingId': `${imported.ProductArn}/${imported.Id}`,
      'aws/securityhub/ProductName': product.name,
      'aws/securityhub/CompanyName': product.company,
    },
    FindingProviderFields: {
      Severity: { Label: imported.Severity!.Label, Original: imported.Severity!.Original },
      Types: imported.Types,
    },
    // Customer-owned fields: an import never changes them on an existing finding.
    Note: existing ? existing.Note : imported.Note,
    Workflow: workflow,
    WorkflowState: workflow.Status === 'NOTIFIED' ? 'ASSIGNED' : 'NEW',
  };
  return JSON.parse(JSON.stringify(returned)) as Record<string, unknown>;
}

let database: Database;
let emulator: RunningEmulator;
let api: TestServer;
let worker: SyncWorker;
let tenantId: string;
let connectorId: string;
/** Wall-clock bounds of each run, for the times the database stamps. */
const runs: { id: string; from: number; to: number; getFindings: number }[] = [];

const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
  const response = await api.graphql<T>(query, variables, { tenantId });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!;
};

const getFindingsCalls = () => emulator.emulator.counters.get('GetFindings')?.['200'] ?? 0;

async function runToTheEnd(): Promise<void> {
  const before = getFindingsCalls();
  const from = Date.now();
  const { connectorRunNow } = await gql<{ connectorRunNow: { run: { id: string } } }>(
    'mutation($id: ID!) { connectorRunNow(input: { id: $id }) { run { id } userErrors { message } } }',
    { id: connectorId },
  );
  const id = connectorRunNow.run.id;
  const run = await until(`run ${id} to end`, async () => {
    const { run } = await gql<{ run: { status: string; error: string | null } }>(
      'query($id: ID!) { run(id: $id) { status error } }',
      { id },
    );
    return run.status === 'QUEUED' || run.status === 'RUNNING' ? undefined : run;
  });
  if (run.status !== 'SUCCEEDED') throw new Error(`run ${id}: ${run.status} ${run.error}`);
  runs.push({ id, from, to: Date.now(), getFindings: getFindingsCalls() - before });
}

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startEmulator({
    accounts: 1,
    regions: ['us-east-1', 'eu-west-1'],
    quotas: false,
    now: T0,
  });
  api = await startTestServer(
    database,
    { HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS: 'true', HUBGRAPH_ENDPOINT_ALLOWLIST: '127.0.0.0/8' },
    {
      jobs: 'worker',
      jobSettings: { ...FAST_JOBS, queue: `connector-run-${randomUUID().slice(0, 8)}` },
      clock: { now: () => emulator.emulator.clock.now() },
    },
  );
  worker = new SyncWorker(api.app, api.app.jobs!, { maintenanceIntervalMs: 1_000 });
  await worker.start();
  tenantId = await newTenant(database, 'fields');

  await emulator.admin('POST', '/_emulator/findings', {
    findings: [inspectorImport, controlImport, guardDutyImport, instanceInspectorImport, resourcelessImport],
  });
  connectorId = await createConnectorOverApi(gql, emulator, emulator.roles[0]!.arn);
  await runToTheEnd();

  await emulator.admin('POST', '/_emulator/clock/advance', { seconds: 600, evolve: false });
  await emulator.admin('POST', '/_emulator/findings', { findings: [controlPassedImport] });
  await runToTheEnd();
}, 120_000);

afterAll(async () => {
  await worker?.stop(5_000);
  await api?.close();
  await emulator?.close();
  await database?.close();
});

const FINDING_FIELDS = `id awsId productArn findingName detectionScore findingSeverity scoringVersion counted
  severity { label normalized original }
  riskFactors
  exploitAvailable isExploitAvailable fixAvailable isPatchAvailable epssScore cvss3Base cves
  compliance { status securityControlId }
  note { text updatedBy updatedAt }
  workflowStatus
  firstObservedAt lastObservedAt createdAt updatedAt ingestedAt syncedAt
  raw
  connector { id }
  asset {
    resourceArn resourceId resourceType name
    lambdaFunction { functionName runtime version architectures packageType }
    ec2Instance { instanceId instanceType imageId }
    containerImage { repositoryName }
  }`;

interface FindingView {
  id: string;
  detectionScore: number;
  findingSeverity: number;
  scoringVersion: string;
  counted: boolean;
  severity: { label: string; normalized: number | null; original: string | null };
  riskFactors: Record<string, unknown>;
  exploitAvailable: string | null;
  isExploitAvailable: boolean | null;
  fixAvailable: string | null;
  isPatchAvailable: boolean | null;
  compliance: { status: string | null; securityControlId: string | null } | null;
  note: { text: string; updatedBy: string; updatedAt: string } | null;
  createdAt: string;
  updatedAt: string;
  firstObservedAt: string;
  lastObservedAt: string;
  ingestedAt: string;
  syncedAt: string;
  raw: Record<string, unknown>;
  connector: { id: string } | null;
  asset: Record<string, unknown> | null;
  [field: string]: unknown;
}

async function findingById(awsId: string): Promise<FindingView> {
  const { findings } = await gql<{ findings: { nodes: FindingView[] } }>(
    `{ findings(first: 10) { nodes { ${FINDING_FIELDS} } } }`,
  );
  const found = findings.nodes.filter((finding) => finding.awsId === awsId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const time = (iso: string) => Date.parse(iso);

describe('Finding fields', () => {
  it('an Inspector CVE finding: severity, score and why, exploit and fix, raw ASFF', async () => {
    const finding = await findingById(INSPECTOR_ID);
    expect(finding.severity).toEqual({ label: 'HIGH', normalized: 70, original: 'HIGH' });
    expect(finding.findingSeverity).toBe(4);
    // DESIGN §5: C = 10 × 7.5 = 75; T = max(70 for ExploitAvailable=YES, EPSS 0.1 on the curve
    // between (0.05, 65) and (0.2, 85): 65 + 20 × 0.05/0.15 = 71.7) = 71.7;
    // score = round(0.65 × 75 + 0.35 × 71.7) = round(73.845) = 74, band HIGH like its label.
    expect(finding.detectionScore).toBe(74);
    expect(finding.riskFactors).toMatchObject({
      scoringVersion: finding.scoringVersion,
      score: 74,
      band: 'HIGH',
      branch: 'cvss',
      label: { value: 'HIGH', source: 'label', normalized: 70, original: 'HIGH' },
      cvss: { version: '3.1', baseScore: 7.5, source: 'NVD', adjusted: false, cve: 'CVE-2023-44487', C: 75 },
      threat: {
        exploitAvailable: 'YES',
        epss: 0.1,
        fromExploit: 70,
        fromEpss: 71.7,
        T: 71.7,
        unknown: false,
      },
      counted: true,
      excludedBecause: [],
      context: { fixAvailable: 'PARTIAL', productName: 'Inspector', resourceType: 'AwsLambdaFunction' },
    });
    expect(finding.riskFactors).not.toHaveProperty('bandDeviation');
    expect(finding).toMatchObject({
      exploitAvailable: 'YES',
      isExploitAvailable: true,
      // PARTIAL: one of the two packages has a fix. The built-in map counts only YES as patchable.
      fixAvailable: 'PARTIAL',
      isPatchAvailable: false,
      epssScore: 0.1,
      cvss3Base: 7.5,
      cves: ['CVE-2023-44487'],
      compliance: null,
      note: null,
      counted: true,
    });
    expect(finding.raw).toEqual(asSecurityHubReturns(inspectorImport, T0));
  });

  it('ASFF CreatedAt/UpdatedAt and observation times, each from its own attribute', async () => {
    const finding = await findingById(INSPECTOR_ID);
    expect({
      createdAt: finding.createdAt,
      updatedAt: finding.updatedAt,
      firstObservedAt: finding.firstObservedAt,
      lastObservedAt: finding.lastObservedAt,
    }).toEqual({
      createdAt: '2026-10-20T08:00:05.000Z',
      updatedAt: '2026-11-01T08:00:05.000Z',
      firstObservedAt: '2026-10-20T08:00:00.000Z',
      lastObservedAt: '2026-11-01T08:00:00.000Z',
    });
  });

  it('ingestedAt is when Hubgraph first stored it, syncedAt when it last changed its copy', async () => {
    const [first, second] = runs as [(typeof runs)[number], (typeof runs)[number]];
    // Untouched by the second run: stored once, never changed.
    const inspector = await findingById(INSPECTOR_ID);
    expect(time(inspector.ingestedAt)).toBeGreaterThanOrEqual(first.from - 1);
    expect(time(inspector.ingestedAt)).toBeLessThanOrEqual(first.to + 1);
    expect(inspector.syncedAt).toBe(inspector.ingestedAt);
    // Changed by the second run: ingested in the first, synced in the second.
    const control = await findingById(CONTROL_ID);
    expect(time(control.ingestedAt)).toBeGreaterThanOrEqual(first.from - 1);
    expect(time(control.ingestedAt)).toBeLessThanOrEqual(first.to + 1);
    expect(time(control.syncedAt)).toBeGreaterThanOrEqual(second.from - 1);
    expect(time(control.syncedAt)).toBeLessThanOrEqual(second.to + 1);
  });

  it('a control finding: compliance, the note, and a score recomputed when it passes', async () => {
    const finding = await findingById(CONTROL_ID);
    expect(finding.compliance).toEqual({ status: 'PASSED', securityControlId: 'Lambda.2' });
    // A re-import does not change what customers set: the note and workflow stay.
    expect(finding.note).toEqual({
      text: 'Runtime upgrade to java21 planned for sprint 47.',
      updatedBy: `arn:aws:iam::${ACCOUNT}:user/alice`,
      updatedAt: '2026-11-01T11:00:00.000Z',
    });
    expect(finding.workflowStatus).toBe('NOTIFIED');
    expect(finding.severity).toEqual({ label: 'INFORMATIONAL', normalized: 0, original: 'INFORMATIONAL' });
    // No CVSS; Normalized 0 lies in the INFORMATIONAL band 0–0: score 0. A PASSED control does not count.
    expect(finding.detectionScore).toBe(0);
    expect(finding.counted).toBe(false);
    expect(finding.riskFactors).toMatchObject({
      score: 0,
      band: 'INFORMATIONAL',
      branch: 'normalized',
      label: { value: 'INFORMATIONAL', source: 'label', normalized: 0, original: 'INFORMATIONAL' },
      counted: false,
      excludedBecause: ['compliance PASSED'],
      context: { fixAvailable: null, productName: 'Security Hub', resourceType: 'AwsLambdaFunction' },
    });
    expect(finding).toMatchObject({
      exploitAvailable: null,
      isExploitAvailable: null,
      fixAvailable: null,
      isPatchAvailable: null,
    });
    expect(finding.createdAt).toBe('2026-10-25T10:00:01.000Z');
    expect(finding.updatedAt).toBe('2026-11-02T12:05:00.000Z');
    expect(finding.raw).toEqual(asSecurityHubReturns(controlPassedImport, T1, controlImport));
  });

  it('an Inspector finding with no known exploit and a fix for every package', async () => {
    const finding = await findingById(INSTANCE_INSPECTOR_ID);
    // C = 53; T from EPSS alone (no exploit): 40 × 0.004/0.01 = 16; round(0.65 × 53 + 0.35 × 16) =
    // round(40.05) = 40, band MEDIUM like its label.
    expect(finding.detectionScore).toBe(40);
    expect(finding.riskFactors).toMatchObject({
      score: 40,
      band: 'MEDIUM',
      branch: 'cvss',
      cvss: { baseScore: 5.3, C: 53, cve: 'CVE-2023-5678' },
      threat: { exploitAvailable: 'NO', epss: 0.004, fromExploit: null, fromEpss: 16, T: 16, unknown: false },
      context: { fixAvailable: 'YES', productName: 'Inspector', resourceType: 'AwsEc2Instance' },
    });
    expect(finding).toMatchObject({
      exploitAvailable: 'NO',
      isExploitAvailable: false,
      fixAvailable: 'YES',
      isPatchAvailable: true,
      severity: { label: 'MEDIUM', normalized: 40, original: 'MEDIUM' },
    });
    expect(finding.raw).toEqual(asSecurityHubReturns(instanceInspectorImport, T0));
  });

  it('a GuardDuty finding: no compliance, no note, no exploit or fix, its label band', async () => {
    const finding = await findingById(GUARDDUTY_ID);
    expect(finding.severity).toEqual({ label: 'HIGH', normalized: 80, original: '8' });
    // No CVSS; Normalized 80 lies in the HIGH band 70–89: score 80.
    expect(finding.detectionScore).toBe(80);
    expect(finding.riskFactors).toMatchObject({
      score: 80,
      band: 'HIGH',
      branch: 'normalized',
      counted: true,
    });
    expect(finding).toMatchObject({
      compliance: null,
      note: null,
      exploitAvailable: null,
      fixAvailable: null,
      connector: { id: connectorId },
    });
    expect(finding.raw).toEqual(asSecurityHubReturns(guardDutyImport, T0));
  });
});

describe('Asset fields', () => {
  it('a Lambda function asset has its function details, and no instance or image details', async () => {
    const finding = await findingById(INSPECTOR_ID);
    expect(finding.asset).toEqual({
      resourceArn: LAMBDA_ARN,
      resourceId: 'payments-webhook',
      resourceType: 'AwsLambdaFunction',
      name: 'payments-webhook',
      lambdaFunction: {
        functionName: 'payments-webhook',
        runtime: 'java17',
        version: '$LATEST',
        architectures: ['arm64'],
        packageType: 'Zip',
      },
      ec2Instance: null,
      containerImage: null,
    });
  });

  it('an instance asset has no function details', async () => {
    const finding = await findingById(GUARDDUTY_ID);
    expect(finding.asset).toMatchObject({
      resourceArn: INSTANCE_ARN,
      resourceType: 'AwsEc2Instance',
      lambdaFunction: null,
      ec2Instance: {
        instanceId: 'i-0a1b2c3d4e5f67890',
        instanceType: 't3.large',
        imageId: 'ami-0c1d2e3f4a5b6c7d8',
      },
    });
  });
});

const RUN_FIELDS = `id trigger requestedMode mode status
  totals { pages fetched created updated unchanged rejected throttled retries }
  progress { accountId region pages fetched created updated unchanged rejected throttled retries done }`;

interface RunView {
  id: string;
  trigger: string;
  requestedMode: string;
  mode: string;
  status: string;
  totals: Record<string, number>;
  progress: (Record<string, number | string | boolean> & { pages: number })[];
}

interface RunsView {
  connector: {
    runs: {
      totalCount: number;
      nodes: RunView[];
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string };
    };
  };
}

const runsOf = (args: string) =>
  gql<RunsView>(
    `query($id: ID!) { connector(id: $id) { runs(${args}) { totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor } nodes { ${RUN_FIELDS} } } } }`,
    { id: connectorId },
  ).then((data) => data.connector.runs);

const counts = (fetched: number, created: number, updated: number, rejected: number) => ({
  fetched,
  created,
  updated,
  unchanged: 0,
  rejected,
  throttled: 0,
  retries: 0,
});

describe('Connector.runs and ConnectorRun.progress', () => {
  it('lists the runs newest first, a page at a time', async () => {
    const [first, second] = runs;
    const page = await runsOf('first: 1');
    expect(page.totalCount).toBe(2);
    expect(page.nodes.map((run) => run.id)).toEqual([second!.id]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await runsOf(`first: 1, after: "${page.pageInfo.endCursor}"`);
    expect(next.nodes.map((run) => run.id)).toEqual([first!.id]);
    expect(next.pageInfo.hasNextPage).toBe(false);
    expect((await runsOf('last: 1')).nodes.map((run) => run.id)).toEqual([first!.id]);
    expect(page.nodes[0]).toMatchObject({
      trigger: 'MANUAL',
      requestedMode: 'AUTO',
      mode: 'INCREMENTAL',
      status: 'SUCCEEDED',
    });
    expect(next.nodes[0]).toMatchObject({ trigger: 'MANUAL', requestedMode: 'AUTO', mode: 'FULL' });
  });

  it("counts each Region's findings where they come from, and the requests the run made", async () => {
    const { nodes } = await runsOf('first: 2');
    const [second, first] = nodes as [RunView, RunView];

    // The full read: us-east-1 held the Inspector and the control finding, eu-west-1 the GuardDuty
    // and the Inspector finding of the instance, and one without resources (rejected).
    expect(first.progress.map(({ pages: _pages, ...row }) => row)).toEqual([
      { accountId: ACCOUNT, region: 'eu-west-1', ...counts(3, 2, 0, 1), done: true },
      { accountId: ACCOUNT, region: 'us-east-1', ...counts(2, 2, 0, 0), done: true },
    ]);
    expect(first.totals).toEqual({ ...counts(5, 4, 0, 1), pages: runs[0]!.getFindings });
    expect(first.progress.reduce((sum, row) => sum + row.pages, 0)).toBe(runs[0]!.getFindings);

    // The incremental read: only the control finding changed.
    expect(second.progress.map(({ pages: _pages, ...row }) => row)).toEqual([
      { accountId: ACCOUNT, region: 'eu-west-1', ...counts(0, 0, 0, 0), done: true },
      { accountId: ACCOUNT, region: 'us-east-1', ...counts(1, 0, 1, 0), done: true },
    ]);
    expect(second.totals).toEqual({ ...counts(1, 0, 1, 0), pages: runs[1]!.getFindings });
  });
});
