import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import { sameSecret } from './auth/same-secret.ts';
import { createApolloServer } from './graphql/apollo.ts';
import { type AppServices, createContext, type GraphQLContext } from './graphql/context.ts';
import { HttpError, handleGraphQLRequest } from './graphql/http.ts';
import { createCostGate, extraValidationRules } from './graphql/limits.ts';
import { buildSchema } from './graphql/schema.ts';
import { attachWebSocketServer } from './graphql/ws.ts';

// The HTTP face of the service: /graphql (HTTP and WebSocket), /healthz, /readyz, /metrics.

export interface RunningServer {
  url: string;
  port: number;
  httpServer: Server;
  apollo: ApolloServer<GraphQLContext>;
  /** /metrics on its own port, when HUBGRAPH_METRICS_PORT is set. */
  metricsUrl: string | undefined;
  /** Stops accepting work, lets in-flight requests finish, closes subscriptions. */
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function startServer(
  app: AppServices,
  listen: { port: number; host: string /** false: a worker's ops endpoints only. */; graphql?: boolean },
): Promise<RunningServer> {
  const servesGraphQL = listen.graphql !== false;
  const schema = buildSchema();
  let apollo: ApolloServer<GraphQLContext> | undefined;
  let ready = false;

  const httpServer = createServer((req, res) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    route(req, res, requestId).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) app.log.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent)
        sendJson(res, status, {
          errors: [
            {
              message: error instanceof HttpError ? error.message : 'Internal server error',
              extensions: { requestId },
            },
          ],
        });
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/graphql':
        if (!servesGraphQL)
          return sendJson(res, 404, {
            error:
              'This process is a sync worker (HUBGRAPH_ROLE=worker); GraphQL is served by the api processes.',
          });
        return handleGraphQLRequest(apollo!, req, res, () =>
          createContext(app, { authorization: req.headers.authorization, requestId }),
        );
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        return readiness(res);
      case '/metrics':
        return metricsOnServicePort(req, res);
      default:
        return sendJson(res, 404, { error: `Nothing at ${path}. GraphQL is served at /graphql.` });
    }
  }

  /** /metrics beside the API: on a port of its own, behind a token, or open only in dev mode. */
  async function metricsOnServicePort(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { token, port } = app.config.metrics;
    if (port !== undefined)
      return sendJson(res, 404, {
        error: `Metrics are served on their own port (HUBGRAPH_METRICS_PORT=${port}).`,
      });
    if (token !== undefined) {
      if (!sameSecret(req.headers.authorization ?? '', `Bearer ${token}`)) {
        res.setHeader('www-authenticate', 'Bearer realm="metrics"');
        return sendJson(res, 401, {
          error: 'Send the metrics token as `Authorization: Bearer <HUBGRAPH_METRICS_TOKEN>`.',
        });
      }
    } else if (app.config.auth !== undefined) {
      return sendJson(res, 403, {
        error:
          'Metrics are not public where tenants are: set HUBGRAPH_METRICS_TOKEN (and scrape with it as a bearer token) or HUBGRAPH_METRICS_PORT (a port only the scraper reaches).',
      });
    }
    return sendMetrics(res);
  }

  async function sendMetrics(res: ServerResponse): Promise<void> {
    res.setHeader('content-type', app.metrics.registry.contentType);
    res.end(await app.metrics.registry.metrics());
  }

  async function readiness(res: ServerResponse): Promise<void> {
    try {
      await app.database.ping();
    } catch (error) {
      app.log.warn({ err: error }, 'readiness: database unreachable');
      return sendJson(res, 503, { status: 'unavailable', database: 'unreachable' });
    }
    return sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'starting',
      database: 'ok',
      migrations: 'applied',
    });
  }

  // One budget per tenant, whichever door its operations come through.
  const costGate = createCostGate(app.config, schema);
  const ws = attachWebSocketServer(app, schema, httpServer, extraValidationRules(app.config), costGate);
  apollo = createApolloServer(app, schema, httpServer, ws.drain, costGate);
  await apollo.start();
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(listen.port, listen.host, () => resolve());
  });
  const metricsServer =
    app.config.metrics.port === undefined
      ? undefined
      : await listenOn(
          createServer((req, res) => {
            const path = (req.url ?? '/').split('?')[0];
            const answer =
              path === '/metrics'
                ? sendMetrics(res)
                : path === '/healthz'
                  ? Promise.resolve(sendJson(res, 200, { status: 'ok' }))
                  : path === '/readyz'
                    ? readiness(res)
                    : Promise.resolve(
                        sendJson(res, 404, { error: `Nothing at ${path}: this port serves /metrics.` }),
                      );
            answer.catch((error: unknown) => {
              app.log.error({ err: error }, 'metrics request failed');
              if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
            });
          }),
          app.config.metrics.port,
          listen.host,
        );
  ready = true;
  const { port } = httpServer.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    httpServer,
    apollo,
    metricsUrl: metricsServer
      ? `http://${host}:${(metricsServer.address() as AddressInfo).port}/metrics`
      : undefined,
    async stop() {
      ready = false;
      await apollo!.stop();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    },
  };
}

function listenOn(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
