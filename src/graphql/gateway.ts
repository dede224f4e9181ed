import { type DocumentNode, GraphQLError, visit } from 'graphql';
import { sameSecret } from '../auth/same-secret.ts';
import type { Config } from '../config.ts';
import { ErrorCode } from '../errors.ts';

// `_service { sdl }` is the whole schema, directives and all: the router's business (or rover's, at
// composition), not a tenant's. With HUBGRAPH_GATEWAY_SECRET set, only a request carrying it in this
// header reads it; in production it is refused until the secret is set; never over WebSocket.

export const GATEWAY_SECRET_HEADER = 'x-hubgraph-gateway-secret';

/** Whether the document asks for `_service` anywhere. */
export function selectsService(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '_service') found = true;
    },
  });
  return found;
}

/** Why this request may not read `_service`, or undefined when it may. */
export function serviceRefusal(config: Config, header: string | undefined | null): GraphQLError | undefined {
  if (config.gatewaySecret !== undefined) {
    if (header && sameSecret(header, config.gatewaySecret)) return undefined;
    return forbidden(
      `Only the gateway reads \`_service\`: send the ${GATEWAY_SECRET_HEADER} header with the value of HUBGRAPH_GATEWAY_SECRET (rover: introspection_headers; or compose from \`npm run schema:print\`).`,
    );
  }
  if (!config.production) return undefined;
  return forbidden(
    `\`_service\` is answered only to the gateway in production: set HUBGRAPH_GATEWAY_SECRET and send it as the ${GATEWAY_SECRET_HEADER} header, or compose from \`npm run schema:print\`.`,
  );
}

export function serviceOverWebSocketRefusal(): GraphQLError {
  return forbidden('`_service` is not served over WebSocket: the gateway reads it over HTTP.');
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
}
