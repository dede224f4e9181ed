import { describe, expect, it } from 'vitest';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import {
  compileTransformMap,
  type TransformMapDefinition,
  type TransformMapEntryDefinition,
} from '../../../src/mapping/transform-map.ts';

// Transform map validation with exact errors (what the API returns to the integrator), and what a
// compiled map does with the values it reads: alternatives, placeholders, values of the wrong type
// under free-form documents (Details.AzureResource), the warnings it gives.

const TARGETS =
  'externalAssetId, findingName, externalFindingId, findingSeverity, findingDescription, findingFirstFoundOn, findingLastFoundOn, productName, recommendation, vulnerablePackageName, vulnerablePackageVersion, fixedVersion, cvssV2Base, cvss3Base, isExploitAvailable, isPatchAvailable, references, assetName, cloudInstanceId, systemType';
const TRANSFORMS =
  'severityLevel, cvssBaseScore, recommendation, yesNoToBoolean, first, join, date, lastSegment, resourceName, resourceArn, asffResourceType, ocsfTime, ocsfSeverityLevel, anyTrue, allTrue';

/** The built-in map with the entries for some targets replaced, those entries last. */
const withEntries = (entries: TransformMapEntryDefinition[], name = 'Custom'): TransformMapDefinition => ({
  name,
  entries: [
    ...VULNERABILITY_MAP.entries.filter((entry) => !entries.some((e) => e.target === entry?.target)),
    ...entries,
  ],
});
const LAST = VULNERABILITY_MAP.entries.length - 1;

const errorsOf = (definition: TransformMapDefinition) => {
  const result = compileTransformMap(definition);
  return result.ok ? [] : result.errors;
};
/** The errors of one replaced entry (the last). */
const entryErrors = (entry: TransformMapEntryDefinition) => errorsOf(withEntries([entry]));
const invalid = (field: string, message: string) => [
  { field: ['entries', LAST, field], message, code: 'INVALID' },
];

function compiled(entries: TransformMapEntryDefinition[]) {
  const result = compileTransformMap(withEntries(entries));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.map;
}

describe('the map itself', () => {
  it('needs a name of at most 100 characters', () => {
    const nameErrors = (name: unknown) =>
      errorsOf({ ...withEntries([]), name: name as string }).filter((error) => error.field[0] === 'name');
    expect(nameErrors('   ')).toEqual([
      { field: ['name'], message: 'A map needs a name.', code: 'REQUIRED' },
    ]);
    expect(nameErrors(undefined)).toEqual([
      { field: ['name'], message: 'A map needs a name.', code: 'REQUIRED' },
    ]);
    expect(nameErrors('n'.repeat(101))).toEqual([
      { field: ['name'], message: 'A name has at most 100 characters.', code: 'TOO_LONG' },
    ]);
    expect(nameErrors('n'.repeat(100))).toEqual([]);
  });

  it('needs a list of entries', () => {
    expect(compileTransformMap({ name: 'Custom', entries: undefined as never })).toEqual({
      ok: false,
      errors: [{ field: ['entries'], message: 'A map needs a list of entries.', code: 'REQUIRED' }],
    });
  });

  it('has at most 100 entries', () => {
    const padded = (count: number) => ({
      name: 'Custom',
      entries: [
        ...VULNERABILITY_MAP.entries,
        ...Array.from({ length: count - VULNERABILITY_MAP.entries.length }, () => ({
          target: 'systemType',
          source: 'Title',
        })),
      ],
    });
    const tooLong = { field: ['entries'], message: 'A map has at most 100 entries.', code: 'TOO_LONG' };
    expect(errorsOf(padded(101))).toContainEqual(tooLong);
    expect(errorsOf(padded(100))).not.toContainEqual(tooLong);
  });

  it('keeps its key, or has none', () => {
    const builtIn = compileTransformMap(VULNERABILITY_MAP);
    const custom = compileTransformMap(withEntries([]));
    expect([builtIn.ok && builtIn.map.key, custom.ok && custom.map.key]).toEqual([
      'aws-security-hub-vulnerability',
      null,
    ]);
  });
});

describe('entries, with exact errors', () => {
  it('an entry that is no object at all', () => {
    const errors = errorsOf({ ...withEntries([]), entries: [...VULNERABILITY_MAP.entries, null as never] });
    const at = VULNERABILITY_MAP.entries.length;
    expect(errors).toEqual([
      {
        field: ['entries', at, 'target'],
        message: `\`undefined\` is not a field a map can fill. Fields: ${TARGETS}.`,
        code: 'NOT_ALLOWED',
      },
      {
        field: ['entries', at, 'source'],
        message: 'A source path is required (e.g. `Title` or `FirstObservedAt ?? CreatedAt`).',
        code: 'REQUIRED',
      },
    ]);
  });

  it('an unknown target, and an unknown transform, list what there is', () => {
    expect(
      errorsOf({
        ...withEntries([]),
        entries: [...VULNERABILITY_MAP.entries, { target: 'colour', source: 'Title' }],
      }),
    ).toEqual([
      {
        field: ['entries', LAST + 1, 'target'],
        message: `\`colour\` is not a field a map can fill. Fields: ${TARGETS}.`,
        code: 'NOT_ALLOWED',
      },
    ]);
    expect(entryErrors({ target: 'findingName', source: 'Title', transform: 'shout' })).toEqual([
      {
        field: ['entries', LAST, 'transform'],
        message: `Unknown transform \`shout\`. Transforms: ${TRANSFORMS}.`,
        code: 'NOT_ALLOWED',
      },
    ]);
  });

  it('a source that is missing, not text, or has an empty alternative', () => {
    const required = [
      {
        field: ['entries', LAST, 'source'],
        message: 'A source path is required (e.g. `Title` or `FirstObservedAt ?? CreatedAt`).',
        code: 'REQUIRED',
      },
    ];
    expect(entryErrors({ target: 'findingName' } as TransformMapEntryDefinition)).toEqual(required);
    expect(entryErrors({ target: 'findingName', source: 42 as never })).toEqual(required);
    expect(entryErrors({ target: 'findingName', source: 'Title ??' })).toEqual(required);
    expect(entryErrors({ target: 'findingName', source: 'Title ?? Description' })).toEqual([]);
  });

  it('arguments without a transform', () => {
    expect(entryErrors({ target: 'findingName', source: 'Title', args: { separator: '/' } })).toEqual(
      invalid('args', 'Arguments need a transform to go with.'),
    );
    expect(entryErrors({ target: 'findingName', source: 'Title', args: {} })).toEqual([]);
    // One error at a time: the types are checked once the entry is otherwise right.
    expect(entryErrors({ target: 'findingName', source: 'Severity.Normalized', args: { x: 1 } })).toEqual(
      invalid('args', 'Arguments need a transform to go with.'),
    );
  });
});

describe('types: what a path yields, after its transform, against what the field needs', () => {
  const cases: [string, TransformMapEntryDefinition, ReturnType<typeof invalid> | []][] = [
    ['a date-time text for a date', { target: 'findingFirstFoundOn', source: 'CreatedAt' }, []],
    ['a date made text again', { target: 'findingName', source: 'CreatedAt', transform: 'date' }, []],
    [
      'a number for a date',
      { target: 'findingFirstFoundOn', source: 'Severity.Normalized' },
      invalid('source', '`Severity.Normalized`: yields a number, but the field needs date.'),
    ],
    [
      'a transform’s number for a date',
      { target: 'findingFirstFoundOn', source: 'Severity.Label', transform: 'severityLevel' },
      invalid(
        'transform',
        '`Severity.Label`: transform severityLevel yields a number, but the field needs date.',
      ),
    ],
    [
      'several texts for a date',
      { target: 'findingFirstFoundOn', source: 'Resources[*].Id' },
      invalid(
        'source',
        '`Resources[*].Id`: yields several string values, but the field needs date. Add the transform `first`, or `join` for text.',
      ),
    ],
    [
      'text for a boolean',
      { target: 'isExploitAvailable', source: 'Title' },
      invalid('source', '`Title`: yields a string, but the field needs boolean.'),
    ],
    [
      'several booleans for a boolean',
      {
        target: 'isExploitAvailable',
        source: 'Resources[*].Details.AwsS3Bucket.PublicAccessBlockConfiguration.BlockPublicAcls',
      },
      invalid(
        'source',
        '`Resources[*].Details.AwsS3Bucket.PublicAccessBlockConfiguration.BlockPublicAcls`: yields several boolean values, but the field needs boolean. Add the transform `first`, or `join` for text.',
      ),
    ],
    [
      'a number for a list of texts',
      { target: 'references', source: 'Severity.Normalized' },
      invalid('source', '`Severity.Normalized`: yields a number, but the field needs string[].'),
    ],
    [
      'several numbers for a list of texts',
      { target: 'references', source: 'Vulnerabilities[*].Cvss[*].BaseScore' },
      invalid(
        'source',
        '`Vulnerabilities[*].Cvss[*].BaseScore`: yields several number values, but the field needs string[].',
      ),
    ],
    [
      'a list of resources for a list of texts',
      { target: 'references', source: 'Resources' },
      invalid('source', '`Resources`: yields a list, but the field needs string[].'),
    ],
    ['a list of texts for a list of texts', { target: 'references', source: 'Types' }, []],
    ['several texts for a list of texts', { target: 'references', source: 'Resources[*].Id' }, []],
    [
      'a resource for a text',
      { target: 'findingName', source: 'Resources[0]' },
      invalid('source', '`Resources[0]`: yields a Resource object, but the field needs string.'),
    ],
    [
      'anything under a free-form document',
      { target: 'findingName', source: 'Resources[0].Details.AzureResource.Name' },
      [],
    ],
    [
      'the first of several texts',
      { target: 'assetName', source: 'Resources[*].Id', transform: 'first' },
      [],
    ],
    ['the first of a list of texts', { target: 'findingName', source: 'Types', transform: 'first' }, []],
    [
      'the first of a list of texts for a number',
      { target: 'cvss3Base', source: 'Types', transform: 'first' },
      invalid('transform', '`Types`: transform first yields a string, but the field needs number.'),
    ],
    [
      'the first of several resources for a text',
      { target: 'assetName', source: 'Resources[*]', transform: 'first' },
      invalid(
        'transform',
        '`Resources[*]`: transform first yields a Resource object, but the field needs string.',
      ),
    ],
  ];
  for (const [name, entry, errors] of cases) {
    it(name, () => {
      expect(entryErrors(entry)).toEqual(errors);
    });
  }
});

describe('applying a map', () => {
  it('takes the next alternative when one reads an empty text, without running the transform on it', () => {
    const map = compiled([{ target: 'assetName', source: 'Note.Text ?? Title' }]);
    expect(map.apply({ Note: { Text: '' }, Title: 'T' }).values.assetName).toBe('T');
    const dates = compiled([]).apply({ FirstObservedAt: '', CreatedAt: '2026-01-01T00:00:00+01:00' });
    expect(dates.values.findingFirstFoundOn).toBe('2025-12-31T23:00:00.000Z');
    expect(dates.warnings).toEqual([]);
  });

  it('runs the transform on an empty text of a single path, which may warn', () => {
    const map = compiled([{ target: 'findingFirstFoundOn', source: 'CreatedAt', transform: 'date' }]);
    const applied = map.apply({ CreatedAt: '' });
    expect(applied.values.findingFirstFoundOn).toBeUndefined();
    expect(applied.warnings).toEqual(['findingFirstFoundOn: date: "" is not a date-time']);
  });

  it('keeps a list of distinct non-empty texts, at most two levels deep, from a free-form document', () => {
    const map = compiled([{ target: 'references', source: 'Resources[0].Details.AzureResource.Urls' }]);
    const read = (Urls: unknown) => map.apply({ Resources: [{ Details: { AzureResource: { Urls } } }] });
    expect(read(['a', '', 5, ['b', ['c']], 'a']).values.references).toEqual(['a', 'b', 'c']);
    expect(read('https://example.com/advisory').values.references).toEqual(['https://example.com/advisory']);
    const none = read(5);
    expect([none.values, none.warnings]).toEqual([{}, []]);
  });

  it('drops a value of the wrong type for its field, and says so', () => {
    const map = compiled([
      { target: 'assetName', source: 'Resources[0].Details.AzureResource.Name' },
      { target: 'cvss3Base', source: 'Resources[0].Details.AzureResource.Score' },
      { target: 'isExploitAvailable', source: 'Resources[0].Details.AzureResource.Exploit' },
      { target: 'findingFirstFoundOn', source: 'Resources[0].Details.AzureResource.Seen' },
    ]);
    const applied = map.apply({
      Resources: [
        { Details: { AzureResource: { Name: 5, Score: '7.5', Exploit: 'true', Seen: 'yesterday' } } },
      ],
    });
    expect(applied.values).toEqual({});
    expect(applied.warnings).toEqual([
      'assetName: ignored 5, which is not a string',
      'cvss3Base: ignored "7.5", which is not a number',
      'isExploitAvailable: ignored "true", which is not a boolean',
      'findingFirstFoundOn: ignored "yesterday", which is not a date',
    ]);
    const right = map.apply({
      Resources: [
        {
          Details: {
            AzureResource: { Name: 'vm-1', Score: 7.5, Exploit: false, Seen: '2026-01-01T00:00:00Z' },
          },
        },
      ],
    });
    expect([right.values, right.warnings]).toEqual([
      {
        assetName: 'vm-1',
        cvss3Base: 7.5,
        isExploitAvailable: false,
        findingFirstFoundOn: '2026-01-01T00:00:00.000Z',
      },
      [],
    ]);
  });

  it('drops a number that is no number, and quotes at most 60 characters of what it drops', () => {
    const map = compiled([{ target: 'cvss3Base', source: 'Resources[0].Details.AzureResource.Score' }]);
    const applied = (Score: unknown) => map.apply({ Resources: [{ Details: { AzureResource: { Score } } }] });
    const nan = applied(Number.NaN);
    expect([nan.values, nan.warnings]).toEqual([{}, ['cvss3Base: ignored null, which is not a number']]);
    expect(applied('x'.repeat(100)).warnings).toEqual([
      `cvss3Base: ignored "${'x'.repeat(59)}, which is not a number`,
    ]);
  });
});
