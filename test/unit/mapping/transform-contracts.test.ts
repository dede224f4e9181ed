import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../src/mapping/asff-shape.ts';
import type { ValueType } from '../../../src/mapping/paths.ts';
import { TRANSFORMS } from '../../../src/mapping/transforms.ts';

// Each named transform's own contract, called directly: what its arguments and inputs may be, and
// what it makes of values a path could not have produced (null, undefined and non-objects among the
// entries) — the transform is exported and takes `unknown`.

const shape: Shape = { kind: 'any' };
const type = (kind: string, name?: string, many = false): ValueType => ({ kind, name, many, shape });
const context = () => {
  const warnings: string[] = [];
  return { warnings, warn: (message: string) => warnings.push(message) };
};

describe('arguments', () => {
  it('takes no arguments: a number is an argument', () => {
    expect(TRANSFORMS.severityLevel!.checkArgs(5)).toBe('takes no arguments');
    expect(TRANSFORMS.severityLevel!.checkArgs({})).toBeUndefined();
  });

  it('cvssBaseScore takes version 4', () => {
    expect(TRANSFORMS.cvssBaseScore!.checkArgs({ version: '4' })).toBeUndefined();
  });

  it('yesNoToBoolean takes null as no arguments', () => {
    expect(TRANSFORMS.yesNoToBoolean!.checkArgs(null)).toBeUndefined();
  });
});

describe('inputs', () => {
  it('date needs a single string', () => {
    expect(TRANSFORMS.date!.accepts(type('number'))).toBe('needs a single date-time string');
    expect(TRANSFORMS.date!.accepts(type('string', undefined, true))).toBe('needs a single date-time string');
    expect(TRANSFORMS.date!.accepts(type('string'))).toBeUndefined();
  });

  it('resourceName needs a single Resource structure', () => {
    const message = 'needs a single resource (e.g. `Resources[0]`, or OCSF `resources[0]`)';
    expect(TRANSFORMS.resourceName!.accepts(type('structure', 'Vulnerability'))).toBe(message);
    expect(TRANSFORMS.resourceName!.accepts(type('string'))).toBe(message);
    expect(TRANSFORMS.resourceName!.accepts(type('structure', 'Resource', true))).toBe(message);
    expect(TRANSFORMS.resourceName!.accepts(type('structure', 'Resource'))).toBeUndefined();
  });
});

describe('values', () => {
  it('cvssBaseScore skips entries that are not objects', () => {
    const cvss = TRANSFORMS.cvssBaseScore!;
    expect(cvss.apply([null, { BaseScore: 7.5, Version: '3.1' }], { version: '3' }, context())).toBe(7.5);
  });

  it('cvssBaseScore reads Vulnerabilities when only some of them have CVSS', () => {
    const vulnerabilities = [{ Id: 'a' }, { Id: 'b', Cvss: [{ BaseScore: 7, Version: '3.1' }] }];
    expect(TRANSFORMS.cvssBaseScore!.apply(vulnerabilities, { version: '3' }, context())).toBe(7);
  });

  it('yesNoToBoolean ignores undefined among the values', () => {
    expect(TRANSFORMS.yesNoToBoolean!.apply([undefined, 'NO'], {}, context())).toBe(false);
  });

  it('join joins strings only', () => {
    expect(TRANSFORMS.join!.apply(['a', 5, null, 'b'], {}, context())).toBe('a, b');
  });

  it('resourceName of null is nothing', () => {
    expect(TRANSFORMS.resourceName!.apply(null, {}, context())).toBeUndefined();
  });

  it('recommendation trims a package’s own remediation, and needs a name and fixed version otherwise', () => {
    const recommendation = TRANSFORMS.recommendation!;
    expect(recommendation.apply({ Remediation: '  Upgrade foo  ' }, {}, context())).toBe('Upgrade foo');
    expect(recommendation.apply({ Name: 'foo', Version: '1.0' }, {}, context())).toBeUndefined();
  });
});
