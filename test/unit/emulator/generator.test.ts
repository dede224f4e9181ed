import { describe, expect, it } from 'vitest';
import { evolveFindings } from '../../../src/emulator/generator/evolve.ts';
import {
  fixedEstate,
  generateFindingChunks,
  generateFindings,
} from '../../../src/emulator/generator/index.ts';
import { validateAsff } from '../../../src/mapping/asff-validation.ts';

const options = {
  count: 5000,
  accountIds: ['111111111111', '222222222222'],
  regions: ['us-east-1', 'eu-west-1'],
  now: new Date('2026-11-23T00:00:00.000Z'),
};

describe('the finding generator', () => {
  it('is deterministic: the same seed gives byte-identical findings, another seed others', () => {
    const a = JSON.stringify(generateFindings({ ...options, seed: 7 }));
    const b = JSON.stringify(generateFindings({ ...options, seed: 7 }));
    const c = JSON.stringify(generateFindings({ ...options, seed: 8 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  const findings = generateFindings({ ...options, seed: 3 });

  it('produces valid ASFF only, within AWS limits', () => {
    const invalid = findings.map((finding) => validateAsff(finding)).filter((result) => !result.ok);
    expect(invalid).toEqual([]);
    for (const finding of findings) {
      expect(Date.parse(finding.CreatedAt!)).toBeLessThanOrEqual(Date.parse(finding.UpdatedAt!));
      expect(Date.parse(finding.UpdatedAt!)).toBeLessThanOrEqual(options.now.getTime());
    }
  });

  it('mixes every kind the issue asks for', () => {
    const count = (predicate: (finding: (typeof findings)[number]) => boolean) =>
      findings.filter(predicate).length;
    const share = (n: number) => n / findings.length;
    expect(share(count((f) => f.ProductName === 'Inspector'))).toBeGreaterThan(0.35);
    for (const type of ['AwsEc2Instance', 'AwsEcrContainerImage', 'AwsLambdaFunction']) {
      expect(count((f) => f.ProductName === 'Inspector' && f.Resources![0]!.Type === type)).toBeGreaterThan(
        0,
      );
    }
    expect(count((f) => f.ProductName === 'GuardDuty')).toBeGreaterThan(0);
    expect(count((f) => f.Compliance?.Status === 'FAILED')).toBeGreaterThan(0);
    expect(
      count((f) => f.Compliance?.Status === 'PASSED' && f.Severity?.Label === 'INFORMATIONAL'),
    ).toBeGreaterThan(0);
    expect(
      count((f) => f.Severity?.Label === undefined && f.Severity?.Original !== undefined),
    ).toBeGreaterThan(0);
    expect(count((f) => f.RecordState === 'ARCHIVED')).toBeGreaterThan(0);
    expect(count((f) => [...f.Title!].some((char) => char.charCodeAt(0) > 127))).toBeGreaterThan(0);
    expect(count((f) => f.Description!.length === 1024)).toBeGreaterThan(0);
    expect(
      count(
        (f) =>
          (f.Vulnerabilities?.[0]?.Cvss?.length ?? 0) > 1 &&
          f.Vulnerabilities![0]!.Cvss!.some((c) => (c.Adjustments?.length ?? 0) > 0),
      ),
    ).toBeGreaterThan(0);
    // The same control on the same resource under several standards.
    const controlGroups = new Map<string, Set<string>>();
    for (const f of findings.filter((f) => f.Compliance?.SecurityControlId)) {
      const key = `${f.Compliance!.SecurityControlId}|${f.Resources![0]!.Id}`;
      controlGroups.set(key, (controlGroups.get(key) ?? new Set()).add(f.GeneratorId!));
    }
    expect([...controlGroups.values()].some((generators) => generators.size > 1)).toBe(true);
    // Many instances share one AMI.
    const images = new Map<string, Set<string>>();
    for (const f of findings.filter((f) => f.Resources![0]!.Type === 'AwsEc2Instance')) {
      const image = (f.Resources![0]!.Details?.AwsEc2Instance as { ImageId?: string } | undefined)?.ImageId;
      if (image) images.set(image, (images.get(image) ?? new Set()).add(f.Resources![0]!.Id!));
    }
    expect(Math.max(...[...images.values()].map((set) => set.size))).toBeGreaterThan(5);
  });
});

describe('a fixed estate', () => {
  const estate = fixedEstate(200, options.accountIds.length, options.regions.length);
  /** The workloads findings are about (instances, images, functions: the estate's own resources). */
  const workloads = (findings: ReturnType<typeof generateFindings>) =>
    new Set(
      findings
        .map((finding) => finding.Resources![0]!)
        .filter((resource) => /^Aws(Ec2Instance|EcrContainerImage|LambdaFunction)$/.test(resource.Type!))
        .map((resource) => resource.Id!),
    );

  it('puts the findings of every seed and chunk on the same workloads, as many as asked for', () => {
    const chunks = [...generateFindingChunks({ ...options, count: 6000, seed: 1, estate }, 2000)];
    expect(chunks.map((chunk) => chunk.length)).toEqual([2000, 2000, 2000]);
    const one = workloads(chunks.flat());
    const other = workloads(generateFindings({ ...options, count: 6000, seed: 2, estate }));
    expect(one.size).toBe(200);
    expect(other).toEqual(one);
    // Without one, each call draws an estate of its own.
    const own = workloads(generateFindings({ ...options, seed: 2 }));
    expect([...own].some((id) => one.has(id))).toBe(false);
  });

  it('changes nothing else: the same seed gives the same findings with or without chunks', () => {
    const [first] = generateFindingChunks({ ...options, count: 5000, seed: 7 }, 5000);
    expect(JSON.stringify(first)).toBe(JSON.stringify(generateFindings({ ...options, seed: 7 })));
  });
});

describe('evolving findings as time moves', () => {
  const findings = generateFindings({ ...options, count: 1000, seed: 4 });
  const from = options.now;
  const to = new Date(from.getTime() + 24 * 3_600_000);

  it('updates, fixes, archives and creates findings, with later UpdatedAt, deterministically', () => {
    const first = evolveFindings({
      seed: 4,
      findings,
      from,
      to,
      accountIds: options.accountIds,
      regions: options.regions,
    });
    const again = evolveFindings({
      seed: 4,
      findings,
      from,
      to,
      accountIds: options.accountIds,
      regions: options.regions,
    });
    expect(JSON.stringify(first)).toBe(JSON.stringify(again));
    expect(first.updated.length).toBeGreaterThan(0);
    expect(first.created.length).toBeGreaterThan(0);
    for (const finding of [...first.updated, ...first.created]) {
      expect(Date.parse(finding.UpdatedAt!)).toBeGreaterThan(from.getTime());
      expect(Date.parse(finding.UpdatedAt!)).toBeLessThanOrEqual(to.getTime());
      expect(validateAsff(finding).ok).toBe(true);
    }
    expect(
      first.updated.some(
        (finding) => finding.RecordState === 'ARCHIVED' || finding.Compliance?.Status === 'PASSED',
      ),
    ).toBe(true);
  });
});
