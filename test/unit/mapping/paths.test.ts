import { describe, expect, it } from 'vitest';
import { compilePath, PathError, parsePath, typeOfPath } from '../../../src/mapping/paths.ts';

// The source path language at its edges: exact messages (with the position of the problem),
// brackets and quotes inside keys, values a reader meets that are not what ASFF promises.

function refusal(source: string): PathError {
  try {
    compilePath(source);
  } catch (error) {
    if (error instanceof PathError) return error;
    throw error;
  }
  throw new Error(`${source} compiled`);
}

describe('what a path says', () => {
  it('reads spaces around indexes and comparisons, and several digits', () => {
    const finding = {
      Resources: Array.from({ length: 12 }, (_, i) => ({
        Id: `r-${i}`,
        Type: i === 11 ? 'AwsS3Bucket' : 'Other',
      })),
    };
    expect(compilePath('Resources[ 0 ].Id').read(finding)).toBe('r-0');
    expect(compilePath('Resources[10].Id').read(finding)).toBe('r-10');
    expect(compilePath('Resources[-12].Id').read(finding)).toBe('r-0');
    expect(compilePath('Resources[Type = AwsS3Bucket].Id').read(finding)).toEqual(['r-11']);
    expect(compilePath('Resources[Type="AwsS3Bucket"].Id').read(finding)).toEqual(['r-11']);
  });

  it('reads brackets, quotes and backslashes inside a quoted key', () => {
    const productFields = { 'a]b': 'bracket', 'a"]': 'escaped quote' };
    expect(compilePath('ProductFields["a]b"]').read({ ProductFields: productFields })).toBe('bracket');
    expect(compilePath('ProductFields["a\\"]"]').read({ ProductFields: productFields })).toBe(
      'escaped quote',
    );
  });

  it('parses steps one after another, a bracket right after a bracket included', () => {
    expect(parsePath('Resources[0][1]')).toEqual([
      { kind: 'field', name: 'Resources' },
      { kind: 'index', index: 0 },
      { kind: 'index', index: 1 },
    ]);
  });
});

describe('refused paths, with exact messages', () => {
  const cases: [string, string][] = [
    [
      'ProductFields["\\q"]',
      '"\\q" is not a valid quoted text (escapes are JSON\'s: \\" \\\\ \\n \\uXXXX) at position 14 of `ProductFields["\\q"]`',
    ],
    [
      'Resources[Type="\\q"].Id',
      '"\\q" is not a valid quoted text (escapes are JSON\'s: \\" \\\\ \\n \\uXXXX) at position 10 of `Resources[Type="\\q"].Id`',
    ],
    ['   ', 'the path is empty'],
    ['Resources..Id', 'expected a field name at position 11 of `Resources..Id`'],
    ['Title x', 'unexpected ` ` at position 6 of `Title x`'],
    ['Resources[0', 'unclosed [ at position 10 of `Resources[0`'],
    ['Resources[0x]', '`[0x]` is not [n], [*], ["key"] or [Field=value] at position 10 of `Resources[0x]`'],
    [
      'Resources[0Type=x]',
      '`[0Type=x]` is not [n], [*], ["key"] or [Field=value] at position 10 of `Resources[0Type=x]`',
    ],
    [
      'Resources[Type="a"b].Id',
      '`[Type="a"b]` is not [n], [*], ["key"] or [Field=value] at position 10 of `Resources[Type="a"b].Id`',
    ],
    [
      'ProductFields["a"b]',
      '`["a"b]` is not [n], [*], ["key"] or [Field=value] at position 14 of `ProductFields["a"b]`',
    ],
    ['Titel', '`Titel`: AwsSecurityFinding has no field Titel'],
    ['severity', '`severity`: AwsSecurityFinding has no field severity (did you mean Severity?)'],
    ['Severity[0]', '`Severity[0]`: [0] needs a list, but this is a structure'],
    ['Severity[*]', '`Severity[*]`: [*] needs a list, but this is a structure'],
    ['Severity[Label=HIGH]', '`Severity[Label=HIGH]`: [Label=HIGH] needs a list, but this is a structure'],
    ['Types[Name=x]', "`Types[Name=x]`: the list's elements have no field Name to compare"],
    ['Title["x"]', '`Title["x"]`: ["x"] needs a map, but this is a string'],
  ];
  for (const [source, message] of cases) {
    it(`\`${source}\`: ${message}`, () => {
      const error = refusal(source);
      expect(error.message).toBe(message);
      expect(error.name).toBe('PathError');
    });
  }
});

describe('the type a path yields', () => {
  it('is anything under a free-form document, however deep', () => {
    expect(compilePath('Resources[0].Details.AzureResource.Name').type).toMatchObject({
      kind: 'any',
      many: false,
    });
    expect(compilePath('Resources[*].Details.AzureResource.Name.First').type).toMatchObject({
      kind: 'any',
      many: true,
    });
  });

  it('is anything under a shape the schema does not know, and a string for a timestamp', () => {
    expect(typeOfPath([{ kind: 'field', name: 'x' }], 'x', { kind: 'any' })).toEqual({
      kind: 'any',
      many: false,
      shape: { kind: 'any' },
    });
    expect(typeOfPath([], '', { kind: 'timestamp' })).toEqual({
      kind: 'string',
      name: undefined,
      many: false,
      shape: { kind: 'timestamp' },
    });
  });
});

describe('reading findings that are not what ASFF promises', () => {
  it('skips nulls and missing values when a path fans out', () => {
    const finding = {
      Resources: [null, { Partition: 'aws' }, { Partition: null }, {}, { Details: null }],
    };
    expect(compilePath('Resources[*].Partition').read(finding)).toEqual(['aws']);
    expect(compilePath('Resources[*].Details.AwsEc2Instance.ImageId').read(finding)).toEqual([]);
    expect(compilePath('Resources[Partition=aws].Partition').read(finding)).toEqual(['aws']);
  });

  it('reads nothing from a list that is not one, or a map that is a string', () => {
    expect(compilePath('Resources[*].Id').read({ Resources: { Id: 'x' } })).toEqual([]);
    expect(compilePath('ProductFields["length"]').read({ ProductFields: 'abc' })).toBeUndefined();
    // Under a free-form document any name is a field, but a text has none.
    const document = compilePath('Resources[0].Details.AzureResource.length');
    expect(document.read({ Resources: [{ Details: { AzureResource: 'abc' } }] })).toBeUndefined();
    expect(document.read({ Resources: [{ Details: { AzureResource: { length: 3 } } }] })).toBe(3);
  });
});
