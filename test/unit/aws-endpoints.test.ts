import { GetFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { DeserializeMiddleware, HttpRequest, MiddlewareStack } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import {
  type AwsTarget,
  type AwsTransport,
  CustomEndpointNotAllowedError,
  securityHubClient,
  stsClient,
} from '../../src/aws/clients.ts';
import { PARTITIONS, securityHubEndpoint, stsEndpoint } from '../../src/aws/regions.ts';
import { settingsFromInput, validateSettings } from '../../src/connectors/settings.ts';
import type { ConnectorInput } from '../../src/generated/graphql.ts';

// Where Hubgraph sends signed requests, i.e. where credentials go. Without an endpoint override the
// AWS SDK picks the host from the connector's Region, which validation keeps to the Regions of the
// partitions Hubgraph supports; an override is refused unless the operator allowed custom endpoints
// (HUBGRAPH_ALLOW_CUSTOM_ENDPOINTS), and must then be a plain scheme://host[:port] URL. The expected
// hosts come from AWS's endpoint documentation (Security Hub and STS endpoints and quotas pages):
// `<service>.<region>.amazonaws.com`, and `.amazonaws.com.cn` in the China Regions.

const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

function target(region: string, endpointOverride: string | null = null): AwsTarget {
  return {
    authMode: 'ACCESS_KEY',
    sourceMode: null,
    accessKeyId: CREDENTIALS.accessKeyId,
    secretAccessKey: CREDENTIALS.secretAccessKey,
    roleArn: null,
    externalId: 'hubgraph-0123456789abcdef0123456789abcdef',
    roleSessionName: 'hubgraph-test',
    sessionDurationSeconds: 900,
    regions: [region],
    endpointOverride,
  };
}

const AWS_ONLY: AwsTransport = { allowCustomEndpoints: false };
const CUSTOM_ALLOWED: AwsTransport = { allowCustomEndpoints: true, endpointAllowList: ['127.0.0.0/8'] };

class Captured extends Error {
  readonly request: HttpRequest;
  constructor(request: HttpRequest) {
    super('captured before sending');
    this.request = request;
  }
}

/** The signed request a client would send, caught after signing and before it leaves the process. */
async function signedRequest(client: SecurityHubClient | STSClient, command: unknown): Promise<HttpRequest> {
  const capture: DeserializeMiddleware<object, object> = () => async (args) => {
    throw new Captured(args.request as HttpRequest);
  };
  (client.middlewareStack as MiddlewareStack<object, object>).add(capture, {
    step: 'deserialize',
    priority: 'low',
    name: 'captureSignedRequest',
  });
  try {
    await (client as { send(command: unknown): Promise<unknown> }).send(command);
  } catch (error) {
    if (error instanceof Captured) return error.request;
    throw error;
  }
  throw new Error('the request was not captured');
}

const securityHubRequest = (region: string, endpointOverride: string | null = null, transport = AWS_ONLY) =>
  signedRequest(
    securityHubClient(target(region, endpointOverride), transport, async () => CREDENTIALS, region, 1),
    new GetFindingsCommand({}),
  );

const stsRequest = (region: string) =>
  signedRequest(
    stsClient(target(region), AWS_ONLY, async () => CREDENTIALS, region, 1),
    new GetCallerIdentityCommand({}),
  );

/** One row per partition Hubgraph supports (and several Regions of the commercial one). */
const AWS_HOSTS: [partition: string, region: string, securityHub: string, sts: string][] = [
  ['aws', 'us-east-1', 'securityhub.us-east-1.amazonaws.com', 'sts.us-east-1.amazonaws.com'],
  ['aws', 'eu-central-2', 'securityhub.eu-central-2.amazonaws.com', 'sts.eu-central-2.amazonaws.com'],
  ['aws', 'ap-southeast-7', 'securityhub.ap-southeast-7.amazonaws.com', 'sts.ap-southeast-7.amazonaws.com'],
  ['aws', 'mx-central-1', 'securityhub.mx-central-1.amazonaws.com', 'sts.mx-central-1.amazonaws.com'],
  [
    'aws-us-gov',
    'us-gov-west-1',
    'securityhub.us-gov-west-1.amazonaws.com',
    'sts.us-gov-west-1.amazonaws.com',
  ],
  [
    'aws-us-gov',
    'us-gov-east-1',
    'securityhub.us-gov-east-1.amazonaws.com',
    'sts.us-gov-east-1.amazonaws.com',
  ],
  ['aws-cn', 'cn-north-1', 'securityhub.cn-north-1.amazonaws.com.cn', 'sts.cn-north-1.amazonaws.com.cn'],
  [
    'aws-cn',
    'cn-northwest-1',
    'securityhub.cn-northwest-1.amazonaws.com.cn',
    'sts.cn-northwest-1.amazonaws.com.cn',
  ],
];

describe('AWS endpoints of each partition', () => {
  for (const [partition, region, securityHub, sts] of AWS_HOSTS) {
    it(`${partition} ${region}: Security Hub at ${securityHub}, STS at ${sts}`, async () => {
      expect(securityHubEndpoint(region)).toBe(`https://${securityHub}`);
      expect(stsEndpoint(region)).toBe(`https://${sts}`);

      const findings = await securityHubRequest(region);
      expect(findings).toMatchObject({ protocol: 'https:', hostname: securityHub, path: '/findings' });
      expect(findings.port ?? 443).toBe(443);
      expect(findings.headers.host).toBe(securityHub);
      // Signed for that Region and service only: the signature is worth nothing anywhere else.
      expect(findings.headers.authorization).toContain(`/${region}/securityhub/aws4_request`);

      const identity = await stsRequest(region);
      expect(identity).toMatchObject({ protocol: 'https:', hostname: sts });
      expect(identity.headers.authorization).toContain(`/${region}/sts/aws4_request`);
    });
  }

  it('probes, in the connection test, the very hosts the SDK sends requests to, in every Region', async () => {
    const regions = PARTITIONS.flatMap((partition) => partition.regions);
    expect(regions.length).toBeGreaterThan(30);
    for (const region of regions) {
      const suffix = region.startsWith('cn-') ? '.amazonaws.com.cn' : '.amazonaws.com';
      const sdkHost = (await securityHubRequest(region)).hostname;
      expect(sdkHost).toBe(`securityhub.${region}${suffix}`);
      expect(securityHubEndpoint(region)).toBe(`https://${sdkHost}`);
      expect(stsEndpoint(region)).toBe(`https://${(await stsRequest(region)).hostname}`);
    }
  });
});

/** Region strings a host name could be smuggled in through, and Regions of partitions Hubgraph does not serve. */
const NOT_REGIONS = [
  'us-east-1.amazonaws.com.evil.example',
  'evil.example#',
  'evil.example/',
  'us-east-1@evil.example',
  'us-east-1:8443',
  'US-EAST-1',
  'us-east-1.',
  ' us-east-1',
  'us-iso-east-1', // aws-iso (*.c2s.ic.gov)
  'us-isob-east-1', // aws-iso-b (*.sc2s.sgov.gov)
  'eusc-de-east-1', // aws-eusc (*.amazonaws.eu)
  'mars-north-1',
  '',
];

const connectorInput = (overrides: Partial<ConnectorInput>): ConnectorInput => ({
  name: 'endpoints',
  regions: ['us-east-1'],
  auth: { mode: 'DEFAULT_CHAIN' },
  ...overrides,
});

const errorsOf = (input: ConnectorInput, allowCustomEndpoints: boolean) =>
  validateSettings(settingsFromInput(input), { allowCustomEndpoints, now: new Date('2026-11-01T00:00:00Z') });

describe('Regions that are not AWS Regions Hubgraph serves', () => {
  for (const region of NOT_REGIONS) {
    it(`refuses ${JSON.stringify(region)} as a connector Region and never builds a host from it`, () => {
      expect(errorsOf(connectorInput({ regions: [region] }), false)).toEqual([
        expect.objectContaining({ field: ['input', 'regions', '0'], code: 'INVALID' }),
      ]);
      expect(() => securityHubEndpoint(region)).toThrow(/not an AWS Region Hubgraph knows/);
      expect(() => stsEndpoint(region)).toThrow(/not an AWS Region Hubgraph knows/);
    });
  }
});

/** Endpoints that look like AWS's, and AWS's own: with custom endpoints off, none is ever used. */
const LOOKALIKES = [
  'https://securityhub.us-east-1.amazonaws.com.evil.example',
  'https://evilamazonaws.com',
  'https://securityhub.us-east-1.amazonaws.com@evil.example',
  'https://securityhub.us-east-1.amazonaws.com:8443',
  'HTTPS://SECURITYHUB.US-EAST-1.AMAZONAWS.COM',
  'https://securityhub.us-east-1.amazonaws.com.',
  'https://vpce-0a1b2c3d4e5f67890-abcdefgh.securityhub.us-east-1.vpce.amazonaws.com',
  'https://securityhub.us-east-1.amazonaws.com',
];

describe('endpoint overrides with custom endpoints off (the default)', () => {
  for (const endpoint of LOOKALIKES) {
    it(`refuses ${endpoint} when saved, and the client factory refuses it before any request`, () => {
      expect(errorsOf(connectorInput({ endpointOverride: endpoint }), false)).toEqual([
        expect.objectContaining({ field: ['input', 'endpointOverride'], code: 'NOT_ALLOWED' }),
      ]);
      expect(() =>
        securityHubClient(target('us-east-1', endpoint), AWS_ONLY, async () => CREDENTIALS, 'us-east-1'),
      ).toThrow(CustomEndpointNotAllowedError);
      expect(() => stsClient(target('us-east-1', endpoint), AWS_ONLY, async () => CREDENTIALS)).toThrow(
        CustomEndpointNotAllowedError,
      );
    });
  }
});

describe('endpoint overrides with custom endpoints allowed', () => {
  const accepted: [endpoint: string, host: string][] = [
    [
      'https://vpce-0a1b2c3d4e5f67890-abcdefgh.securityhub.us-east-1.vpce.amazonaws.com',
      'vpce-0a1b2c3d4e5f67890-abcdefgh.securityhub.us-east-1.vpce.amazonaws.com',
    ],
    ['https://securityhub-fips.us-east-1.amazonaws.com', 'securityhub-fips.us-east-1.amazonaws.com'],
    ['http://127.0.0.1:4566', '127.0.0.1'],
    ['https://localhost:8443/', 'localhost'],
  ];
  for (const [endpoint, host] of accepted) {
    it(`accepts ${endpoint} and sends there`, async () => {
      expect(errorsOf(connectorInput({ endpointOverride: endpoint }), true)).toEqual([]);
      const request = await securityHubRequest('us-east-1', endpoint, CUSTOM_ALLOWED);
      expect(request.hostname).toBe(host);
    });
  }

  const refused: [what: string, endpoint: string][] = [
    [
      'user info that makes another host read as AWS',
      'https://securityhub.us-east-1.amazonaws.com@evil.example',
    ],
    ['credentials in the URL', 'https://user:secret@securityhub.us-east-1.amazonaws.com'],
    ['a path', 'https://evil.example/securityhub.us-east-1.amazonaws.com'],
    ['a query', 'https://evil.example?.amazonaws.com'],
    ['a fragment', 'https://evil.example#.amazonaws.com'],
    ['another scheme', 'ftp://securityhub.us-east-1.amazonaws.com'],
    ['no scheme', 'securityhub.us-east-1.amazonaws.com'],
    ['a space in the host', 'https://securityhub .us-east-1.amazonaws.com'],
    ['a port out of range', 'https://securityhub.us-east-1.amazonaws.com:99999'],
  ];
  for (const [what, endpoint] of refused) {
    it(`refuses ${what}: ${endpoint}`, () => {
      expect(errorsOf(connectorInput({ endpointOverride: endpoint }), true)).toEqual([
        expect.objectContaining({ field: ['input', 'endpointOverride'], code: 'INVALID' }),
      ]);
    });
  }
});
