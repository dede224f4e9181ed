import type { SecurityHubClient, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-securityhub';
import type { DeserializeMiddleware } from '@smithy/types';

// GetFindings and GetFindingsV2 pages as AWS sent them. The SDK's restJson deserializer rebuilds
// every finding field by field from its model (tens of microseconds of CPU per finding) and drops
// every field the model does not know, so a field AWS adds later would never reach `findings.raw`.
// Here the body of a successful page is parsed once with JSON.parse, its `Findings` kept as parsed,
// and the SDK deserializes the rest (NextToken) from a body without them. Signing, retries,
// throttling and error responses stay the SDK's.

/** Operations whose successful pages keep their findings as received. */
const RAW_FINDINGS_COMMANDS = new Set(['GetFindingsCommand', 'GetFindingsV2Command']);

/** An attempt's findings, by the response object the SDK's deserializer hands back with its output. */
const findingsOfResponse = new WeakMap<object, unknown[]>();

interface Response {
  statusCode?: number;
  body?: unknown;
}

/**
 * Makes the client's GetFindings and GetFindingsV2 outputs carry `Findings` exactly as parsed from
 * the HTTP body (known or not to the SDK's model, values untouched).
 */
export function keepFindingsAsReceived(client: SecurityHubClient): void {
  const collect = client.config.streamCollector;
  // Innermost, per attempt (the retry middleware sits above this step): sees the raw response.
  const takeFindings: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      const result = await next(args);
      if (!RAW_FINDINGS_COMMANDS.has(context.commandName ?? '')) return result;
      const response = result.response as Response;
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300 || response.body == null) return result;
      const bytes = response.body instanceof Uint8Array ? response.body : await collect(response.body);
      const page = parsePage(bytes);
      if (!page) {
        // Not JSON (or not a page): the SDK's deserializer reports it as it always has.
        response.body = bytes;
        return result;
      }
      const { Findings: findings, ...rest } = page;
      findingsOfResponse.set(response, findings);
      // `Findings: []` keeps the SDK's output shape; the findings themselves go round it.
      response.body = Buffer.from(JSON.stringify({ ...rest, Findings: [] }));
      return result;
    };
  // Just outside the SDK's deserializer: puts the attempt's findings onto its output.
  const putFindingsBack: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next) => async (args) => {
      const result = await next(args);
      const findings = findingsOfResponse.get(result.response as object);
      if (findings) (result.output as { Findings?: unknown[] }).Findings = findings;
      return result;
    };
  client.middlewareStack.addRelativeTo(takeFindings, {
    relation: 'after',
    toMiddleware: 'deserializerMiddleware',
    name: 'hubgraphTakeFindingsAsReceived',
    override: true,
  });
  client.middlewareStack.addRelativeTo(putFindingsBack, {
    relation: 'before',
    toMiddleware: 'deserializerMiddleware',
    name: 'hubgraphPutFindingsBack',
    override: true,
  });
}

function parsePage(bytes: Uint8Array): ({ Findings: unknown[] } & Record<string, unknown>) | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    !Array.isArray((parsed as { Findings?: unknown }).Findings)
  )
    return undefined;
  return parsed as { Findings: unknown[] } & Record<string, unknown>;
}
