import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DescribeHubCommand,
  GetFindingsCommand,
  GetFindingsV2Command,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { generateFindings } from '../../../src/emulator/generator/index.ts';
import { ocsfTwinOf } from '../../../src/emulator/generator/ocsf.ts';
import { VULNERABILITY_MAP } from '../../../src/mapping/built-in-maps.ts';
import { type DocumentFormat, type FormatMaps, mapDocument } from '../../../src/mapping/map-document.ts';
import { OCSF_VULNERABILITY_MAP } from '../../../src/mapping/ocsf/built-in-map.ts';
import { compileTransformMap, type TransformMapDefinition } from '../../../src/mapping/transform-map.ts';
import { keepFindingsAsReceived } from '../../../src/sync/raw-pages.ts';

// GetFindings and GetFindingsV2 pages read past the SDK's deserializer: the findings arrive exactly
// as the body held them, the mapping reads from them what it read from the SDK's objects, and the
// rest of the call (NextToken, errors, retries) is the SDK's as before.

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A client whose HTTP handler answers each attempt with the next reply, as a Node stream. */
function clientAnswering(replies: Reply[], asReceived: boolean): SecurityHubClient {
  let next = 0;
  const client = new SecurityHubClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 3,
    requestHandler: {
      handle: async () => {
        const reply = replies[Math.min(next++, replies.length - 1)]!;
        return {
          response: {
            statusCode: reply.status,
            headers: { 'content-type': 'application/json', ...reply.headers },
            // In chunks, as a socket delivers it.
            body: Readable.from(chunks(Buffer.from(reply.body), 16_384)),
          },
        };
      },
    },
  });
  if (asReceived) keepFindingsAsReceived(client);
  return client;
}

function* chunks(buffer: Buffer, size: number) {
  for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
}

const page = (findings: unknown[], nextToken?: string): Reply => ({
  status: 200,
  body: JSON.stringify({ Findings: findings, ...(nextToken ? { NextToken: nextToken } : {}) }),
});

function compiled(definition: TransformMapDefinition) {
  const result = compileTransformMap(definition);
  if (!result.ok) throw new Error(`${definition.name} does not compile`);
  return result.map;
}
const maps: FormatMaps = { ASFF: compiled(VULNERABILITY_MAP), OCSF: compiled(OCSF_VULNERABILITY_MAP) };

function fixtures(directory: string): unknown[] {
  const found: unknown[] = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...fixtures(path));
    else if (name.endsWith('.json'))
      found.push((JSON.parse(readFileSync(path, 'utf8')) as { finding: unknown }).finding);
  }
  return found;
}

// Fields some of the real producers' findings carry that the SDK's model lacks.
const DROPPED_FROM_REAL_ASFF = [
  '.EpssScore',
  '.FindingProviderFields.Severity.Normalized',
  '.approximateArrivalTimestamp',
  '.updatedAt',
];

const NOW = new Date('2026-11-01T00:00:00Z');
const generated = generateFindings({
  seed: 3,
  count: 1_500,
  accountIds: ['111111111111', '222222222222'],
  regions: ['us-east-1', 'eu-west-1'],
  now: NOW,
});

/** The findings of one page, read by the SDK alone and then with `keepFindingsAsReceived`. */
async function readBothWays(format: DocumentFormat, findings: unknown[]) {
  const read = async (asReceived: boolean) => {
    const client = clientAnswering([page(findings, 'token-2')], asReceived);
    const output =
      format === 'ASFF'
        ? await client.send(new GetFindingsCommand({ MaxResults: 100 }))
        : await client.send(new GetFindingsV2Command({ MaxResults: 100 }));
    return { findings: output.Findings as unknown[], nextToken: output.NextToken };
  };
  return { sdk: await read(false), asReceived: await read(true) };
}

/**
 * What the sync stores of a finding, but the raw document. A reject's problems come in the order
 * the validator meets the fields (the document's own order, where the SDK's objects had its
 * model's), and its reason names the first: compared as a sorted list and a count.
 */
function mappedWithoutRaw(document: unknown, format: DocumentFormat) {
  const outcome = mapDocument(document, format, maps, { defaultSeverity: 'MEDIUM' });
  if (!outcome.ok) {
    const problems = [...outcome.reject.problems].sort((a, b) =>
      `${a.path} ${a.message}`.localeCompare(`${b.path} ${b.message}`),
    );
    return { ...outcome, reject: { ...outcome.reject, reason: problems.length, problems } };
  }
  const { raw: _raw, ...finding } = outcome.finding;
  return { ...outcome, finding };
}

/** `received` with only the fields `sdk` has (what the SDK kept of it), in `received`'s order. */
function knownPart(received: unknown, sdk: unknown): unknown {
  if (Array.isArray(received) && Array.isArray(sdk))
    return received.map((item, index) => knownPart(item, sdk[index]));
  if (isRecord(received) && isRecord(sdk))
    return Object.fromEntries(
      Object.entries(received)
        .filter(([key]) => key in sdk)
        .map(([key, value]) => [key, knownPart(value, sdk[key])]),
    );
  return received;
}

/** The paths of fields `received` has and `sdk` lacks (with list indexes as []). */
function droppedPaths(received: unknown, sdk: unknown, path = ''): string[] {
  if (Array.isArray(received) && Array.isArray(sdk))
    return received.flatMap((item, index) => droppedPaths(item, sdk[index], `${path}[]`));
  if (isRecord(received) && isRecord(sdk))
    return Object.entries(received).flatMap(([key, value]) =>
      key in sdk ? droppedPaths(value, sdk[key], `${path}.${key}`) : [`${path}.${key}`],
    );
  return [];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

describe('findings as received', () => {
  // What the SDK's model (3.1108) drops of each corpus; the rest reaches the mapping unchanged.
  const corpora: [string, DocumentFormat, unknown[], string[]][] = [
    [
      'real producers’ ASFF (test/fixtures/real-findings)',
      'ASFF',
      fixtures('test/fixtures/real-findings'),
      DROPPED_FROM_REAL_ASFF,
    ],
    ['the emulator’s generated ASFF', 'ASFF', generated, ['.Resources[].Details.AwsEc2Instance.Platform']],
    [
      'real OCSF (test/fixtures/real-findings-ocsf)',
      'OCSF',
      fixtures('test/fixtures/real-findings-ocsf'),
      [],
    ],
    [
      'the emulator’s generated OCSF',
      'OCSF',
      generated.map((finding) => ocsfTwinOf(finding)).filter((twin) => twin !== undefined),
      [],
    ],
  ];
  for (const [name, format, corpus, dropped] of corpora) {
    it(`keeps ${name} as sent, and maps the fields the SDK knew as it mapped its objects`, async () => {
      expect(corpus.length).toBeGreaterThan(10);
      const droppedBySdk = new Set<string>();
      for (let at = 0; at < corpus.length; at += 100) {
        const sent = corpus.slice(at, at + 100);
        const { sdk, asReceived } = await readBothWays(format, sent);
        expect(asReceived.nextToken).toBe('token-2');
        expect(sdk.nextToken).toBe('token-2');
        expect(asReceived.findings).toEqual(JSON.parse(JSON.stringify(sent)));
        for (const [index, finding] of asReceived.findings.entries()) {
          const known = knownPart(finding, sdk.findings[index]);
          // The same values (no dates, bytes or big numbers the SDK would have made of them)...
          expect(known, `finding ${at + index}`).toEqual(sdk.findings[index]);
          // ...so the same mapping.
          expect(mappedWithoutRaw(known, format), `finding ${at + index}`).toEqual(
            mappedWithoutRaw(sdk.findings[index], format),
          );
          for (const path of droppedPaths(finding, sdk.findings[index])) droppedBySdk.add(path);
        }
      }
      expect([...droppedBySdk].sort()).toEqual([...dropped].sort());
    });
  }

  it('keeps a field the SDK model lacks, which the SDK alone drops', async () => {
    const [finding] = generated;
    const sent = { ...finding, AddedByAwsLater: { Nested: [1, 'two'] } };
    const { sdk, asReceived } = await readBothWays('ASFF', [sent]);
    expect(asReceived.findings[0]).toEqual(sent);
    expect(sdk.findings[0]).not.toHaveProperty('AddedByAwsLater');
  });

  it('reads an empty last page', async () => {
    const { asReceived } = await readBothWays('ASFF', []);
    expect(asReceived).toEqual({ findings: [], nextToken: 'token-2' });
  });

  it('leaves error responses to the SDK: the service’s exception, with its name and message', async () => {
    const client = clientAnswering(
      [
        {
          status: 400,
          headers: { 'x-amzn-errortype': 'InvalidInputException' },
          body: JSON.stringify({ Code: 'InvalidInputException', Message: 'MaxResults is too large' }),
        },
      ],
      true,
    );
    await expect(client.send(new GetFindingsCommand({ MaxResults: 100 }))).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: 'MaxResults is too large',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('takes the findings of the attempt that succeeded when the SDK retries', async () => {
    const [first, second] = generated;
    const client = clientAnswering(
      [
        {
          status: 500,
          headers: { 'x-amzn-errortype': 'InternalException' },
          body: JSON.stringify({ Code: 'InternalException', Message: 'try again' }),
        },
        page([first, second]),
      ],
      true,
    );
    const output = await client.send(new GetFindingsCommand({ MaxResults: 100 }));
    expect(output.$metadata.attempts).toBe(2);
    expect(output.Findings).toEqual([first, second]);
  });

  it('leaves other operations to the SDK', async () => {
    const client = clientAnswering(
      [
        {
          status: 200,
          body: JSON.stringify({ HubArn: 'arn:aws:securityhub:us-east-1:111111111111:hub/default' }),
        },
      ],
      true,
    );
    expect((await client.send(new DescribeHubCommand({}))).HubArn).toBe(
      'arn:aws:securityhub:us-east-1:111111111111:hub/default',
    );
  });
});
