import { describe, expect, it } from 'vitest';
import {
  type ConnectorSchedule,
  type ConnectorSettings,
  defaultSessionName,
  nextRunAt,
  settingsFromInput,
  validateSettings,
} from '../../src/connectors/settings.ts';
import type { ConnectorInput, ConnectorScopeInput } from '../../src/generated/graphql.ts';

// A connector's settings are validated as a whole before anything is written; each mistake comes
// back with its field path, a message that says the fix, and a code. The limits are AWS's
// (research/aws-api.md): 900–43200 s sessions, 2–64 character session names, 20 values per filter
// attribute and 10 attributes per request.

const now = new Date('2026-11-01T12:00:00.000Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const at = (iso: string) => new Date(iso);

const COMMERCIAL = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-south-1',
  'ap-south-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'ap-southeast-5',
];

function problems(changes: Partial<ConnectorInput>, options: { allowCustomEndpoints?: boolean } = {}) {
  const input: ConnectorInput = {
    name: 'production',
    auth: { mode: 'DEFAULT_CHAIN' },
    regions: ['us-east-1', 'eu-west-1'],
    ...changes,
  };
  return validateSettings(settingsFromInput(input), {
    allowCustomEndpoints: options.allowCustomEndpoints ?? false,
    now,
  });
}

/** Only where and which code: for rules whose message is asserted elsewhere. */
function codes(changes: Partial<ConnectorInput>, options: { allowCustomEndpoints?: boolean } = {}) {
  return problems(changes, options).map((error) => [error.field.join('.'), error.code]);
}

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ROLE = 'arn:aws:iam::123456789012:role/HubgraphSecurityHubReadOnly';

describe('settings from input', () => {
  it('fill the defaults: both data types, no filters, hour-long sessions, the vulnerability map', () => {
    expect(
      settingsFromInput({ name: '  production  ', auth: { mode: 'DEFAULT_CHAIN' }, regions: ['us-east-1'] }),
    ).toEqual({
      name: 'production',
      description: null,
      authMode: 'DEFAULT_CHAIN',
      sourceMode: null,
      accessKeyId: null,
      secretAccessKey: undefined,
      hasStoredSecret: false,
      roleArn: null,
      roleSessionName: null,
      sessionDurationSeconds: 3600,
      regions: ['us-east-1'],
      endpointOverride: null,
      scope: {
        dataTypes: ['ASSETS', 'FINDINGS'],
        resourceTypes: [],
        workflowStatuses: [],
        recordStates: [],
        severityLabels: [],
        productNames: [],
        awsFilters: null,
        organizations: [],
      },
      schedule: null,
      transformMapKey: 'aws-security-hub-vulnerability',
      defaultSeverity: 'MEDIUM',
      writeBackEnabled: false,
      exportEnabled: false,
      containmentEnabled: false,
      api: null,
    } satisfies ConnectorSettings);
  });

  it('keep what is given, trim the key id and role ARN, and normalize schedule dates to UTC ISO', () => {
    const filters = { ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' }] };
    expect(
      settingsFromInput({
        name: 'eu',
        description: 'EU accounts',
        auth: {
          mode: 'ASSUME_ROLE',
          sourceMode: 'ACCESS_KEY',
          accessKeyId: ` ${KEY_ID} `,
          secretAccessKey: SECRET,
          roleArn: ` ${ROLE}\n`,
          roleSessionName: 'hubgraph-eu',
          sessionDurationSeconds: 900,
        },
        regions: ['eu-west-1'],
        endpointOverride: 'http://localhost:4566',
        scope: {
          dataTypes: ['FINDINGS'],
          resourceTypes: ['AwsEc2Instance'],
          workflowStatuses: ['NEW'],
          recordStates: ['ACTIVE'],
          severityLabels: ['HIGH'],
          productNames: ['Inspector'],
          awsFilters: filters,
          organizations: [{ organizationalUnitId: ' ou-ab12-cd34ef56 ' }],
        },
        schedule: {
          kind: 'RECURRING',
          cron: '0 */6 * * *',
          startAt: new Date('2026-11-02T01:00:00+01:00'),
          endAt: new Date('2027-01-01T00:00:00Z'),
        },
        transformMapId: 'custom-map',
        defaultSeverity: 'LOW',
        writeBackEnabled: true,
        exportEnabled: true,
      }),
    ).toEqual({
      name: 'eu',
      description: 'EU accounts',
      authMode: 'ASSUME_ROLE',
      sourceMode: 'ACCESS_KEY',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      hasStoredSecret: false,
      roleArn: ROLE,
      roleSessionName: 'hubgraph-eu',
      sessionDurationSeconds: 900,
      regions: ['eu-west-1'],
      endpointOverride: 'http://localhost:4566',
      scope: {
        dataTypes: ['FINDINGS'],
        resourceTypes: ['AwsEc2Instance'],
        workflowStatuses: ['NEW'],
        recordStates: ['ACTIVE'],
        severityLabels: ['HIGH'],
        productNames: ['Inspector'],
        awsFilters: filters,
        organizations: [{ organizationId: null, organizationalUnitId: 'ou-ab12-cd34ef56' }],
      },
      schedule: {
        kind: 'RECURRING',
        intervalMinutes: null,
        cron: '0 */6 * * *',
        startAt: '2026-11-02T00:00:00.000Z',
        endAt: '2027-01-01T00:00:00.000Z',
      },
      transformMapKey: 'custom-map',
      defaultSeverity: 'LOW',
      writeBackEnabled: true,
      exportEnabled: true,
      containmentEnabled: false,
      api: null,
    } satisfies ConnectorSettings);
  });

  it('give a schedule without dates null start and end, and an interval schedule no cron', () => {
    expect(
      settingsFromInput({
        name: 'x',
        auth: { mode: 'DEFAULT_CHAIN' },
        regions: ['us-east-1'],
        schedule: { kind: 'RECURRING', intervalMinutes: 30 },
      }).schedule,
    ).toEqual({ kind: 'RECURRING', intervalMinutes: 30, cron: null, startAt: null, endAt: null });
  });
});

describe('default session name', () => {
  it('is hubgraph- and the connector name in the characters AWS allows', () => {
    expect(defaultSessionName('production')).toBe('hubgraph-production');
    expect(defaultSessionName('eu-west prod')).toBe('hubgraph-eu-west-prod');
    expect(defaultSessionName('prod   EU / 2')).toBe('hubgraph-prod-EU-2');
    expect(defaultSessionName('a+b=c,d.e@f_g-h')).toBe('hubgraph-a+b=c,d.e@f_g-h');
  });

  it('drops every leading and trailing dash', () => {
    expect(defaultSessionName('--prod--')).toBe('hubgraph-prod');
    expect(defaultSessionName(' (prod) ')).toBe('hubgraph-prod');
  });

  it('falls back to "connector" when nothing usable is left', () => {
    expect(defaultSessionName('日本')).toBe('hubgraph-connector');
    expect(defaultSessionName('')).toBe('hubgraph-connector');
  });

  it('keeps 54 characters of the name, so the whole stays within 64', () => {
    expect(defaultSessionName('a'.repeat(100))).toBe(`hubgraph-${'a'.repeat(54)}`);
  });
});

describe('connector settings', () => {
  it('accept a plain connector, a scope and a schedule that ends in the future', () => {
    expect(problems({})).toEqual([]);
    expect(
      problems({
        scope: {
          severityLabels: ['HIGH', 'CRITICAL'],
          awsFilters: { ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' }] },
        },
        schedule: { kind: 'RECURRING', intervalMinutes: 60, endAt: minutes(1) },
      }),
    ).toEqual([]);
  });

  describe('name and description', () => {
    it('refuse an empty or blank name', () => {
      for (const name of ['', '   '])
        expect(problems({ name })).toEqual([
          { field: ['input', 'name'], message: 'A connector needs a name.', code: 'REQUIRED' },
        ]);
    });

    it('take names of up to 100 characters', () => {
      expect(problems({ name: 'n'.repeat(100) })).toEqual([]);
      expect(problems({ name: 'n'.repeat(101) })).toEqual([
        { field: ['input', 'name'], message: 'A name has at most 100 characters.', code: 'TOO_LONG' },
      ]);
    });

    it('take descriptions of up to 164 characters, and say how long a longer one is', () => {
      expect(problems({ description: 'd'.repeat(164) })).toEqual([]);
      expect(problems({ description: null })).toEqual([]);
      expect(problems({ description: 'd'.repeat(165) })).toEqual([
        {
          field: ['input', 'description'],
          message: 'A description has at most 164 characters; this one has 165.',
          code: 'TOO_LONG',
        },
      ]);
    });
  });

  describe('regions', () => {
    it('need at least one', () => {
      expect(problems({ regions: [] })).toEqual([
        { field: ['input', 'regions'], message: 'Choose at least one Region.', code: 'REQUIRED' },
      ]);
    });

    it('take at most 30', () => {
      expect(problems({ regions: COMMERCIAL.slice(0, 30) })).toEqual([]);
      expect(problems({ regions: COMMERCIAL.slice(0, 31) })).toEqual([
        { field: ['input', 'regions'], message: 'At most 30 Regions per connector.', code: 'OUT_OF_RANGE' },
      ]);
    });

    it('name an unknown Region by its index, once per entry', () => {
      expect(problems({ regions: ['us-east-1', 'us-east-7'] })).toEqual([
        {
          field: ['input', 'regions', '1'],
          message:
            '"us-east-7" is not an AWS Region Hubgraph knows (e.g. us-east-1, eu-west-1, us-gov-west-1, cn-north-1).',
          code: 'INVALID',
        },
      ]);
      expect(codes({ regions: ['mars-1', 'mars-1'] })).toEqual([
        ['input.regions.0', 'INVALID'],
        ['input.regions.1', 'INVALID'],
      ]);
    });

    it('refuse a Region listed twice, at its second place', () => {
      expect(problems({ regions: ['us-east-1', 'eu-west-1', 'us-east-1'] })).toEqual([
        { field: ['input', 'regions', '2'], message: 'us-east-1 is listed twice.', code: 'DUPLICATE' },
      ]);
    });

    it('stay within one partition, naming the partitions they span', () => {
      expect(problems({ regions: ['us-gov-west-1', 'us-gov-east-1'] })).toEqual([]);
      expect(problems({ regions: ['cn-north-1', 'cn-northwest-1'] })).toEqual([]);
      expect(problems({ regions: ['us-east-1', 'us-gov-west-1'] })).toEqual([
        {
          field: ['input', 'regions'],
          message:
            'The Regions span AWS commercial and AWS GovCloud (US): credentials work in one partition only; create one connector per partition.',
          code: 'INVALID',
        },
      ]);
      expect(problems({ regions: ['cn-north-1', 'us-east-1', 'us-gov-west-1'] })[0]!.message).toMatch(
        /^The Regions span AWS China and AWS commercial and AWS GovCloud \(US\):/,
      );
    });
  });

  describe('authentication', () => {
    const assumeRole = (auth: Partial<ConnectorInput['auth']>, regions = ['us-east-1']) =>
      problems({ auth: { mode: 'ASSUME_ROLE', roleArn: ROLE, ...auth }, regions });

    it('accept each mode in its complete form', () => {
      expect(
        problems({ auth: { mode: 'ACCESS_KEY', accessKeyId: KEY_ID, secretAccessKey: SECRET } }),
      ).toEqual([]);
      expect(assumeRole({})).toEqual([]);
      expect(assumeRole({ sourceMode: 'DEFAULT_CHAIN' })).toEqual([]);
      expect(assumeRole({ sourceMode: 'ACCESS_KEY', accessKeyId: KEY_ID, secretAccessKey: SECRET })).toEqual(
        [],
      );
    });

    it('let a role be assumed from the default chain or access keys only', () => {
      expect(assumeRole({ sourceMode: 'ASSUME_ROLE' })).toEqual([
        {
          field: ['input', 'auth', 'sourceMode'],
          message: 'The identity that assumes the role is DEFAULT_CHAIN or ACCESS_KEY.',
          code: 'INVALID',
        },
      ]);
    });

    it('need the ARN of the role to assume', () => {
      for (const roleArn of [null, '', '   '])
        expect(assumeRole({ roleArn })).toEqual([
          {
            field: ['input', 'auth', 'roleArn'],
            message:
              'ASSUME_ROLE needs the ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/HubgraphSecurityHubReadOnly.',
            code: 'REQUIRED',
          },
        ]);
    });

    it('take IAM role ARNs of every partition, with paths and AWS name characters', () => {
      expect(assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/service/Hub+=,.@_-graph' })).toEqual([]);
      expect(assumeRole({ roleArn: `arn:aws:iam::123456789012:role/${'r'.repeat(512)}` })).toEqual([]);
      expect(
        assumeRole({ roleArn: 'arn:aws-us-gov:iam::123456789012:role/Hubgraph' }, ['us-gov-west-1']),
      ).toEqual([]);
      expect(assumeRole({ roleArn: 'arn:aws-cn:iam::123456789012:role/Hubgraph' }, ['cn-north-1'])).toEqual(
        [],
      );
    });

    it('refuse what is not an IAM role ARN, quoting it', () => {
      expect(assumeRole({ roleArn: 'arn:aws:iam::12345678901:role/Hubgraph' })).toEqual([
        {
          field: ['input', 'auth', 'roleArn'],
          message:
            '"arn:aws:iam::12345678901:role/Hubgraph" is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>).',
          code: 'INVALID',
        },
      ]);
      for (const roleArn of [
        'arn:aws:iam::1234567890123:role/Hubgraph',
        'arn:aws:iam::12345678901a:role/Hubgraph',
        'arn:aws-xx:iam::123456789012:role/Hubgraph',
        'arn:aws:iam::123456789012:user/Hubgraph',
        'arn:aws:iam::123456789012:role/',
        'arn:aws:iam::123456789012:role/Hub graph',
        'arn:aws:iam::123456789012:role/Hubgraph!',
        `arn:aws:iam::123456789012:role/${'r'.repeat(513)}`,
        'xarn:aws:iam::123456789012:role/Hubgraph',
        'arn:aws:sts::123456789012:role/Hubgraph',
      ])
        expect(assumeRole({ roleArn }), roleArn).toEqual([
          expect.objectContaining({ field: ['input', 'auth', 'roleArn'], code: 'INVALID' }),
        ]);
    });

    it('refuse a role in another partition than the Regions', () => {
      expect(assumeRole({ roleArn: 'arn:aws-us-gov:iam::123456789012:role/Hubgraph' })).toEqual([
        {
          field: ['input', 'auth', 'roleArn'],
          message: 'The role is in partition aws-us-gov but the Regions are in aws.',
          code: 'INVALID',
        },
      ]);
      expect(assumeRole({ roleArn: ROLE }, ['cn-north-1'])[0]!.message).toBe(
        'The role is in partition aws but the Regions are in aws-cn.',
      );
      // Without one partition (no Region known, or several) only the Regions are refused.
      expect(codes({ auth: { mode: 'ASSUME_ROLE', roleArn: ROLE }, regions: ['mars-1'] })).toEqual([
        ['input.regions.0', 'INVALID'],
      ]);
      expect(
        codes({
          auth: { mode: 'ASSUME_ROLE', roleArn: 'arn:aws-cn:iam::123456789012:role/x' },
          regions: ['us-east-1', 'us-gov-west-1'],
        }),
      ).toEqual([['input.regions', 'INVALID']]);
    });

    it('ask for no access keys when ACCESS_KEY is only a misplaced sourceMode', () => {
      expect(codes({ auth: { mode: 'DEFAULT_CHAIN', sourceMode: 'ACCESS_KEY' } })).toEqual([
        ['input.auth.sourceMode', 'NOT_ALLOWED'],
      ]);
    });

    it('refuse sourceMode and role ARN outside ASSUME_ROLE', () => {
      expect(
        problems({ auth: { mode: 'DEFAULT_CHAIN', sourceMode: 'DEFAULT_CHAIN', roleArn: ROLE } }),
      ).toEqual([
        {
          field: ['input', 'auth', 'sourceMode'],
          message: 'sourceMode only applies to ASSUME_ROLE.',
          code: 'NOT_ALLOWED',
        },
        {
          field: ['input', 'auth', 'roleArn'],
          message: 'A role ARN only applies to ASSUME_ROLE.',
          code: 'NOT_ALLOWED',
        },
      ]);
    });

    it('need an access key id and secret with ACCESS_KEY, directly or as the source of a role', () => {
      expect(problems({ auth: { mode: 'ACCESS_KEY' } })).toEqual([
        {
          field: ['input', 'auth', 'accessKeyId'],
          message: 'An access key id is required (AKIA… or ASIA…).',
          code: 'REQUIRED',
        },
        {
          field: ['input', 'auth', 'secretAccessKey'],
          message: 'The secret access key is required with an access key.',
          code: 'REQUIRED',
        },
      ]);
      expect(codes({ auth: { mode: 'ASSUME_ROLE', roleArn: ROLE, sourceMode: 'ACCESS_KEY' } })).toEqual([
        ['input.auth.accessKeyId', 'REQUIRED'],
        ['input.auth.secretAccessKey', 'REQUIRED'],
      ]);
      expect(codes({ auth: { mode: 'ACCESS_KEY', accessKeyId: '  ', secretAccessKey: SECRET } })).toEqual([
        ['input.auth.accessKeyId', 'REQUIRED'],
      ]);
    });

    it('keep a stored secret when none is sent', () => {
      const settings = settingsFromInput({
        name: 'production',
        auth: { mode: 'ACCESS_KEY', accessKeyId: KEY_ID },
        regions: ['us-east-1'],
      });
      expect(
        validateSettings({ ...settings, hasStoredSecret: true }, { allowCustomEndpoints: false, now }),
      ).toEqual([]);
      expect(
        validateSettings(
          { ...settings, hasStoredSecret: true, secretAccessKey: 'short' },
          { allowCustomEndpoints: false, now },
        ).map((error) => error.code),
      ).toEqual(['INVALID']);
    });

    it('take access key ids of AKIA or ASIA and 12 to 124 capitals and digits', () => {
      const keyProblems = (accessKeyId: string) =>
        problems({ auth: { mode: 'ACCESS_KEY', accessKeyId, secretAccessKey: SECRET } });
      for (const accessKeyId of [
        KEY_ID,
        'ASIAIOSFODNN7EXAMPLE',
        `AKIA${'A'.repeat(12)}`,
        `AKIA${'9'.repeat(124)}`,
        ` ${KEY_ID} `,
      ])
        expect(keyProblems(accessKeyId), accessKeyId).toEqual([]);
      expect(keyProblems('AKIA123')).toEqual([
        {
          field: ['input', 'auth', 'accessKeyId'],
          message:
            'An access key id looks like AKIAIOSFODNN7EXAMPLE (AKIA or ASIA, then capitals and digits).',
          code: 'INVALID',
        },
      ]);
      for (const accessKeyId of [
        `AKIA${'A'.repeat(11)}`,
        `AKIA${'A'.repeat(125)}`,
        'akiaiosfodnn7example',
        'ABIAIOSFODNN7EXAMPLE',
        'AKIAIOSFODNN7EXAMPLe',
        'xAKIAIOSFODNN7EXAMPLE',
        'AKIAIOSFODNN7EXAMPLE!',
        'AKIAIOSFODNN7EXA_PLE',
      ])
        expect(keyProblems(accessKeyId), accessKeyId).toEqual([
          expect.objectContaining({ field: ['input', 'auth', 'accessKeyId'], code: 'INVALID' }),
        ]);
    });

    it('take secret access keys of 16 to 128 characters', () => {
      const secretProblems = (secretAccessKey: string) =>
        problems({ auth: { mode: 'ACCESS_KEY', accessKeyId: KEY_ID, secretAccessKey } });
      for (const length of [16, 40, 128]) expect(secretProblems('s'.repeat(length))).toEqual([]);
      for (const length of [0, 15, 129])
        expect(secretProblems('s'.repeat(length)), `length ${length}`).toEqual([
          {
            field: ['input', 'auth', 'secretAccessKey'],
            message: 'A secret access key has 16 to 128 characters (usually 40).',
            code: 'INVALID',
          },
        ]);
    });

    it('refuse access keys where they are not used, naming the mode', () => {
      expect(problems({ auth: { mode: 'DEFAULT_CHAIN', accessKeyId: KEY_ID } })).toEqual([
        {
          field: ['input', 'auth', 'accessKeyId'],
          message: 'Access keys are not used with DEFAULT_CHAIN; remove them or choose ACCESS_KEY.',
          code: 'NOT_ALLOWED',
        },
      ]);
      expect(codes({ auth: { mode: 'DEFAULT_CHAIN', secretAccessKey: '' } })).toEqual([
        ['input.auth.accessKeyId', 'NOT_ALLOWED'],
      ]);
      for (const sourceMode of [null, 'DEFAULT_CHAIN'] as const)
        expect(
          problems({ auth: { mode: 'ASSUME_ROLE', roleArn: ROLE, sourceMode, secretAccessKey: SECRET } }),
        ).toEqual([
          {
            field: ['input', 'auth', 'accessKeyId'],
            message:
              'Access keys are not used with ASSUME_ROLE from DEFAULT_CHAIN; remove them or choose ACCESS_KEY.',
            code: 'NOT_ALLOWED',
          },
        ]);
    });

    it('take session names of 2 to 64 of AWS characters', () => {
      const nameProblems = (roleSessionName: string) =>
        problems({ auth: { mode: 'DEFAULT_CHAIN', roleSessionName } });
      for (const name of ['ab', 'n'.repeat(64), 'a+=,.@_-Z9']) expect(nameProblems(name), name).toEqual([]);
      expect(nameProblems('a')).toEqual([
        {
          field: ['input', 'auth', 'roleSessionName'],
          message: 'A session name has 2 to 64 letters, digits or + = , . @ _ -.',
          code: 'INVALID',
        },
      ]);
      for (const name of ['', 'n'.repeat(65), 'my session', 'hub/graph', ' ab', 'ab '])
        expect(codes({ auth: { mode: 'DEFAULT_CHAIN', roleSessionName: name } }), name).toEqual([
          ['input.auth.roleSessionName', 'INVALID'],
        ]);
    });

    it('take sessions of 900 to 43200 whole seconds', () => {
      const durationProblems = (sessionDurationSeconds: number) =>
        problems({ auth: { mode: 'DEFAULT_CHAIN', sessionDurationSeconds } });
      for (const seconds of [900, 3600, 43_200]) expect(durationProblems(seconds)).toEqual([]);
      expect(durationProblems(899)).toEqual([
        {
          field: ['input', 'auth', 'sessionDurationSeconds'],
          message: 'A session lasts 900 to 43200 seconds (15 minutes to 12 hours); got 899.',
          code: 'OUT_OF_RANGE',
        },
      ]);
      expect(durationProblems(43_201)[0]!.message).toMatch(/; got 43201\.$/);
      expect(durationProblems(3600.5)[0]!.message).toMatch(/; got 3600\.5\.$/);
    });
  });

  describe('endpoint override', () => {
    it('is refused, with the setting that allows it, unless the service allows custom endpoints', () => {
      expect(problems({ endpointOverride: 'http://localhost:4566' })).toEqual([
        {
          field: ['input', 'endpointOverride'],
          message:
            'Custom endpoints are off on this service: credentials go to AWS only. An operator can allow them with HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS=true (for an emulator, VPC endpoints or FIPS).',
          code: 'NOT_ALLOWED',
        },
      ]);
    });

    it('is a scheme, host and optional port when allowed', () => {
      const allowed = (endpointOverride: string) =>
        problems({ endpointOverride }, { allowCustomEndpoints: true });
      for (const url of [
        'http://localhost:4566',
        'https://vpce-0abc.securityhub.us-east-1.vpce.amazonaws.com',
        'https://securityhub-fips.us-east-1.amazonaws.com/',
      ])
        expect(allowed(url), url).toEqual([]);
      expect(allowed('https://example.com/securityhub')).toEqual([
        {
          field: ['input', 'endpointOverride'],
          message:
            'An endpoint is a URL with scheme, host and optional port, e.g. https://vpce-0abc.securityhub.us-east-1.vpce.amazonaws.com.',
          code: 'INVALID',
        },
      ]);
      for (const url of [
        '',
        'https://securityhub.us-east-1.amazonaws.com@evil.example',
        'https://example.com?x=1',
        'https://example.com#x',
        'https://exa mple.com',
        'ftp://example.com',
        'xhttps://example.com',
        'https://',
        'https://example.com//',
        'http://[::1',
      ])
        expect(
          allowed(url).map((error) => error.code),
          url,
        ).toEqual(['INVALID']);
    });
  });

  describe('organisation scopes (a delegated administrator on the new Security Hub)', () => {
    const organization = (entry: { organizationId?: string; organizationalUnitId?: string }) => entry;

    it('takes organisations and units in AWS Organizations id formats, at most 10, on V2 or BOTH', () => {
      const scope = {
        organizations: [
          organization({ organizationId: 'o-a1b2c3d4e5' }),
          organization({ organizationalUnitId: 'ou-ab12-cd34ef56' }),
          organization({ organizationId: 'o-a1b2c3d4e5', organizationalUnitId: 'ou-ab12-cd34ef56' }),
        ],
      };
      expect(problems({ api: 'V2', scope })).toEqual([]);
      expect(problems({ api: 'BOTH', scope })).toEqual([]);
      // Undecided: the run reads V2 with them, or warns that CSPM has no such scope.
      expect(problems({ scope })).toEqual([]);
    });

    it('refuses them on a CSPM connector, which has no Scopes, rather than read the whole organisation', () => {
      expect(
        problems({
          api: 'CSPM',
          scope: { organizations: [organization({ organizationId: 'o-a1b2c3d4e5' })] },
        }),
      ).toEqual([
        {
          field: ['input', 'scope', 'organizations'],
          message: expect.stringContaining('Security Hub CSPM has no such scope'),
          code: 'NOT_ALLOWED',
        },
      ]);
    });

    it('refuses more than 10, an empty entry, and ids that are not AWS Organizations ids', () => {
      const eleven = Array.from({ length: 11 }, () => organization({ organizationId: 'o-a1b2c3d4e5' }));
      expect(codes({ api: 'V2', scope: { organizations: eleven } })).toEqual([
        ['input.scope.organizations', 'OUT_OF_RANGE'],
      ]);
      expect(
        codes({
          api: 'V2',
          scope: {
            organizations: [
              organization({}),
              organization({ organizationId: '123456789012' }),
              organization({ organizationalUnitId: 'r-ab12' }),
            ],
          },
        }),
      ).toEqual([
        ['input.scope.organizations.0', 'REQUIRED'],
        ['input.scope.organizations.1.organizationId', 'INVALID'],
        ['input.scope.organizations.2.organizationalUnitId', 'INVALID'],
      ]);
    });
  });

  describe('scope', () => {
    it('needs something to sync', () => {
      expect(problems({ scope: { dataTypes: [] } })).toEqual([
        {
          field: ['input', 'scope', 'dataTypes'],
          message: 'Choose what to sync: ASSETS, FINDINGS or both.',
          code: 'REQUIRED',
        },
      ]);
      expect(problems({ scope: { dataTypes: ['ASSETS'] } })).toEqual([]);
    });

    it('takes at most 20 values per filter attribute', () => {
      const values = (n: number) => Array.from({ length: n }, (_, i) => `Type${i}`);
      expect(problems({ scope: { resourceTypes: values(20) } })).toEqual([]);
      expect(problems({ scope: { resourceTypes: values(21) } })).toEqual([
        {
          field: ['input', 'scope', 'resourceTypes'],
          message: 'Security Hub filters take at most 20 values per attribute (ResourceType); got 21.',
          code: 'OUT_OF_RANGE',
        },
      ]);
      expect(codes({ scope: { resourceTypes: values(21), productNames: values(21) } })).toEqual([
        ['input.scope.resourceTypes', 'OUT_OF_RANGE'],
        ['input.scope.productNames', 'OUT_OF_RANGE'],
      ]);
    });

    it('refuses a filter attribute set both by a scope field and in awsFilters', () => {
      expect(
        problems({
          scope: {
            severityLabels: ['HIGH'],
            awsFilters: { SeverityLabel: [{ Value: 'CRITICAL', Comparison: 'EQUALS' }] },
          },
        }),
      ).toEqual([
        {
          field: ['input', 'scope', 'awsFilters', 'SeverityLabel'],
          message: 'SeverityLabel is set both by scope.severityLabels and in awsFilters; keep one.',
          code: 'DUPLICATE',
        },
      ]);
      expect(
        problems({
          scope: {
            resourceTypes: ['AwsEc2Instance'],
            productNames: ['Inspector'],
            awsFilters: {
              ResourceType: [{ Value: 'AwsEcr', Comparison: 'PREFIX' }],
              ProductName: [{ Value: 'GuardDuty', Comparison: 'EQUALS' }],
            },
          },
        }).map((error) => [error.field.at(-1), error.code]),
      ).toEqual([
        ['ResourceType', 'DUPLICATE'],
        ['ProductName', 'DUPLICATE'],
      ]);
      // An empty scope field sets nothing.
      expect(
        problems({
          scope: {
            recordStates: [],
            awsFilters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
          },
        }),
      ).toEqual([]);
    });

    it('passes on the problems of awsFilters, over the limit as OUT_OF_RANGE and others as INVALID', () => {
      const many = Array.from({ length: 21 }, (_, i) => ({ Value: `P${i}`, Comparison: 'EQUALS' }));
      expect(problems({ scope: { awsFilters: { ProductName: many } } })).toEqual([
        {
          field: ['input', 'scope', 'awsFilters', 'ProductName'],
          message: 'The number of values (21) for filter attribute ProductName exceeds the limit of 20.',
          code: 'OUT_OF_RANGE',
        },
      ]);
      expect(
        problems({ scope: { awsFilters: { Colour: [{ Value: 'red', Comparison: 'EQUALS' }] } } }),
      ).toEqual([
        {
          field: ['input', 'scope', 'awsFilters', 'Colour'],
          message: 'Filters.Colour is not a valid filter attribute.',
          code: 'INVALID',
        },
      ]);
    });

    it('filters on at most 9 attributes, leaving Security Hub’s tenth to the UpdatedAt window', () => {
      const filter = [{ Value: 'x', Comparison: 'EQUALS' }];
      const scopeFields: ConnectorScopeInput = {
        resourceTypes: ['AwsEc2Instance'],
        workflowStatuses: ['NEW'],
        recordStates: ['ACTIVE'],
        severityLabels: ['HIGH'],
        productNames: ['Inspector'],
      };
      const fourMore = { AwsAccountId: filter, Region: filter, Title: filter, GeneratorId: filter };
      expect(problems({ scope: { ...scopeFields, awsFilters: fourMore } })).toEqual([]);
      expect(problems({ scope: { ...scopeFields, awsFilters: { ...fourMore, Id: filter } } })).toEqual([
        {
          field: ['input', 'scope'],
          message:
            'The scope filters on 10 attributes; Security Hub allows 10 per request and the sync needs one for UpdatedAt, so at most 9.',
          code: 'OUT_OF_RANGE',
        },
      ]);
      // Empty scope fields do not count.
      expect(
        problems({
          scope: {
            resourceTypes: [],
            awsFilters: { ...fourMore, Id: filter, Description: filter, CompanyName: filter },
          },
        }),
      ).toEqual([]);
    });

    it('leaves UpdatedAt to the sync', () => {
      expect(
        problems({
          scope: { awsFilters: { UpdatedAt: [{ DateRange: { Value: 7, Unit: 'DAYS' } }] } },
        }),
      ).toEqual([
        {
          field: ['input', 'scope', 'awsFilters', 'UpdatedAt'],
          message:
            'The sync reads by UpdatedAt itself (incrementally, from where the last run ended); filter on CreatedAt, LastObservedAt or another date instead.',
          code: 'NOT_ALLOWED',
        },
      ]);
    });
  });

  describe('schedule', () => {
    it('ONCE takes no interval or cron', () => {
      expect(problems({ schedule: { kind: 'ONCE' } })).toEqual([]);
      expect(problems({ schedule: { kind: 'ONCE', intervalMinutes: 60 } })).toEqual([
        {
          field: ['input', 'schedule', 'kind'],
          message: 'A ONCE schedule has no interval or cron; use RECURRING.',
          code: 'INVALID',
        },
      ]);
      expect(codes({ schedule: { kind: 'ONCE', cron: '0 * * * *' } })).toEqual([
        ['input.schedule.kind', 'INVALID'],
      ]);
    });

    it('RECURRING takes an interval or a cron, not both', () => {
      for (const schedule of [
        { kind: 'RECURRING' as const },
        { kind: 'RECURRING' as const, intervalMinutes: 60, cron: '0 * * * *' },
      ])
        expect(problems({ schedule })).toEqual([
          {
            field: ['input', 'schedule', 'intervalMinutes'],
            message: 'A RECURRING schedule needs either intervalMinutes or cron (not both).',
            code: 'REQUIRED',
          },
        ]);
    });

    it('runs at most every 5 minutes and at least monthly (31 days)', () => {
      const every = (intervalMinutes: number) =>
        problems({ schedule: { kind: 'RECURRING', intervalMinutes } });
      for (const n of [5, 60, 31 * 24 * 60]) expect(every(n), `${n}`).toEqual([]);
      expect(every(4)).toEqual([
        {
          field: ['input', 'schedule', 'intervalMinutes'],
          message: 'Syncs run at most every 5 minutes (and at least monthly); got 4.',
          code: 'OUT_OF_RANGE',
        },
      ]);
      expect(every(31 * 24 * 60 + 1).map((error) => error.code)).toEqual(['OUT_OF_RANGE']);
    });

    it('takes a cron expression in UTC that runs at most every 5 minutes', () => {
      const cron = (expression: string) => problems({ schedule: { kind: 'RECURRING', cron: expression } });
      for (const expression of ['*/5 * * * *', '0 */6 * * *', '0 3 * * 1'])
        expect(cron(expression)).toEqual([]);
      expect(cron('*/4 * * * *')).toEqual([
        {
          field: ['input', 'schedule', 'cron'],
          message: '"*/4 * * * *" runs more often than every 5 minutes.',
          code: 'OUT_OF_RANGE',
        },
      ]);
      const [invalid, ...more] = cron('every day');
      expect(more).toEqual([]);
      expect(invalid).toMatchObject({ field: ['input', 'schedule', 'cron'], code: 'INVALID' });
      expect(invalid!.message).toMatch(
        /^"every day" is not a cron expression \(.+\); e\.g\. "0 \*\/6 \* \* \*"\.$/,
      );
    });

    it('judges a cron by its next two runs from now', () => {
      // 11:00, 11:59, 12:00 and 12:59 on 1 November: from 11:30 the next two are a minute apart.
      const closeRuns = validateSettings(
        settingsFromInput({
          name: 'production',
          auth: { mode: 'DEFAULT_CHAIN' },
          regions: ['us-east-1'],
          schedule: { kind: 'RECURRING', cron: '0,59 11,12 1 11 *' },
        }),
        { allowCustomEndpoints: false, now: at('2026-11-01T11:30:00.000Z') },
      );
      expect(closeRuns.map((error) => [error.field.join('.'), error.code])).toEqual([
        ['input.schedule.cron', 'OUT_OF_RANGE'],
      ]);
    });

    it('may start without an end, or end without a start', () => {
      expect(
        problems({ schedule: { kind: 'RECURRING', intervalMinutes: 60, startAt: minutes(60) } }),
      ).toEqual([]);
      expect(problems({ schedule: { kind: 'RECURRING', intervalMinutes: 60, endAt: minutes(60) } })).toEqual(
        [],
      );
    });

    it('ends after it starts', () => {
      const schedule = (startAt: Date, endAt: Date) =>
        problems({ schedule: { kind: 'RECURRING', intervalMinutes: 60, startAt, endAt } });
      expect(schedule(minutes(60), minutes(120))).toEqual([]);
      for (const endAt of [minutes(60), minutes(30)])
        expect(schedule(minutes(60), endAt)).toEqual([
          {
            field: ['input', 'schedule', 'endAt'],
            message: 'The schedule must end after it starts.',
            code: 'INVALID',
          },
        ]);
    });

    it('refuses a schedule that ends in the past, or now', () => {
      for (const endAt of [minutes(-1), minutes(0), new Date('2020-01-01T00:00:00.000Z')]) {
        expect(problems({ schedule: { kind: 'RECURRING', intervalMinutes: 60, endAt } })).toEqual([
          {
            field: ['input', 'schedule', 'endAt'],
            message: 'The schedule would end in the past.',
            code: 'INVALID',
          },
        ]);
      }
      expect(problems({ schedule: { kind: 'ONCE', endAt: minutes(-60) } })).toEqual([
        {
          field: ['input', 'schedule', 'endAt'],
          message: 'The schedule would end in the past.',
          code: 'INVALID',
        },
      ]);
    });
  });

  it('reports every mistake at once, in the order of the form', () => {
    expect(
      codes({
        name: '',
        regions: [],
        auth: { mode: 'ACCESS_KEY' },
        endpointOverride: 'https://example.com',
        scope: { dataTypes: [] },
        schedule: { kind: 'ONCE', intervalMinutes: 5 },
      }),
    ).toEqual([
      ['input.name', 'REQUIRED'],
      ['input.regions', 'REQUIRED'],
      ['input.auth.accessKeyId', 'REQUIRED'],
      ['input.auth.secretAccessKey', 'REQUIRED'],
      ['input.endpointOverride', 'NOT_ALLOWED'],
      ['input.scope.dataTypes', 'REQUIRED'],
      ['input.schedule.kind', 'INVALID'],
    ]);
  });
});

describe('next run', () => {
  const schedule = (changes: Partial<ConnectorSchedule>): ConnectorSchedule => ({
    kind: 'RECURRING',
    intervalMinutes: null,
    cron: null,
    startAt: null,
    endAt: null,
    ...changes,
  });

  it('is none without a schedule', () => {
    expect(nextRunAt(null, now)).toBeNull();
  });

  it('of a ONCE schedule is now to the millisecond, not the next whole minute', () => {
    const later = at('2026-11-01T12:00:30.500Z');
    expect(nextRunAt(schedule({ kind: 'ONCE', startAt: '2026-10-01T00:00:00.000Z' }), later)).toEqual(later);
  });

  it('of a ONCE schedule is its start, or now when the start has passed', () => {
    const once = (startAt: string | null) => schedule({ kind: 'ONCE', startAt });
    expect(nextRunAt(once('2026-11-02T00:00:00.000Z'), now)).toEqual(at('2026-11-02T00:00:00.000Z'));
    expect(nextRunAt(once('2026-10-01T00:00:00.000Z'), now)).toEqual(now);
    expect(nextRunAt(once(null), now)).toEqual(now);
    expect(nextRunAt(once(null), now, minutes(30))).toEqual(minutes(30));
    expect(nextRunAt(once(null), now, minutes(-30))).toEqual(now);
  });

  it('of an interval counts whole steps from the start, so it does not drift', () => {
    const hourly = (startAt: string | null) => schedule({ intervalMinutes: 60, startAt });
    expect(nextRunAt(hourly('2026-11-01T10:20:00.000Z'), now)).toEqual(at('2026-11-01T12:20:00.000Z'));
    expect(nextRunAt(hourly('2026-11-01T11:00:00.000Z'), now)).toEqual(now);
    expect(nextRunAt(hourly('2026-11-01T11:00:00.000Z'), minutes(1))).toEqual(at('2026-11-01T13:00:00.000Z'));
    expect(nextRunAt(hourly('2026-11-03T00:00:00.000Z'), now)).toEqual(at('2026-11-03T00:00:00.000Z'));
    expect(nextRunAt(hourly(null), now, minutes(-90))).toEqual(minutes(30));
    expect(nextRunAt(schedule({ intervalMinutes: 7 }), now, at('2026-11-01T00:00:00.000Z'))).toEqual(
      at('2026-11-01T12:01:00.000Z'),
    );
  });

  it('of a cron is its next time from now or from a later start, the start itself included', () => {
    const sixHourly = (startAt: string | null) => schedule({ cron: '0 */6 * * *', startAt });
    expect(nextRunAt(sixHourly(null), now)).toEqual(now);
    expect(nextRunAt(sixHourly(null), minutes(1))).toEqual(at('2026-11-01T18:00:00.000Z'));
    expect(nextRunAt(sixHourly('2026-11-02T01:00:00.000Z'), now)).toEqual(at('2026-11-02T06:00:00.000Z'));
    expect(nextRunAt(sixHourly('2026-11-02T06:00:00.000Z'), now)).toEqual(at('2026-11-02T06:00:00.000Z'));
    expect(nextRunAt(sixHourly('2026-10-01T01:00:00.000Z'), minutes(1))).toEqual(
      at('2026-11-01T18:00:00.000Z'),
    );
  });

  it('is none once the next run would fall after the end', () => {
    const hourly = (endAt: string) =>
      schedule({ intervalMinutes: 60, startAt: '2026-11-01T11:00:00.000Z', endAt });
    expect(nextRunAt(hourly('2026-11-01T13:00:00.000Z'), minutes(1))).toEqual(at('2026-11-01T13:00:00.000Z'));
    expect(nextRunAt(hourly('2026-11-01T12:59:59.999Z'), minutes(1))).toBeNull();
    expect(nextRunAt(schedule({ kind: 'ONCE', endAt: '2026-11-01T11:00:00.000Z' }), now)).toBeNull();
  });
});
