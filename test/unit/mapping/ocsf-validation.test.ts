import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OCSF_VULNERABILITY_MAP } from '../../../src/mapping/ocsf/built-in-map.ts';
import { mapOcsfFinding } from '../../../src/mapping/ocsf/map-ocsf-finding.ts';
import { validateOcsf } from '../../../src/mapping/ocsf/ocsf-validation.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';

// Our own check of the untyped documents GetFindingsV2 returns: every rule, with the path and the
// message a person reads in the reject. Variants of real findings (the corpus) broken one field at a
// time are kept as rejects with that reason; nothing the API could send makes mapping throw.

const corpus = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/real-findings-ocsf/${file}`, import.meta.url), 'utf8'))
    .finding;
const inspector = () =>
  structuredClone(corpus('inspector/elastic-ec2-gobinary-cve-2023-44487-exploited.json'));
const control = () => structuredClone(corpus('securityhub-controls/elastic-sqs1-fail-new-queue.json'));

const compiled = compileTransformMap(OCSF_VULNERABILITY_MAP);
if (!compiled.ok) throw new Error('the OCSF map does not compile');
const map = compiled.map;

const problemsOf = (input: unknown) => {
  const result = validateOcsf(input);
  return result.ok ? [] : result.problems;
};

/** A copy of `finding` with the value at a dotted path (numbers index lists) replaced, or removed. */
function changed(finding: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let at: Record<string, unknown> = finding;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return finding;
}

describe('real findings are valid as AWS sends them', () => {
  it('the V2 Inspector and control findings pass', () => {
    expect(validateOcsf(inspector()).ok).toBe(true);
    expect(validateOcsf(control()).ok).toBe(true);
  });
});

describe('malformed variants are kept with the reason', () => {
  const cases: [string, () => Record<string, unknown>, { path: string; message: string }][] = [
    [
      'EPSS that is not a probability',
      () => changed(inspector(), 'vulnerabilities.0.cve.epss.score', 'high'),
      {
        path: 'vulnerabilities[0].cve.epss.score',
        message:
          'must be a probability between 0 and 1 (AWS sends it as text, e.g. "0.00198"); got the string "high"',
      },
    ],
    [
      'EPSS above 1',
      () => changed(inspector(), 'vulnerabilities.0.cve.epss.score', '1.5'),
      {
        path: 'vulnerabilities[0].cve.epss.score',
        message:
          'must be a probability between 0 and 1 (AWS sends it as text, e.g. "0.00198"); got the string "1.5"',
      },
    ],
    [
      'a CVSS score as text',
      () => changed(inspector(), 'vulnerabilities.0.cve.cvss.0.base_score', '7.5'),
      {
        path: 'vulnerabilities[0].cve.cvss[0].base_score',
        message: 'must be a number, not the string "7.5"',
      },
    ],
    [
      'a CVSS score out of range',
      () => changed(inspector(), 'vulnerabilities.0.cve.cvss.0.base_score', 75),
      { path: 'vulnerabilities[0].cve.cvss[0].base_score', message: 'must be between 0 and 10; got 75' },
    ],
    [
      'no finding uid',
      () => changed(control(), 'finding_info.uid', undefined),
      { path: 'finding_info.uid', message: 'is required' },
    ],
    [
      'no title',
      () => changed(control(), 'finding_info.title', ''),
      { path: 'finding_info.title', message: 'is required' },
    ],
    [
      'no finding_info',
      () => changed(control(), 'finding_info', undefined),
      { path: 'finding_info', message: 'is required' },
    ],
    [
      'no product',
      () => changed(control(), 'metadata.product', undefined),
      { path: 'metadata.product.uid', message: 'is required' },
    ],
    [
      'an account id that is not 12 digits',
      () => changed(control(), 'cloud.account.uid', '1234567'),
      { path: 'cloud.account.uid', message: 'must be a 12-digit AWS account id; got "1234567"' },
    ],
    ['no cloud', () => changed(control(), 'cloud', undefined), { path: 'cloud', message: 'is required' }],
    [
      'a date without a zone',
      () => changed(control(), 'finding_info.modified_time_dt', '2025-09-19T09:17:27'),
      {
        path: 'finding_info.modified_time_dt',
        message:
          'must be an ISO-8601 date-time with a time zone (e.g. 2025-09-19T09:17:19.594Z); got "2025-09-19T09:17:27"',
      },
    ],
    [
      'an epoch time as text',
      () => changed(control(), 'finding_info.created_time', '1758273447903'),
      { path: 'finding_info.created_time', message: 'must be a number, not the string "1758273447903"' },
    ],
    [
      'epoch microseconds where milliseconds belong',
      () => changed(control(), 'finding_info.modified_time', 1722327712967320),
      {
        path: 'finding_info.modified_time',
        message: 'must be epoch milliseconds between 1970 and 9999; got 1722327712967320',
      },
    ],
    [
      'a severity_id OCSF does not define',
      () => changed(control(), 'severity_id', 7),
      { path: 'severity_id', message: 'must be one of 0, 1, 2, 3, 4, 5, 6, 99; got 7' },
    ],
    [
      'a status_id OCSF does not define',
      () => changed(control(), 'status_id', 9),
      { path: 'status_id', message: 'must be one of 0, 1, 2, 3, 4, 5, 99; got 9' },
    ],
    [
      'a compliance status_id OCSF does not define',
      () => changed(control(), 'compliance.status_id', 4),
      { path: 'compliance.status_id', message: 'must be one of 0, 1, 2, 3, 99; got 4' },
    ],
    [
      'no resources',
      () => changed(control(), 'resources', []),
      { path: 'resources', message: 'must list at least one resource' },
    ],
    [
      'a resource without uid or uid_alt',
      () => changed(changed(control(), 'resources.0.uid', undefined), 'resources.0.uid_alt', ''),
      { path: 'resources[0].uid', message: 'is required (or uid_alt, the ARN)' },
    ],
    [
      'tags as an object',
      () => changed(inspector(), 'resources.0.tags', { Name: 'node' }),
      { path: 'resources[0].tags', message: 'must be a list, not an object' },
    ],
    [
      'a boolean as text',
      () => changed(inspector(), 'vulnerabilities.0.is_exploit_available', 'true'),
      {
        path: 'vulnerabilities[0].is_exploit_available',
        message: 'must be true or false, not the string "true"',
      },
    ],
    [
      'no time at all',
      () => {
        const finding = control();
        for (const field of ['created_time', 'created_time_dt'])
          changed(finding, `finding_info.${field}`, undefined);
        return changed(changed(finding, 'time', undefined), 'time_dt', undefined);
      },
      { path: 'finding_info.created_time_dt', message: 'is required (or created_time, or the event time)' },
    ],
  ];

  for (const [name, build, problem] of cases) {
    it(`${name}: ${problem.path} ${problem.message}`, () => {
      expect(problemsOf(build())).toContainEqual(problem);
      const outcome = mapOcsfFinding(build(), map, { defaultSeverity: 'MEDIUM' });
      if (outcome.ok) throw new Error('kept a malformed finding');
      expect(outcome.reject.reason).toContain(`${problem.path} ${problem.message}`);
      expect(outcome.reject.problems).toContainEqual(problem);
    });
  }

  it('names the finding a reject belongs to', () => {
    const outcome = mapOcsfFinding(changed(control(), 'severity_id', 7), map, { defaultSeverity: 'MEDIUM' });
    if (outcome.ok) throw new Error('kept');
    expect(outcome.reject).toMatchObject({
      productArn: 'arn:aws:securityhub:us-east-2::productv2/aws/securityhub',
      awsId:
        'arn:aws:securityhub:us-east-2:123456789012:security-control/SQS.1/finding/7dabcdef-1234-8912-5678-5012345678904',
    });
  });

  it('refuses what is not an object, saying what it is', () => {
    for (const [input, what] of [
      [null, 'null'],
      [[], 'a list'],
      ['finding', 'the string "finding"'],
      [42, 'number 42'],
    ] as const) {
      expect(problemsOf(input)).toEqual([
        { path: '', message: `an OCSF finding must be a JSON object, not ${what}` },
      ]);
    }
  });
});

describe('what AWS may send in more than one form is read in each', () => {
  it('EPSS as a number as well as text', () => {
    const outcome = mapOcsfFinding(changed(inspector(), 'vulnerabilities.0.cve.epss.score', 0.5), map, {
      defaultSeverity: 'MEDIUM',
    });
    expect(outcome.ok && outcome.finding.epssScore).toBe(0.5);
  });

  it('nanosecond and offset timestamps, and epoch milliseconds where the text is missing', () => {
    const finding = changed(
      control(),
      'finding_info.first_seen_time_dt',
      '2025-09-19T11:17:17.473123456+02:00',
    );
    changed(finding, 'finding_info.last_seen_time_dt', undefined);
    const outcome = mapOcsfFinding(finding, map, { defaultSeverity: 'MEDIUM' });
    if (!outcome.ok) throw new Error(outcome.reject.reason);
    expect(outcome.finding.firstObservedAt.toISOString()).toBe('2025-09-19T09:17:17.473Z');
    // last_seen_time (epoch ms) stands in for the missing last_seen_time_dt.
    expect(outcome.finding.lastObservedAt.toISOString()).toBe(new Date(1758273437473).toISOString());
  });

  it('status and severity ids as ASFF words: In Progress is NOTIFIED, Fatal is CRITICAL, Archived archives', () => {
    const read = (changes: Record<string, unknown>) => {
      const finding = control();
      for (const [path, value] of Object.entries(changes)) changed(finding, path, value);
      const outcome = mapOcsfFinding(finding, map, { defaultSeverity: 'LOW' });
      if (!outcome.ok) throw new Error(outcome.reject.reason);
      return [outcome.finding.workflowStatus, outcome.finding.severityLabel, outcome.finding.recordState];
    };
    expect(read({ status_id: 2, severity_id: 6 })).toEqual(['NOTIFIED', 'CRITICAL', 'ACTIVE']);
    expect(read({ status_id: 5 })).toEqual(['RESOLVED', 'MEDIUM', 'ARCHIVED']);
    expect(read({ activity_id: 3, status_id: 3 })).toEqual(['SUPPRESSED', 'MEDIUM', 'ARCHIVED']);
    // Unknown severity: the product's own word, else the connector's default.
    expect(read({ severity_id: 0, severity: 'Unknown' })).toEqual(['NEW', 'LOW', 'ACTIVE']);
    expect(read({ severity_id: 99, severity: 'High' })).toEqual(['NEW', 'HIGH', 'ACTIVE']);
  });
});

describe('never throws', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 4 }),
    ),
  })).value;
  const fields = [
    'finding_info',
    'finding_info.uid',
    'finding_info.created_time_dt',
    'finding_info.created_time',
    'finding_info.modified_time_dt',
    'time',
    'cloud',
    'cloud.account.uid',
    'metadata.product',
    'resources',
    'resources.0',
    'resources.0.data',
    'resources.0.tags',
    'vulnerabilities',
    'vulnerabilities.0.cve',
    'vulnerabilities.0.cve.cvss',
    'vulnerabilities.0.cve.epss',
    'vulnerabilities.0.affected_packages',
    'severity_id',
    'status_id',
    'compliance',
  ];

  it('whatever any field of a real finding holds: kept, or rejected with a reason', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fields), json, (path, value) => {
        let finding: Record<string, unknown>;
        try {
          finding = changed(inspector(), path, value);
        } catch {
          return; // the path's parent was replaced first; nothing to change
        }
        const outcome = mapOcsfFinding(finding, map, { defaultSeverity: 'MEDIUM' });
        if (!outcome.ok) {
          expect(outcome.reject.reason).toMatch(/^invalid OCSF: |^the transform map /);
          expect(outcome.reject.reason).not.toMatch(/^mapping failed/);
        } else {
          expect(outcome.finding.awsId).toBeTruthy();
          // A kept finding's times are real dates, never Invalid Date.
          for (const time of [
            outcome.finding.awsCreatedAt,
            outcome.finding.awsUpdatedAt,
            outcome.finding.firstObservedAt,
            outcome.finding.lastObservedAt,
          ])
            expect(Number.isNaN((time as Date).getTime())).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('whatever document arrives', () => {
    fc.assert(
      fc.property(json, (document) => {
        const outcome = mapOcsfFinding(document, map, { defaultSeverity: 'MEDIUM' });
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fields and score agree, whatever the vulnerabilities hold', () => {
  const cvss = fc.record(
    {
      base_score: fc.double({ min: 0, max: 10, noNaN: true }),
      version: fc.constantFrom('2.0', '3.0', '3.1', '4.0'),
      vendor_name: fc.constantFrom('NVD', 'AMAZON_CVE', 'GHSA'),
    },
    { requiredKeys: ['base_score', 'version'] },
  );
  const vulnerability = fc.record(
    {
      cve: fc.record({
        uid: fc.constantFrom('CVE-2023-44487', 'CVE-2025-8194', 'GHSA-qppj-fm5r-hxr3'),
        cvss: fc.array(cvss, { maxLength: 3 }),
        epss: fc.record({ score: fc.double({ min: 0, max: 1, noNaN: true }).map(String) }),
      }),
      is_exploit_available: fc.boolean(),
      is_fix_available: fc.boolean(),
    },
    { requiredKeys: ['cve'] },
  );

  it('the stored CVSS of a version is the entry the score rests on when it is of that version; EPSS is the highest', () => {
    fc.assert(
      fc.property(fc.array(vulnerability, { minLength: 1, maxLength: 3 }), (vulnerabilities) => {
        const outcome = mapOcsfFinding(changed(inspector(), 'vulnerabilities', vulnerabilities), map, {
          defaultSeverity: 'MEDIUM',
        });
        if (!outcome.ok) throw new Error(outcome.reject.reason);
        const chosen = outcome.score.factors.cvss;
        if (chosen?.major === '3') expect(outcome.finding.cvss3Base).toBe(chosen.baseScore);
        if (chosen?.major === '2') expect(outcome.finding.cvssV2Base).toBe(chosen.baseScore);
        expect(outcome.finding.epssScore).toBe(
          Math.max(...vulnerabilities.map((v) => Number(v.cve.epss.score))),
        );
        const exploits = vulnerabilities.map((v) => v.is_exploit_available).filter((v) => v !== undefined);
        expect(outcome.finding.isExploitAvailable).toBe(exploits.length ? exploits.includes(true) : null);
      }),
      { numRuns: 300 },
    );
  });
});
