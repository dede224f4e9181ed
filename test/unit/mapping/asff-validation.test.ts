import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { anInspectorEc2Asff } from '../../../src/emulator/generator/index.ts';
import { isAsffDate, MAX_INDEXED_LENGTH, validateAsff } from '../../../src/mapping/asff-validation.ts';

// Every rule of the ASFF check, with the exact problem a person reads: the path and what is wrong.
// Messages are part of the contract — a reject's reason is all an analyst sees of a dropped finding.

const base = anInspectorEc2Asff();
const problemsOf = (input: unknown, mode: 'read' | 'import' = 'read') => {
  const result = validateAsff(input, mode);
  return result.ok ? [] : result.problems;
};
const withField = (changes: Record<string, unknown>) => ({ ...base, ...changes });

describe('types, as the SDK schema gives them', () => {
  const cases: [string, Record<string, unknown>, { path: string; message: string }][] = [
    ['a string', { Title: 42 }, { path: 'Title', message: 'must be a string, not number 42' }],
    [
      'a timestamp',
      { UpdatedAt: true },
      { path: 'UpdatedAt', message: 'must be a string, not boolean true' },
    ],
    [
      'a number',
      { Confidence: '80' },
      { path: 'Confidence', message: 'must be a number, not the string "80"' },
    ],
    [
      'a finite number',
      { Confidence: Number.POSITIVE_INFINITY },
      { path: 'Confidence', message: 'must be a number, not number Infinity' },
    ],
    [
      'a boolean',
      { Sample: 'yes' },
      { path: 'Sample', message: 'must be true or false, not the string "yes"' },
    ],
    [
      'a list',
      { Types: 'Software' },
      { path: 'Types', message: 'must be a list, not the string "Software"' },
    ],
    ['a list member', { Types: ['ok', 7] }, { path: 'Types[1]', message: 'must be a string, not number 7' }],
    [
      'a map',
      { ProductFields: ['a'] },
      { path: 'ProductFields', message: 'must be an object of key-value pairs, not a list' },
    ],
    [
      'a map value',
      { ProductFields: { 'aws/x': { nested: true } } },
      { path: 'ProductFields["aws/x"]', message: 'must be a string, not an object' },
    ],
    [
      'a structure',
      { Severity: 'HIGH' },
      { path: 'Severity', message: 'must be an object, not the string "HIGH"' },
    ],
    ['a structure, not null', { Note: [] }, { path: 'Note', message: 'must be an object, not a list' }],
    [
      'a string, not an object',
      { Title: { text: 'x' } },
      { path: 'Title', message: 'must be a string, not an object' },
    ],
  ];
  for (const [what, changes, problem] of cases) {
    it(`checks ${what}`, () => {
      expect(problemsOf(withField(changes))).toEqual([problem]);
    });
  }

  it('names a required field that is missing or null, at its nested path', () => {
    expect(problemsOf(withField({ Title: null }))).toEqual([{ path: 'Title', message: 'is required' }]);
    expect(problemsOf(withField({ Resources: [{ Id: 'x' }] }))).toEqual([
      { path: 'Resources[0].Type', message: 'is required' },
    ]);
  });

  it('skips optional fields that are null, and names required ones', () => {
    expect(problemsOf(withField({ Severity: null, Types: null, Note: null }))).toEqual([]);
    expect(problemsOf(withField({ Resources: null }))).toEqual([
      { path: 'Resources', message: 'is required' },
    ]);
  });

  it('describes what it got: a list, a number, a long string (cut at 40 characters)', () => {
    expect(problemsOf(withField({ Description: 42, Title: ['a'] }))).toEqual([
      { path: 'Title', message: 'must be a string, not a list' },
      { path: 'Description', message: 'must be a string, not number 42' },
    ]);
    expect(problemsOf(withField({ Confidence: 'y'.repeat(50) }))).toEqual([
      { path: 'Confidence', message: `must be a number, not the string "${'y'.repeat(40)}…"` },
    ]);
  });

  it('refuses what is not an object at all', () => {
    for (const input of [null, 'finding', 42, [base]]) {
      const kind =
        input === null
          ? 'null'
          : Array.isArray(input)
            ? 'a list'
            : typeof input === 'string'
              ? 'the string "finding"'
              : 'number 42';
      expect(problemsOf(input)).toEqual([
        { path: '', message: `a finding must be a JSON object, not ${kind}` },
      ]);
    }
  });

  it('keeps fields it does not know (AWS adds fields; the raw finding is kept)', () => {
    expect(problemsOf(withField({ SomethingNew: { a: 1 } }))).toEqual([]);
  });

  it('stops at 25 problems, however many the finding has', () => {
    const types = Array.from({ length: 40 }, () => 1);
    expect(problemsOf(withField({ Types: types }))).toHaveLength(25);
    const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 1]));
    expect(problemsOf(withField({ ProductFields: fields }))).toHaveLength(25);
    expect(problemsOf(withField({ ProductFields: fields, Types: types, Title: 1 }))).toHaveLength(25);
  });

  it('checks limits only once the types are right', () => {
    expect(problemsOf(withField({ Title: 42, SchemaVersion: 'x' }))).toEqual([
      { path: 'Title', message: 'must be a string, not number 42' },
    ]);
  });
});

describe('limits and closed value sets that hold for every finding', () => {
  const cases: [string, Record<string, unknown>, { path: string; message: string }][] = [
    [
      'the schema version',
      { SchemaVersion: '2019-01-01' },
      { path: 'SchemaVersion', message: 'must be "2018-10-08"; got "2019-01-01"' },
    ],
    [
      'an ARN as ProductArn',
      { ProductArn: 'inspector' },
      { path: 'ProductArn', message: 'must be an ARN; got "inspector"' },
    ],
    [
      'a 12-digit account',
      { AwsAccountId: '1234567' },
      { path: 'AwsAccountId', message: 'must be a 12-digit AWS account id; got "1234567"' },
    ],
    [
      'an ASFF date',
      { CreatedAt: '2026-10-01' },
      {
        path: 'CreatedAt',
        message:
          'must be an ISO-8601 date-time with a time zone (e.g. 2026-01-31T12:00:00.000Z); got "2026-10-01"',
      },
    ],
    [
      'FirstObservedAt',
      { FirstObservedAt: 'soon' },
      { path: 'FirstObservedAt', message: expect.stringContaining('got "soon"') as never },
    ],
    [
      'LastObservedAt',
      { LastObservedAt: 'soon' },
      { path: 'LastObservedAt', message: expect.stringContaining('ISO-8601') as never },
    ],
    [
      'ProcessedAt',
      { ProcessedAt: 'soon' },
      { path: 'ProcessedAt', message: expect.stringContaining('ISO-8601') as never },
    ],
    [
      'UpdatedAt',
      { UpdatedAt: '2026-10-01T10:00:00' },
      { path: 'UpdatedAt', message: expect.stringContaining('time zone') as never },
    ],
    [
      'a resource type',
      { Resources: [{ Type: '', Id: 'x' }] },
      { path: 'Resources[0].Type', message: 'must not be empty' },
    ],
    [
      'a resource id',
      { Resources: [{ Type: 'Other', Id: '' }] },
      { path: 'Resources[0].Id', message: 'must not be empty' },
    ],
    [
      'a severity label',
      { Severity: { Label: 'SEVERE' } },
      {
        path: 'Severity.Label',
        message: 'must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL; got "SEVERE"',
      },
    ],
    [
      'Normalized 0–100',
      { Severity: { Label: 'LOW', Normalized: 101 } },
      { path: 'Severity.Normalized', message: 'must be between 0 and 100; got 101' },
    ],
    [
      'Normalized not below 0',
      { Severity: { Label: 'LOW', Normalized: -1 } },
      { path: 'Severity.Normalized', message: 'must be between 0 and 100; got -1' },
    ],
    [
      'a workflow status',
      { Workflow: { Status: 'DONE' } },
      { path: 'Workflow.Status', message: 'must be one of NEW, NOTIFIED, RESOLVED, SUPPRESSED; got "DONE"' },
    ],
    [
      'a record state',
      { RecordState: 'GONE' },
      { path: 'RecordState', message: 'must be one of ACTIVE, ARCHIVED; got "GONE"' },
    ],
    [
      'a compliance status',
      { Compliance: { Status: 'INFOED' } },
      {
        path: 'Compliance.Status',
        message: 'must be one of PASSED, WARNING, FAILED, NOT_AVAILABLE; got "INFOED"',
      },
    ],
    [
      'Confidence 0–100',
      { Confidence: 101 },
      { path: 'Confidence', message: 'must be between 0 and 100; got 101' },
    ],
    [
      'Criticality 0–100',
      { Criticality: -5 },
      { path: 'Criticality', message: 'must be between 0 and 100; got -5' },
    ],
    [
      'FixAvailable',
      { Vulnerabilities: [{ Id: 'CVE-2026-1', FixAvailable: 'MAYBE' }] },
      { path: 'Vulnerabilities[0].FixAvailable', message: 'must be one of YES, NO, PARTIAL; got "MAYBE"' },
    ],
    [
      'ExploitAvailable',
      { Vulnerabilities: [{ Id: 'CVE-2026-1', ExploitAvailable: 'PARTIAL' }] },
      { path: 'Vulnerabilities[0].ExploitAvailable', message: 'must be one of YES, NO; got "PARTIAL"' },
    ],
    [
      'EPSS 0–1',
      { Vulnerabilities: [{ Id: 'CVE-2026-1', EpssScore: 1.5 }] },
      { path: 'Vulnerabilities[0].EpssScore', message: 'must be between 0 and 1; got 1.5' },
    ],
    [
      'LastKnownExploitAt',
      { Vulnerabilities: [{ Id: 'CVE-2026-1', LastKnownExploitAt: 'last year' }] },
      {
        path: 'Vulnerabilities[0].LastKnownExploitAt',
        message: expect.stringContaining('got "last year"') as never,
      },
    ],
    [
      'a CVSS base score 0–10',
      { Vulnerabilities: [{ Id: 'CVE-2026-1', Cvss: [{ BaseScore: 5 }, { BaseScore: 10.5 }] }] },
      { path: 'Vulnerabilities[0].Cvss[1].BaseScore', message: 'must be between 0 and 10; got 10.5' },
    ],
  ];
  for (const [what, changes, problem] of cases) {
    it(`checks ${what}`, () => {
      expect(problemsOf(withField(changes))).toEqual([problem]);
      // The same rule holds on import.
      expect(problemsOf(withField(changes), 'import')).toContainEqual(problem);
    });
  }

  it('accepts the bounds themselves', () => {
    expect(
      problemsOf(
        withField({
          Severity: { Label: 'CRITICAL', Normalized: 100 },
          Confidence: 0,
          Criticality: 100,
          Vulnerabilities: [{ Id: 'CVE-2026-1', EpssScore: 1, Cvss: [{ BaseScore: 10 }, { BaseScore: 0 }] }],
        }),
      ),
    ).toEqual([]);
  });

  it('needs at least one resource', () => {
    expect(problemsOf(withField({ Resources: [] }))).toEqual([
      { path: 'Resources', message: 'must list at least one resource' },
    ]);
    expect(problemsOf(withField({ Resources: [] }), 'import')).toEqual([
      { path: 'Resources', message: 'must list 1 to 32 resources; got 0' },
    ]);
  });

  it(`refuses an Id or ProductArn longer than Hubgraph indexes (${MAX_INDEXED_LENGTH}) when reading`, () => {
    expect(problemsOf(withField({ Id: 'x'.repeat(MAX_INDEXED_LENGTH) }))).toEqual([]);
    expect(problemsOf(withField({ ProductArn: `arn:${'x'.repeat(MAX_INDEXED_LENGTH)}` }))).toEqual([
      {
        path: 'ProductArn',
        message: `is ${MAX_INDEXED_LENGTH + 4} characters; Hubgraph stores at most ${MAX_INDEXED_LENGTH} (AWS imports at most 512)`,
      },
    ]);
  });
});

describe('limits only BatchImportFindings applies', () => {
  const resource = base.Resources![0]!;
  const cases: [string, Record<string, unknown>, { path: string; message: string }][] = [
    ['Id', { Id: 'x'.repeat(513) }, { path: 'Id', message: 'is 513 characters; at most 512 are allowed' }],
    [
      'GeneratorId',
      { GeneratorId: 'x'.repeat(513) },
      { path: 'GeneratorId', message: 'is 513 characters; at most 512 are allowed' },
    ],
    [
      'Title',
      { Title: 'x'.repeat(257) },
      { path: 'Title', message: 'is 257 characters; at most 256 are allowed' },
    ],
    [
      'Description',
      { Description: 'x'.repeat(1025) },
      { path: 'Description', message: 'is 1025 characters; at most 1024 are allowed' },
    ],
    [
      '33 resources',
      { Resources: Array.from({ length: 33 }, () => resource) },
      { path: 'Resources', message: 'must list 1 to 32 resources; got 33' },
    ],
    [
      'Severity.Original',
      { Severity: { Label: 'LOW', Original: 'x'.repeat(65) } },
      { path: 'Severity.Original', message: 'is 65 characters; at most 64 are allowed' },
    ],
    [
      '51 types',
      { Types: Array.from({ length: 51 }, (_, i) => `T/${i}`) },
      { path: 'Types', message: 'at most 50 types are allowed' },
    ],
    [
      '51 ProductFields',
      { ProductFields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      { path: 'ProductFields', message: 'at most 50 fields are allowed; got 51' },
    ],
    [
      'a ProductFields value',
      { ProductFields: { k: 'v'.repeat(2049) } },
      { path: 'ProductFields["k"]', message: 'is 2049 characters; at most 2048 are allowed' },
    ],
    [
      'a ProductFields key',
      { ProductFields: { ['k'.repeat(129)]: 'v' } },
      { path: `ProductFields["${'k'.repeat(20)}…"]`, message: 'keys are at most 128 characters' },
    ],
  ];
  for (const [what, changes, problem] of cases) {
    it(`limits ${what} on import only`, () => {
      expect(problemsOf(withField(changes), 'import')).toEqual([problem]);
      expect(problemsOf(withField(changes), 'read')).toEqual([]);
    });
  }

  it('accepts the limits themselves on import', () => {
    expect(
      problemsOf(
        withField({
          Id: 'x'.repeat(512),
          Title: 'x'.repeat(256),
          Description: 'x'.repeat(1024),
          Resources: Array.from({ length: 32 }, () => resource),
          Types: Array.from({ length: 50 }, (_, i) => `T/${i}`),
          ProductFields: { ['k'.repeat(128)]: 'v'.repeat(2048) },
          Severity: { Label: 'LOW', Original: 'x'.repeat(64) },
        }),
        'import',
      ),
    ).toEqual([]);
  });
});

describe('ASFF dates', () => {
  it('take a time zone, Z or an offset, with or without fractions; nothing else', () => {
    for (const good of [
      '2026-10-01T10:00:00Z',
      '2026-10-01T10:00:00.123Z',
      '2026-10-01T10:00:00+02:00',
      '2026-10-01T10:00:00.123456789-0500',
    ])
      expect(isAsffDate(good), good).toBe(true);
    for (const bad of [
      '2026-10-01T10:00:00',
      '2026-10-01',
      '1',
      '2026-13-01T10:00:00Z',
      ' 2026-10-01T10:00:00Z',
      7,
    ])
      expect(isAsffDate(bad), String(bad)).toBe(false);
  });
});

it('passes a real finding through as the finding it was given', () => {
  const finding: AwsSecurityFinding = base;
  expect(validateAsff(finding)).toEqual({ ok: true, finding });
});
