import { describe, expect, it } from 'vitest';
import type { ValueType } from '../../../src/mapping/paths.ts';
import { TRANSFORMS } from '../../../src/mapping/transforms.ts';

// The named transforms a transform map may apply, each against its documented contract
// (the `description` a map author reads): what it accepts when the map is saved, which arguments
// it takes, and what it yields for the values findings carry.

const type = (kind: string, many = false, name?: string): ValueType =>
  ({ kind, many, name, shape: {} }) as unknown as ValueType;

function applied(name: string, value: unknown, args: Record<string, unknown> = {}) {
  const warnings: string[] = [];
  const result = TRANSFORMS[name]!.apply(value, args, { warn: (message) => warnings.push(message) });
  return { result, warnings };
}

describe('severityLevel', () => {
  const { accepts, checkArgs } = TRANSFORMS.severityLevel!;

  it('maps each Security Hub label to its level, whatever its case', () => {
    expect(
      ['INFORMATIONAL', 'LOW', 'MEDIUM', 'high', 'Critical'].map((l) => applied('severityLevel', l).result),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it('warns about a value that is not a label and yields nothing', () => {
    expect(applied('severityLevel', 'SEVERE')).toEqual({
      result: undefined,
      warnings: ['severityLevel: "SEVERE" is not a severity label'],
    });
    expect(applied('severityLevel', undefined)).toEqual({ result: undefined, warnings: [] });
  });

  it('accepts a single string only, and no arguments', () => {
    expect(accepts(type('string'))).toBeUndefined();
    expect(accepts(type('string', true))).toBe('needs a single severity label (a string)');
    expect(accepts(type('number'))).toBe('needs a single severity label (a string)');
    expect(checkArgs({})).toBeUndefined();
    expect(checkArgs(null)).toBeUndefined();
    expect(checkArgs({ scale: 10 })).toBe('takes no arguments');
  });
});

describe('cvssBaseScore', () => {
  const { accepts, checkArgs } = TRANSFORMS.cvssBaseScore!;
  const nvd3 = { Version: '3.1', BaseScore: 7.5, Source: 'NVD' };
  const vendor3 = { Version: '3.0', BaseScore: 8.1, Source: 'VENDOR' };
  const inspector3 = { Version: '3.1', BaseScore: 5.3, Source: 'INSPECTOR', Adjustments: [{ Metric: 'AV' }] };
  const nvd2 = { Version: '2.0', BaseScore: 9.3, Source: 'NVD' };

  it("takes the environment-adjusted entry of the version over a higher one, from Vulnerabilities' Cvss", () => {
    const vulnerabilities = [{ Id: 'CVE-2024-1', Cvss: [nvd3, inspector3, nvd2] }];
    expect(applied('cvssBaseScore', vulnerabilities, { version: '3' }).result).toBe(5.3);
    expect(applied('cvssBaseScore', vulnerabilities, { version: '2' }).result).toBe(9.3);
  });

  it('takes the highest entry of the version when none is adjusted, from bare Cvss entries', () => {
    expect(applied('cvssBaseScore', [nvd3, vendor3], { version: '3' }).result).toBe(8.1);
    expect(applied('cvssBaseScore', nvd3, { version: '3' }).result).toBe(7.5);
  });

  it('yields nothing when no entry has the version, or there are none', () => {
    expect(applied('cvssBaseScore', [nvd3], { version: '4' }).result).toBeUndefined();
    expect(applied('cvssBaseScore', undefined, { version: '3' }).result).toBeUndefined();
  });

  it('accepts Vulnerability or Cvss structures and needs a major version', () => {
    expect(accepts(type('structure', true, 'Vulnerability'))).toBeUndefined();
    expect(accepts(type('structure', true, 'Cvss'))).toBeUndefined();
    expect(accepts(type('structure', false, 'Resource'))).toBe(
      'needs Vulnerabilities or Cvss entries (e.g. `Vulnerabilities[*]`, or OCSF `vulnerabilities[*]`)',
    );
    expect(checkArgs({ version: '3' })).toBeUndefined();
    expect(checkArgs({ version: 3 })).toBe('needs { "version": "2" | "3" | "4" }');
    expect(checkArgs(undefined)).toBe('needs { "version": "2" | "3" | "4" }');
  });
});

describe('yesNoToBoolean', () => {
  const { accepts, checkArgs } = TRANSFORMS.yesNoToBoolean!;

  it('reads YES as true and NO as false; of several values, any YES wins', () => {
    expect(applied('yesNoToBoolean', 'YES').result).toBe(true);
    expect(applied('yesNoToBoolean', 'NO').result).toBe(false);
    expect(applied('yesNoToBoolean', ['NO', 'YES']).result).toBe(true);
    expect(applied('yesNoToBoolean', ['NO', 'NO']).result).toBe(false);
  });

  it('reads PARTIAL as unpatched unless the map says partial: true', () => {
    expect(applied('yesNoToBoolean', ['NO', 'PARTIAL']).result).toBe(false);
    expect(applied('yesNoToBoolean', 'PARTIAL', { partial: true }).result).toBe(true);
  });

  it('yields nothing for no value or an unknown one', () => {
    expect(applied('yesNoToBoolean', undefined).result).toBeUndefined();
    expect(applied('yesNoToBoolean', [undefined]).result).toBeUndefined();
    expect(applied('yesNoToBoolean', ['NO', 'MAYBE']).result).toBeUndefined();
  });

  it('accepts strings and a boolean `partial` only', () => {
    expect(accepts(type('string', true))).toBeUndefined();
    expect(accepts(type('number'))).toBe('needs YES/NO/PARTIAL strings');
    expect(checkArgs(undefined)).toBeUndefined();
    expect(checkArgs({})).toBeUndefined();
    expect(checkArgs({ partial: false })).toBeUndefined();
    expect(checkArgs({ partial: 'yes' })).toBe('`partial` must be true or false');
  });
});

describe('first', () => {
  it('takes the first present value of several, and passes a single value through', () => {
    expect(applied('first', [undefined, null, 'b', 'c']).result).toBe('b');
    expect(applied('first', [null]).result).toBeUndefined();
    expect(applied('first', 'only').result).toBe('only');
    expect(TRANSFORMS.first!.yields(type('number'))).toBe('same');
    expect(TRANSFORMS.first!.checkArgs({ n: 2 })).toBe('takes no arguments');
  });
});

describe('lastSegment', () => {
  const { accepts, checkArgs } = TRANSFORMS.lastSegment!;

  it('takes the instance id from an instance ARN, and the first string of several', () => {
    expect(applied('lastSegment', 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc123').result).toBe(
      'i-0abc123',
    );
    expect(applied('lastSegment', [undefined, 'a/b', 'c/d']).result).toBe('b');
  });

  it('splits on the separator it is given', () => {
    expect(applied('lastSegment', 'arn:aws:iam::111122223333:root', { separator: ':' }).result).toBe('root');
  });

  it('yields nothing for a trailing separator or no string', () => {
    expect(applied('lastSegment', 'bucket/').result).toBeUndefined();
    expect(applied('lastSegment', [1, 2]).result).toBeUndefined();
    expect(applied('lastSegment', undefined).result).toBeUndefined();
  });

  it('accepts strings and a non-empty string separator', () => {
    expect(accepts(type('string'))).toBeUndefined();
    expect(accepts(type('number'))).toBe('needs a string');
    expect(checkArgs(undefined)).toBeUndefined();
    expect(checkArgs({ separator: ':' })).toBeUndefined();
    expect(checkArgs({ separator: '' })).toBe('`separator` must be a non-empty string');
    expect(checkArgs({ separator: 1 })).toBe('`separator` must be a non-empty string');
  });
});

describe('date and join arguments', () => {
  it('date takes a single string and no arguments', () => {
    expect(TRANSFORMS.date!.accepts(type('string', true))).toBe('needs a single date-time string');
    expect(TRANSFORMS.date!.checkArgs({ zone: 'UTC' })).toBe('takes no arguments');
    expect(applied('date', undefined)).toEqual({ result: undefined, warnings: [] });
  });

  it('join accepts strings or lists, nothing else', () => {
    expect(TRANSFORMS.join!.accepts(type('list'))).toBeUndefined();
    expect(TRANSFORMS.join!.accepts(type('number'))).toBe('needs strings');
  });
});

describe('resourceName', () => {
  const { accepts, checkArgs } = TRANSFORMS.resourceName!;

  it('names a resource as its asset is named: tag, details, ARN, then a non-placeholder Id', () => {
    const bucket = { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::payments-audit-logs' };
    expect(applied('resourceName', bucket).result).toBe('payments-audit-logs');
    expect(applied('resourceName', { ...bucket, Tags: { Name: 'audit' } }).result).toBe('audit');
    expect(
      applied('resourceName', {
        Type: 'AwsIamAccessKey',
        Id: 'AWS::IAM::AccessKey:null',
        Details: { AwsIamAccessKey: { UserName: 'alice' } },
      }).result,
    ).toBe('alice');
    expect(applied('resourceName', { Type: 'AwsAccount', Id: '123456789012' }).result).toBe('123456789012');
  });

  it('yields nothing for a placeholder Id or a value that is not a resource', () => {
    expect(
      applied('resourceName', { Type: 'AwsIamAccessKey', Id: 'AWS::IAM::AccessKey:null' }).result,
    ).toBeUndefined();
    expect(applied('resourceName', 'arn:aws:s3:::payments-audit-logs').result).toBeUndefined();
    expect(applied('resourceName', [{ Type: 'Other', Id: 'x' }]).result).toBeUndefined();
    expect(applied('resourceName', undefined).result).toBeUndefined();
  });

  it('accepts a single resource and no arguments', () => {
    expect(accepts(type('structure', false, 'Resource'))).toBeUndefined();
    expect(accepts(type('structure', true, 'Resource'))).toBe(
      'needs a single resource (e.g. `Resources[0]`, or OCSF `resources[0]`)',
    );
    expect(accepts(type('string'))).toBe(
      'needs a single resource (e.g. `Resources[0]`, or OCSF `resources[0]`)',
    );
    expect(checkArgs({ tag: 'Name' })).toBe('takes no arguments');
  });
});

describe('recommendation', () => {
  const { accepts, checkArgs, yields } = TRANSFORMS.recommendation!;

  it('keeps a real text, trimmed, and declines the placeholders products write', () => {
    expect(applied('recommendation', '  Rotate the key.  ').result).toBe('Rotate the key.');
    for (const placeholder of [
      'None Provided',
      'none provided.',
      'N/A',
      'na',
      '   ',
      'Remediation is available. Please refer to the Fixed version in the vulnerability details section above.',
    ])
      expect(applied('recommendation', placeholder).result, placeholder).toBeUndefined();
  });

  it("takes each package's own remediation, else its upgrade, once per distinct fix, in order", () => {
    expect(
      applied('recommendation', [
        { Name: 'openssl', Version: '3.0.5', FixedInVersion: '3.0.7' },
        { Name: 'curl', FixedInVersion: '8.4.0' },
        { Name: 'zlib', Version: '1.2', Remediation: 'yum update zlib' },
        { Name: 'zlib', Version: '1.3', Remediation: 'yum update zlib' },
        { Name: 'libx', Version: '1', Remediation: 'None Provided', FixedInVersion: '2' },
        { Name: 'nofix', Version: '1' },
        { Name: 'emptyfix', Version: '1', FixedInVersion: '' },
        'None Provided',
        null,
      ]).result,
    ).toBe('Update openssl 3.0.5 to 3.0.7; Update curl to 8.4.0; yum update zlib; Update libx 1 to 2');
  });

  it('yields nothing when no package has a fix and the text is a placeholder', () => {
    expect(applied('recommendation', [{ Name: 'krb5', Version: '1.15.5' }]).result).toBeUndefined();
    expect(applied('recommendation', undefined).result).toBeUndefined();
  });

  it('accepts texts or packages, yields text, takes no arguments', () => {
    expect(accepts(type('string'))).toBeUndefined();
    expect(accepts(type('structure', true, 'SoftwarePackage'))).toBeUndefined();
    expect(accepts(type('structure', true, 'Vulnerability'))).toBe(
      'needs a text or VulnerablePackages (e.g. `Vulnerabilities[*].VulnerablePackages[*]`, or OCSF `vulnerabilities[*].affected_packages[*]`)',
    );
    expect(yields(type('string'))).toBe('string');
    expect(checkArgs({ max: 2 })).toBe('takes no arguments');
  });
});
