import { describe, expect, it } from 'vitest';
import { anInspectorEc2Asff } from '../../../src/emulator/generator/index.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { mapFinding } from '../../../src/mapping/map-finding.ts';
import {
  type CompiledTransformMap,
  compileTransformMap,
  type TransformMapEntryDefinition,
} from '../../../src/mapping/transform-map.ts';

// The `join` and `date` transforms as a map author uses them: entries of a custom map (the built-in
// map with one entry replaced), compiled, then applied to findings written here. Expected values are
// worked out by hand from the transform's documented contract (docs/transform-maps.md).

/** The built-in map with `entry` in place of the built-in entry for the same target (appended last). */
function withEntry(entry: TransformMapEntryDefinition) {
  return {
    name: 'Custom',
    entries: [...VULNERABILITY_MAP.entries.filter((built) => built.target !== entry.target), entry],
  };
}

function compiled(entry: TransformMapEntryDefinition): CompiledTransformMap {
  const result = compileTransformMap(withEntry(entry));
  if (!result.ok) throw new Error(`the map should compile: ${JSON.stringify(result.errors)}`);
  return result.map;
}

function compileErrors(entry: TransformMapEntryDefinition) {
  const result = compileTransformMap(withEntry(entry));
  return result.ok ? [] : result.errors;
}

/** The index the replaced entry has in `withEntry`'s map: always the last. */
const LAST = VULNERABILITY_MAP.entries.length - 1;

describe('join', () => {
  it('joins a list of strings with ", " by default', () => {
    const map = compiled({ target: 'recommendation', source: 'Types', transform: 'join' });
    const applied = map.apply({ Types: ['Software and Configuration Checks', 'TTPs/Initial Access'] });
    expect(applied.values.recommendation).toBe('Software and Configuration Checks, TTPs/Initial Access');
    expect(applied.warnings).toEqual([]);
  });

  it('joins with the separator it is given', () => {
    const map = compiled({
      target: 'recommendation',
      source: 'Types',
      transform: 'join',
      args: { separator: ' | ' },
    });
    expect(map.apply({ Types: ['a', 'b', 'c'] }).values.recommendation).toBe('a | b | c');
  });

  it('joins the strings of several lists (a path that fans out over lists) and skips empty ones', () => {
    const map = compiled({
      target: 'recommendation',
      source: 'Vulnerabilities[*].ReferenceUrls',
      transform: 'join',
      args: { separator: ' ' },
    });
    const finding = {
      Vulnerabilities: [
        { Id: 'CVE-2024-3094', ReferenceUrls: ['https://nvd.nist.gov/vuln/detail/CVE-2024-3094', ''] },
        { Id: 'CVE-2021-44228', ReferenceUrls: ['https://logging.apache.org/security.html'] },
        { Id: 'CVE-2014-0160' },
      ],
    };
    expect(map.apply(finding).values.recommendation).toBe(
      'https://nvd.nist.gov/vuln/detail/CVE-2024-3094 https://logging.apache.org/security.html',
    );
  });

  it('passes a single string through unchanged', () => {
    const map = compiled({ target: 'findingName', source: 'Title', transform: 'join' });
    expect(map.apply({ Title: 'CVE-2024-3094 - xz' }).values.findingName).toBe('CVE-2024-3094 - xz');
  });

  it('yields no value when there is nothing to join, so a required entry rejects the finding', () => {
    const optional = compiled({ target: 'recommendation', source: 'Types', transform: 'join' });
    expect('recommendation' in optional.apply({ Types: ['', ''] }).values).toBe(false);
    expect('recommendation' in optional.apply({}).values).toBe(false);

    const required = compiled({ target: 'findingName', source: 'Types', transform: 'join', required: true });
    expect(required.apply({ Types: [] }).missing).toContainEqual({
      target: 'findingName',
      source: 'Types',
    });
  });

  it('refuses a separator that is not a string when the map is saved', () => {
    expect(
      compileErrors({ target: 'recommendation', source: 'Types', transform: 'join', args: { separator: 1 } }),
    ).toEqual([
      { field: ['entries', LAST, 'args'], code: 'INVALID', message: 'join `separator` must be a string.' },
    ]);
  });

  it('refuses a path that yields no strings', () => {
    const errors = compileErrors({
      target: 'recommendation',
      source: 'Severity.Normalized',
      transform: 'join',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field: ['entries', LAST, 'transform'], code: 'INVALID' });
    expect(errors[0]!.message).toMatch(/join needs strings; the path yields a number/);
  });

  it('yields text, which cannot fill a number field', () => {
    const errors = compileErrors({ target: 'cvss3Base', source: 'Types', transform: 'join' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field: ['entries', LAST, 'transform'], code: 'INVALID' });
    expect(errors[0]!.message).toMatch(/join yields a string, but the field needs number/);
  });
});

describe('date', () => {
  const lastFound = compiled({
    target: 'findingLastFoundOn',
    source: 'UserDefinedFields["lastSeen"] ?? UpdatedAt',
    transform: 'date',
  });

  it('normalises an ASFF date-time with an offset to UTC', () => {
    // 10:00 at +02:00 is 08:00 UTC.
    const applied = lastFound.apply({ UserDefinedFields: { lastSeen: '2026-10-01T10:00:00+02:00' } });
    expect(applied.values.findingLastFoundOn).toBe('2026-10-01T08:00:00.000Z');
    expect(applied.warnings).toEqual([]);
  });

  it('keeps the fraction of a second', () => {
    const applied = lastFound.apply({ UpdatedAt: '2026-03-22T13:22:13.933Z' });
    expect(applied.values.findingLastFoundOn).toBe('2026-03-22T13:22:13.933Z');
  });

  // ASFF date-times are RFC 3339 (`2020-03-22T13:22:13.933Z`); anything else is not guessed at.
  const notDateTimes: [string, string][] = [
    ['a word', 'yesterday'],
    ['a bare number (which JavaScript would read as the year 2001)', '1'],
    ['a date without a time', '2026-10-01'],
    ['a time without a zone (which JavaScript would read in the server’s zone)', '2026-10-01 10:00'],
    ['an English date', 'March 7, 2026'],
  ];
  for (const [what, value] of notDateTimes) {
    it(`warns about ${what} and leaves the field empty`, () => {
      const applied = lastFound.apply({ UserDefinedFields: { lastSeen: value } });
      expect(applied.warnings).toEqual([`findingLastFoundOn: date: "${value}" is not a date-time`]);
      expect('findingLastFoundOn' in applied.values).toBe(false);
    });
  }

  it('reports the warning through the mapping of a whole finding, which is still stored, the next alternative filling the field', () => {
    const asff = anInspectorEc2Asff({
      UserDefinedFields: { lastSeen: 'last Tuesday' },
      UpdatedAt: '2026-10-20T09:00:00.000Z',
    });
    const outcome = mapFinding(asff, lastFound, { defaultSeverity: 'MEDIUM' });
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.warnings).toEqual([
      'findingLastFoundOn: date: "last Tuesday" is not a date-time',
    ]);
    expect(outcome.ok && outcome.mapped.findingLastFoundOn).toBe('2026-10-20T09:00:00.000Z');
  });

  it('leaves the field out when no alternative yields a date', () => {
    const only = compiled({
      target: 'findingLastFoundOn',
      source: 'UserDefinedFields["lastSeen"]',
      transform: 'date',
    });
    const outcome = mapFinding(
      anInspectorEc2Asff({ UserDefinedFields: { lastSeen: 'last Tuesday' } }),
      only,
      {
        defaultSeverity: 'MEDIUM',
      },
    );
    expect(outcome.ok && 'findingLastFoundOn' in outcome.mapped).toBe(false);
  });

  it('rejects the finding when the entry is required, naming the field', () => {
    const required = compiled({
      target: 'findingLastFoundOn',
      source: 'UserDefinedFields["lastSeen"]',
      transform: 'date',
      required: true,
    });
    const outcome = mapFinding(anInspectorEc2Asff({ UserDefinedFields: { lastSeen: 'soon' } }), required, {
      defaultSeverity: 'MEDIUM',
    });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reject.reason).toMatch(/requires findingLastFoundOn/);
  });
});

describe('a date field without a transform', () => {
  const firstFound = compiled({ target: 'findingFirstFoundOn', source: 'UserDefinedFields["firstSeen"]' });

  it('takes an ASFF date-time as it is, in UTC', () => {
    const applied = firstFound.apply({ UserDefinedFields: { firstSeen: '2026-01-31T23:30:00-01:00' } });
    expect(applied.values.findingFirstFoundOn).toBe('2026-02-01T00:30:00.000Z');
  });

  it('ignores text that is not a date-time, with a warning', () => {
    const applied = firstFound.apply({ UserDefinedFields: { firstSeen: '12' } });
    expect('findingFirstFoundOn' in applied.values).toBe(false);
    expect(applied.warnings).toEqual(['findingFirstFoundOn: ignored "12", which is not a date']);
  });
});
