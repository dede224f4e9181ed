import { describe, expect, it } from 'vitest';
import { cvssBaseOfVersion, cvssForScoring, cvssMajor } from '../../../src/mapping/cvss.ts';

// The CVSS entry a score rests on (DESIGN §5) at its edges: versions spelled with stray spaces and
// prefixes, vectors that only say their version in passing, entries that are no score, and ties.

describe('the major version, read strictly', () => {
  const versions: [string, string | null][] = [
    [' CVSS:3.1', '3'],
    ['CVSS :3.1', '3'],
    ['CVSS: v3', '3'],
    ['V 3', '3'],
    ['3.10', '3'],
    ['3.1 ', '3'],
    ['NVD 3.1', null],
    ['x3', null],
    ['3.1-rc', null],
    ['3.1 beta', null],
  ];
  for (const [Version, major] of versions) {
    it(`"${Version}" is ${major ?? 'no version'}`, () => {
      expect(cvssMajor({ Version })).toBe(major);
    });
  }

  const vectors: [string, string | null][] = [
    ['CVSS:4.10/AV:N', '4'],
    ['see CVSS:3.1/AV:N', null],
    ['Au:N/AV:N/AC:L', '2'],
    ['AV:N/AC:L/Au:N', '2'],
    ['AV:N/AC:L/Au:NONE', null],
  ];
  for (const [BaseVector, major] of vectors) {
    it(`the vector "${BaseVector}" is ${major ?? 'no version'}`, () => {
      expect(cvssMajor({ BaseVector })).toBe(major);
    });
  }
});

describe('entries that are no score', () => {
  it('skips nulls, text, negative and out-of-range scores; 0 is a score', () => {
    expect(
      cvssForScoring([
        null,
        { Version: '3.1', BaseScore: '9.8' },
        { Version: '3.1', BaseScore: -1 },
        { Version: '3.1', BaseScore: 10.5 },
        { Version: '3.1', BaseScore: 0 },
      ]),
    ).toEqual({ version: '3.1', major: '3', baseScore: 0, vector: null, source: null, adjusted: false });
    expect(cvssForScoring([{ Version: '3.1', BaseScore: -0.5 }])).toBeUndefined();
    expect(
      cvssBaseOfVersion(
        [
          { Version: '3.1', BaseScore: 11 },
          { Version: '3.1', BaseScore: '9.8' },
          { Version: '3.1', BaseScore: 5 },
        ],
        '3',
      ),
    ).toBe(5);
  });

  it('describes an entry without a Version by its vector', () => {
    expect(
      cvssForScoring([{ BaseScore: 5.3, BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' }]),
    ).toEqual({
      version: '',
      major: '3',
      baseScore: 5.3,
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N',
      source: null,
      adjusted: false,
    });
  });
});

describe('which entry wins', () => {
  it('v2 before an entry of no known version, even a higher one', () => {
    expect(
      cvssForScoring([
        { Version: 'x', BaseScore: 9 },
        { Version: '2.0', BaseScore: 5, Source: 'NVD' },
        { Version: 'y', BaseScore: 7 },
      ]),
    ).toMatchObject({ major: '2', baseScore: 5, source: 'NVD' });
  });

  it('the first of equal scores', () => {
    expect(
      cvssForScoring([
        { Version: '3.1', BaseScore: 7.5, Source: 'NVD' },
        { Version: '3.1', BaseScore: 7.5, Source: 'vendor' },
      ]),
    ).toMatchObject({ source: 'NVD', adjusted: false });
    const adjustments = [{ Metric: 'AttackVector', Reason: 'internal' }];
    expect(
      cvssForScoring([
        { Version: '3.1', BaseScore: 6.1, Source: 'NVD', Adjustments: adjustments },
        { Version: '3.1', BaseScore: 6.1, Source: 'vendor', Adjustments: adjustments },
      ]),
    ).toMatchObject({ source: 'NVD', adjusted: true });
  });
});
