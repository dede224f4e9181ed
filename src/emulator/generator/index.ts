import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import {
  aContainerImage,
  aControlFinding,
  aGuardDutyFinding,
  aLambdaFunction,
  anEc2Instance,
  anInspectorFinding,
  aPartnerFinding,
  type Ec2Instance,
  type Times,
  type Workload,
} from './builders.ts';
import { CONTROLS, CVES, STANDARDS } from './catalog.ts';
import { type Random, seededRandom } from './random.ts';

export * from './builders.ts';
export { CONTROLS, CVES, STANDARDS } from './catalog.ts';
export { type Random, seededRandom } from './random.ts';

export interface FindingGeneratorOptions {
  seed: number;
  count: number;
  accountIds: string[];
  regions: string[];
  /** The emulator's clock: findings are created in the 60 days before it. */
  now: Date;
  /**
   * A fixed estate: each account and Region holds `workloadsPerSite` workloads drawn from a generator
   * of their own (seeded by `estate.seed`, the account and the Region), not from the findings' seed, so calls
   * with other finding seeds (a large seed's chunks, parallel seeders) report on the same resources.
   * Absent: each call draws a small estate of its own (6–14 instances, 3–8 images, 1–4 functions a site).
   */
  estate?: { seed: number; workloadsPerSite: number };
}

const DAY = 86_400_000;

/**
 * A realistic, deterministic estate: per account and region, EC2 instances (sharing a few AMIs),
 * container images and Lambda functions; on them roughly 55% Inspector package vulnerabilities,
 * 25% CSPM control findings (the same control under several standards and regions, some PASSED),
 * 10% GuardDuty, 5% from a partner that only sets Severity.Original, the rest informational;
 * about 5% archived; a few with unicode and text at ASFF's length limits.
 */
export function generateFindings(options: FindingGeneratorOptions): AwsSecurityFinding[] {
  const random = seededRandom(options.seed);
  const now = options.now.getTime();
  const findings: AwsSecurityFinding[] = [];
  const images = Array.from({ length: 4 }, () => `ami-0${random.hex(16)}`);
  const estate = new Map<string, Site>();
  const place = (accountId: string, region: string) => {
    const key = `${accountId}/${region}`;
    let site = estate.get(key);
    if (site) return site;
    if (options.estate) {
      site = fixedSite(options.estate, accountId, region);
    } else {
      const instances = Array.from({ length: random.int(6, 14) }, () =>
        anEc2Instance(random, accountId, region, images),
      );
      const workloads: Workload[] = [
        ...instances,
        ...Array.from({ length: random.int(3, 8) }, () => aContainerImage(random, accountId, region)),
        ...Array.from({ length: random.int(1, 4) }, () => aLambdaFunction(random, accountId, region)),
      ];
      site = { instances, workloads };
    }
    estate.set(key, site);
    return site;
  };
  const times = (): Times => {
    const created = now - random.int(2, 60) * DAY - random.int(0, DAY);
    // An update that would lie ahead of the clock folds back into the last two days: real findings
    // are not all updated at the same instant (they were, once, and the sync's sub-windows could
    // not share them out).
    const planned = created + random.int(0, 30) * DAY + random.int(0, DAY);
    const latest = now - 1000;
    const updated = planned <= latest ? planned : latest - ((planned - latest) % (2 * DAY));
    return {
      createdAt: iso(created),
      updatedAt: iso(updated),
      firstObservedAt: iso(created),
      lastObservedAt: iso(updated),
    };
  };

  while (findings.length < options.count) {
    const accountId = random.pick(options.accountIds);
    const region = random.pick(options.regions);
    const site = place(accountId, region);
    const kind = random.weighted([
      ['inspector', 55],
      ['control', 25],
      ['guardduty', 10],
      ['partner', 5],
      ['informational', 5],
    ] as const);
    if (kind === 'inspector') {
      const workload = random.pick(site.workloads);
      // Several CVEs per workload; the same CVE appears across workloads.
      findings.push(anInspectorFinding(random, workload, random.pick(CVES), times()));
    } else if (kind === 'control') {
      findings.push(...controlGroup(random, options, site.instances, times()));
    } else if (kind === 'guardduty') {
      findings.push(aGuardDutyFinding(random, random.pick(site.instances), times()));
    } else if (kind === 'partner') {
      findings.push(aPartnerFinding(random, random.pick(site.instances), times()));
    } else {
      findings.push(
        aControlFinding(
          random,
          random.pick(site.instances),
          random.pick(CONTROLS.slice(0, 3)),
          'PASSED',
          times(),
        ),
      );
    }
  }
  findings.length = options.count;
  for (const finding of findings) decorate(random, finding, now);
  return findings;
}

/**
 * The fixed estate of about `assets` workloads spread evenly over the accounts and Regions (`npm run
 * seed -- --assets`): its own seed, so it is the same whatever the findings' seed.
 */
export function fixedEstate(
  assets: number,
  accounts: number,
  regions: number,
): { seed: number; workloadsPerSite: number } {
  return { seed: 0x5eed, workloadsPerSite: Math.ceil(assets / (accounts * regions)) };
}

/** `npm run seed`'s member accounts: 111111111111, 222222222222, … then distinct beyond the ninth. */
export function memberAccountIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    index < 9 ? String(111_111_111_111 * (index + 1)) : String(100_000_000_000 + index),
  );
}

/**
 * `count` findings in chunks of `chunkSize`, as `npm run seed` loads them (so a large count is never
 * all in memory): chunk 0 is `generateFindings` with the seed itself (the emulator's `--seed`
 * findings); later ones are seeded apart by the golden ratio, so the chunks of nearby seeds never
 * coincide (finding Ids are random draws, so distinct seeds give distinct Ids).
 */
export function* generateFindingChunks(
  options: FindingGeneratorOptions,
  chunkSize = 2_000,
): Generator<AwsSecurityFinding[]> {
  for (let chunk = 0, done = 0; done < options.count; chunk++) {
    const count = Math.min(chunkSize, options.count - done);
    yield generateFindings({ ...options, seed: (options.seed + Math.imul(chunk, 0x9e3779b1)) >>> 0, count });
    done += count;
  }
}

interface Site {
  instances: Ec2Instance[];
  workloads: Workload[];
}

/**
 * A site of a fixed estate: the default mix (about 55% instances, 30% images, 15% functions), from
 * a generator seeded by the estate's seed, account and Region only.
 */
function fixedSite(
  estate: { seed: number; workloadsPerSite: number },
  accountId: string,
  region: string,
): Site {
  // Drawn once per process: a large seed generates thousands of chunks over the same estate.
  const key = `${estate.seed}/${estate.workloadsPerSite}/${accountId}/${region}`;
  const known = fixedSites.get(key);
  if (known) return known;
  let hash = estate.seed >>> 0;
  for (const char of `${accountId}/${region}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  const random = seededRandom(hash);
  const images = Array.from({ length: 4 }, () => `ami-0${random.hex(16)}`);
  const total = Math.max(3, estate.workloadsPerSite);
  const instanceCount = Math.max(1, Math.round(total * 0.55));
  const imageCount = Math.max(1, Math.round(total * 0.3));
  const instances = Array.from({ length: instanceCount }, () =>
    anEc2Instance(random, accountId, region, images),
  );
  const workloads: Workload[] = [
    ...instances,
    ...Array.from({ length: imageCount }, () => aContainerImage(random, accountId, region)),
    ...Array.from({ length: total - instanceCount - imageCount }, () =>
      aLambdaFunction(random, accountId, region),
    ),
  ];
  const site = { instances, workloads };
  fixedSites.set(key, site);
  return site;
}

const fixedSites = new Map<string, Site>();

/** One control on one resource: consolidated, or once per standard (legacy), sometimes in two regions for global resources. */
function controlGroup(
  random: Random,
  options: FindingGeneratorOptions,
  instances: Ec2Instance[],
  t: Times,
): AwsSecurityFinding[] {
  const control = random.pick(CONTROLS);
  const status = random.chance(0.75) ? 'FAILED' : 'PASSED';
  const instance = random.pick(instances);
  const target =
    control.resourceType === 'AwsEc2Instance'
      ? instance
      : control.resourceType === 'AwsAccount'
        ? { kind: 'account' as const, accountId: instance.accountId, region: instance.region }
        : control.resourceType === 'AwsS3Bucket'
          ? {
              kind: 'bucket' as const,
              accountId: instance.accountId,
              region: instance.region,
              name: `${instance.accountId}-logs`,
            }
          : {
              kind: 'iam-user' as const,
              accountId: instance.accountId,
              region: instance.region,
              name: 'deploy-bot',
            };
  if (random.chance(0.5)) return [aControlFinding(random, target, control, status, t)];
  const perStandard = STANDARDS.slice(0, random.int(2, 3)).map((standard) =>
    aControlFinding(random, target, control, status, t, standard),
  );
  // A global resource is reported again by every region that evaluates the control.
  if (control.global && options.regions.length > 1) {
    const other = options.regions.find((region) => region !== target.region)!;
    perStandard.push(
      aControlFinding(
        random,
        { ...target, region: other } as typeof target,
        control,
        status,
        t,
        STANDARDS[0],
      ),
    );
  }
  return perStandard;
}

/** Archive some, and give a few unicode or limit-length text. */
function decorate(random: Random, finding: AwsSecurityFinding, now: number): void {
  if (random.chance(0.05)) {
    finding.RecordState = 'ARCHIVED';
    if (finding.ProductFields?.['aws/inspector/FindingStatus'])
      finding.ProductFields['aws/inspector/FindingStatus'] = 'CLOSED';
  }
  if (random.chance(0.01)) {
    finding.Title = `Überprüfung fehlgeschlagen — 安全检查 — ${finding.Title}`.slice(0, 256);
  }
  if (random.chance(0.01)) {
    finding.Description =
      `${finding.Description} ${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(30)}`.slice(
        0,
        1024,
      );
  }
  if (Date.parse(finding.UpdatedAt!) > now) finding.UpdatedAt = iso(now);
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
