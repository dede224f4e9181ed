import { describe, expect, it } from 'vitest';
import { aControlAsff, anInspectorEc2Asff } from '../../../src/emulator/generator/index.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { compilePath, PathError } from '../../../src/mapping/paths.ts';
import { compileTransformMap, type TransformMapDefinition } from '../../../src/mapping/transform-map.ts';

describe('the path language', () => {
  const finding = anInspectorEc2Asff();
  const cases: [string, unknown][] = [
    ['Title', finding.Title],
    ['Severity.Label', finding.Severity!.Label],
    ['Resources[0].Id', finding.Resources![0]!.Id],
    ['Resources[-1].Type', 'AwsEc2Instance'],
    ['Resources[*].Type', ['AwsEc2Instance']],
    [
      'Vulnerabilities[*].Cvss[Version=3.1].BaseScore',
      finding.Vulnerabilities![0]!.Cvss!.filter((c) => c.Version === '3.1').map((c) => c.BaseScore),
    ],
    [
      'Vulnerabilities[0].Cvss[Source="NVD"].Version',
      ['3.1', ...(finding.Vulnerabilities![0]!.Cvss!.some((c) => c.Version === '2.0') ? ['2.0'] : [])],
    ],
    ['ProductFields["aws/securityhub/FindingId"]', `${finding.ProductArn}/${finding.Id}`],
    ['Resources[0].Details.AwsEc2Instance.ImageId', 'ami-0abcdef1234567890'],
    ['Note.Text', undefined],
    ['Resources[5].Id', undefined],
  ];
  for (const [source, expected] of cases) {
    it(`reads ${source}`, () => {
      expect(compilePath(source).read(finding)).toEqual(expected);
    });
  }

  it('knows the type each path yields', () => {
    expect(compilePath('Severity.Normalized').type).toMatchObject({ kind: 'number', many: false });
    expect(compilePath('Resources[*].Id').type).toMatchObject({ kind: 'string', many: true });
    expect(compilePath('Vulnerabilities[*]').type).toMatchObject({
      kind: 'structure',
      name: 'Vulnerability',
      many: true,
    });
    expect(compilePath('Types').type).toMatchObject({ kind: 'list', many: false });
  });

  const invalid: [string, RegExp][] = [
    ['Titel', /has no field Titel/],
    ['severity.label', /did you mean Severity/],
    ['Title.Length', /string, which has no fields/],
    ['Severity[0]', /needs a list/],
    ['Resources["x"]', /needs a map/],
    ['Resources[Colour=red]', /no field Colour/],
    ['Resources[0', /unclosed/],
    ['Resources..Id', /field name/],
    ['', /empty/],
  ];
  for (const [source, message] of invalid) {
    it(`refuses \`${source}\` and says why`, () => {
      expect(() => compilePath(source)).toThrow(PathError);
      expect(() => compilePath(source)).toThrow(message);
    });
  }
});

describe('transform map validation', () => {
  const withEntries = (entries: TransformMapDefinition['entries']): TransformMapDefinition => ({
    name: 'Custom',
    entries: [
      ...VULNERABILITY_MAP.entries.filter((entry) => !entries.some((e) => e.target === entry.target)),
      ...entries,
    ],
  });
  // Where an entry lands: in place of the built-in entry for its target (which moves to the end), or
  // after all of them.
  const REPLACED = VULNERABILITY_MAP.entries.length - 1;
  const ADDED = VULNERABILITY_MAP.entries.length;
  const errorsOf = (definition: TransformMapDefinition) => {
    const result = compileTransformMap(definition);
    return result.ok ? [] : result.errors;
  };

  it('accepts the built-in map', () => {
    expect(errorsOf(VULNERABILITY_MAP)).toEqual([]);
  });

  const cases: [
    string,
    TransformMapDefinition,
    { field: (string | number)[]; code: string; message: RegExp },
  ][] = [
    [
      'an unknown source path',
      withEntries([{ target: 'findingName', source: 'Titel' }]),
      { field: ['entries', REPLACED, 'source'], code: 'INVALID', message: /has no field Titel/ },
    ],
    [
      'an unknown target',
      {
        ...VULNERABILITY_MAP,
        entries: [...VULNERABILITY_MAP.entries, { target: 'colour', source: 'Title' }],
      },
      { field: ['entries', ADDED, 'target'], code: 'NOT_ALLOWED', message: /not a field a map can fill/ },
    ],
    [
      'a target mapped twice',
      {
        ...VULNERABILITY_MAP,
        entries: [...VULNERABILITY_MAP.entries, { target: 'findingName', source: 'Description' }],
      },
      { field: ['entries', ADDED, 'target'], code: 'DUPLICATE', message: /already filled by entry 1/ },
    ],
    [
      'a missing required target',
      {
        ...VULNERABILITY_MAP,
        entries: VULNERABILITY_MAP.entries.filter((entry) => entry.target !== 'findingName'),
      },
      { field: ['entries'], code: 'REQUIRED', message: /must fill `findingName`/ },
    ],
    [
      'a number where a string is needed',
      withEntries([{ target: 'findingName', source: 'Severity.Normalized' }]),
      {
        field: ['entries', REPLACED, 'source'],
        code: 'INVALID',
        message: /yields a number, but the field needs string/,
      },
    ],
    [
      'several values where one is needed',
      withEntries([{ target: 'assetName', source: 'Resources[*].Id' }]),
      { field: ['entries', REPLACED, 'source'], code: 'INVALID', message: /Add the transform `first`/ },
    ],
    [
      'a transform that cannot take the input',
      withEntries([
        { target: 'cvss3Base', source: 'Title', transform: 'cvssBaseScore', args: { version: '3' } },
      ]),
      {
        field: ['entries', REPLACED, 'transform'],
        code: 'INVALID',
        message: /needs Vulnerabilities or Cvss/,
      },
    ],
    [
      'an unknown transform',
      withEntries([{ target: 'findingName', source: 'Title', transform: 'shout' }]),
      {
        field: ['entries', REPLACED, 'transform'],
        code: 'NOT_ALLOWED',
        message: /Unknown transform `shout`/,
      },
    ],
    [
      'bad transform arguments',
      withEntries([
        {
          target: 'cvss3Base',
          source: 'Vulnerabilities[*]',
          transform: 'cvssBaseScore',
          args: { version: '5' },
        },
      ]),
      { field: ['entries', REPLACED, 'args'], code: 'INVALID', message: /version/ },
    ],
    [
      'a missing source',
      withEntries([{ target: 'findingName', source: '' }]),
      { field: ['entries', REPLACED, 'source'], code: 'REQUIRED', message: /source path is required/ },
    ],
  ];
  for (const [name, definition, expected] of cases) {
    it(`refuses ${name} with the entry's field path`, () => {
      const errors = errorsOf(definition);
      expect(errors).toContainEqual({
        field: expected.field,
        code: expected.code,
        message: expect.stringMatching(expected.message),
      });
    });
  }

  it('applies a cloned, edited map: other sources, alternatives and transforms', () => {
    const result = compileTransformMap(
      withEntries([
        { target: 'findingName', source: 'GeneratorId' },
        { target: 'assetName', source: 'Resources[0].Details.AwsEc2Instance.ImageId ?? Resources[0].Id' },
        { target: 'references', source: 'Compliance.RelatedRequirements' },
      ]),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const control = aControlAsff();
    expect(result.map.apply(control).values).toMatchObject({
      findingName: control.GeneratorId,
      assetName: 'ami-0abcdef1234567890',
      references: control.Compliance!.RelatedRequirements,
    });
  });
});
