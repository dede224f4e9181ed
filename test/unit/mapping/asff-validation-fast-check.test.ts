import { describe, expect, it } from 'vitest';
import { isAsffDate, validateAsff } from '../../../src/mapping/asff-validation.ts';

// The yes/no pre-check (`validator`) must never say yes where the detailed checker finds a problem;
// these findings are built so that the pre-check's answer alone decides the outcome (no other field
// makes it say no), and each expects the checker's exact problems.

const minimal = () => ({
  SchemaVersion: '2018-10-08',
  Id: 'finding-1',
  ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
  GeneratorId: 'generator',
  AwsAccountId: '123456789012',
  CreatedAt: '2026-01-31T12:00:00Z',
  UpdatedAt: '2026-01-31T12:00:00Z',
  Title: 'title',
  Description: 'description',
  Resources: [{ Type: 'Other', Id: 'resource' }] as unknown[],
});
const problemsOf = (input: unknown, mode: 'read' | 'import' = 'read') => {
  const result = validateAsff(input, mode);
  return result.ok ? [] : result.problems;
};
const REQUIRED = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'CreatedAt',
  'UpdatedAt',
  'Title',
  'Description',
  'Resources',
];

describe('the fast pre-check never accepts what the checker refuses', () => {
  it('accepts the minimal finding, in both modes', () => {
    expect(validateAsff(minimal())).toEqual({ ok: true, finding: minimal() });
    expect(validateAsff(minimal(), 'import')).toEqual({ ok: true, finding: minimal() });
  });

  it('refuses a finding whose every string is a number', () => {
    const strings = REQUIRED.filter((name) => name !== 'Resources');
    const input: Record<string, unknown> = Object.fromEntries(strings.map((name, i) => [name, i]));
    input.Resources = [{ Type: 10, Id: 11 }];
    expect(problemsOf(input)).toEqual([
      ...strings.map((name, i) => ({ path: name, message: `must be a string, not number ${i}` })),
      { path: 'Resources[0].Type', message: 'must be a string, not number 10' },
      { path: 'Resources[0].Id', message: 'must be a string, not number 11' },
    ]);
    input.Resources = [5];
    expect(problemsOf(input)).toEqual([
      ...strings.map((name, i) => ({ path: name, message: `must be a string, not number ${i}` })),
      { path: 'Resources[0]', message: 'must be an object, not number 5' },
    ]);
  });

  it('refuses a number field that holds a boolean or a string', () => {
    expect(problemsOf({ ...minimal(), Confidence: true })).toEqual([
      { path: 'Confidence', message: 'must be a number, not boolean true' },
    ]);
    expect(problemsOf({ ...minimal(), Criticality: '5' })).toEqual([
      { path: 'Criticality', message: 'must be a number, not the string "5"' },
    ]);
  });

  it('refuses a boolean field that holds a list', () => {
    expect(problemsOf({ ...minimal(), Sample: [] })).toEqual([
      { path: 'Sample', message: 'must be true or false, not a list' },
    ]);
  });

  it('refuses a list whose only member is wrong', () => {
    expect(problemsOf({ ...minimal(), Resources: [5] })).toEqual([
      { path: 'Resources[0]', message: 'must be an object, not number 5' },
    ]);
  });

  it('refuses a map that is a number, or whose only value is wrong', () => {
    expect(problemsOf({ ...minimal(), ProductFields: 5 })).toEqual([
      { path: 'ProductFields', message: 'must be an object of key-value pairs, not number 5' },
    ]);
    expect(problemsOf({ ...minimal(), ProductFields: { a: 5 } })).toEqual([
      { path: 'ProductFields["a"]', message: 'must be a string, not number 5' },
    ]);
  });

  it('names every required field when all are missing, or all are null', () => {
    const required = REQUIRED.map((path) => ({ path, message: 'is required' }));
    expect(problemsOf({})).toEqual(required);
    expect(problemsOf(Object.fromEntries(REQUIRED.map((name) => [name, null])))).toEqual(required);
  });
});

describe('the detailed checker', () => {
  it('finds no problem in a right boolean next to a wrong field', () => {
    expect(problemsOf({ ...minimal(), Sample: true, Title: 42 })).toEqual([
      { path: 'Title', message: 'must be a string, not number 42' },
    ]);
  });

  it('accepts any document (Resources[].Details.AzureResource) next to a wrong field', () => {
    const resource = { Type: 'Other', Id: 'resource', Details: { AzureResource: { any: [1, 'two'] } } };
    expect(problemsOf({ ...minimal(), Title: 42, Resources: [resource] })).toEqual([
      { path: 'Title', message: 'must be a string, not number 42' },
    ]);
  });

  it('returns 25 problems even when a required-field check pushes past 25', () => {
    // 12 empty resources make 24 problems; the 13th adds two ("Type", "Id" are required).
    const resources = Array.from({ length: 13 }, () => ({}));
    const problems = problemsOf({ ...minimal(), Resources: resources });
    expect(problems).toHaveLength(25);
    expect(problems[24]).toEqual({ path: 'Resources[12].Type', message: 'is required' });
  });

  it('quotes a string of exactly 40 characters whole', () => {
    expect(problemsOf({ ...minimal(), Confidence: 'y'.repeat(40) })).toEqual([
      { path: 'Confidence', message: `must be a number, not the string "${'y'.repeat(40)}"` },
    ]);
  });
});

describe('limits', () => {
  it('wants exactly 12 digits as the account id', () => {
    for (const id of ['1234567890123', 'x123456789012']) {
      expect(problemsOf({ ...minimal(), AwsAccountId: id })).toEqual([
        { path: 'AwsAccountId', message: `must be a 12-digit AWS account id; got "${id}"` },
      ]);
    }
  });

  it('accepts exactly 50 ProductFields on import', () => {
    const fields = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    expect(problemsOf({ ...minimal(), ProductFields: fields }, 'import')).toEqual([]);
  });

  it('does not take a list holding a date for a date', () => {
    expect(isAsffDate('2026-01-31T12:00:00Z')).toBe(true);
    expect(isAsffDate(['2026-01-31T12:00:00Z'])).toBe(false);
  });
});
