import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';
import { exceedsJsonDepth, maxJsonDepth } from './json-depth.js';
import { checkWebhookAuth, type WebhookAuth } from './webhook-auth.js';

/** What the HTTP server needs from the agent; it imports no bot, host or bridge. */
export interface HttpHandlers {
  /** True once plugins and platforms are up (readiness). */
  ready(): boolean;
  /** More for the `/readyz` body (an HA replica's role and leader). */
  readiness?(): Record<string, unknown>;
  /** The JSON `/status` document. */
  status(): unknown;
  metrics: Registry;
  /** Incoming webhooks: undefined when the source group does not exist or takes no webhooks. */
  webhook(source: string):
    | {
        auth: WebhookAuth;
        handle(body: Buffer, headers: Record<string, string | string[] | undefined>): Promise<void>;
      }
    | undefined;
}

export interface HttpServerOptions {
  handlers: HttpHandlers;
  logger: Logger;
  /** Largest accepted webhook body in bytes. */
  bodyLimit?: number;
  /** Which routes this listener serves; all of them unless given. */
  routes?: readonly HttpRoutes[];
}

/** Route sets a listener can serve: health (`/healthz`, `/readyz`, `/status`), `/metrics`, webhooks. */
export type HttpRoutes = 'health' | 'metrics' | 'webhooks';

/**
 * The routes take no JSON schemas. Without this, every fastify instance loads its schema
 * compilers (ajv with ajv-formats, and fast-json-stringify with their own dependencies), about
 * 1.3 MB of heap that the agent would keep for good without ever using it. A route given a
 * schema makes `ready()`/`listen()` fail with this message instead of going unchecked.
 */
const noSchemaCompilers = {
  buildValidator: () => () => {
    throw new Error('the HTTP server has no JSON schema compiler: its routes take no schemas');
  },
  buildSerializer: () => () => {
    throw new Error('the HTTP server has no JSON schema serializer: its routes take no schemas');
  },
};

/**
 * The agent's HTTP API: `/healthz` (alive), `/readyz` (ready: 200, else 503),
 * `/status` (JSON), `/metrics` (Prometheus) and `POST /sources/v1/{source}`
 * (incoming webhooks, authenticated per source, size- and depth-limited, JSON errors with
 * Botkube's response shapes).
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { handlers } = options;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Health probes and metric scrapes would otherwise log two lines each.
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: noSchemaCompilers },
  });

  // Webhooks hash the raw body, so every body is kept as bytes, whatever its type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `request body is larger than ${options.bodyLimit ?? 1024 * 1024} bytes`
        : error.message;
    void reply.status(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `no route ${request.method} ${request.url}` });
  });

  const routes = new Set(options.routes ?? ['health', 'metrics', 'webhooks']);
  const instance = app as unknown as FastifyInstance;
  if (routes.has('health')) registerHealth(instance, handlers);
  if (routes.has('metrics')) registerMetrics(instance, handlers);
  if (routes.has('webhooks')) registerWebhooks(instance, handlers);
  return instance;
}

function registerHealth(app: FastifyInstance, handlers: HttpHandlers): void {
  app.get('/healthz', async () => ({ status: 'alive' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = handlers.ready();
    return reply.status(ready ? 200 : 503).send({ ready, ...handlers.readiness?.() });
  });
  app.get('/status', async () => handlers.status());
}

function registerMetrics(app: FastifyInstance, handlers: HttpHandlers): void {
  app.get('/metrics', async (_request, reply) => {
    return reply.type(handlers.metrics.contentType).send(await handlers.metrics.metrics());
  });
}

function registerWebhooks(app: FastifyInstance, handlers: HttpHandlers): void {
  app.post<{ Params: { source: string } }>('/sources/v1/:source', async (request, reply) => {
    const source = request.params.source;
    const target = handlers.webhook(source);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!target) return reply.status(404).send({ error: `source "${source}" not found` });
    const refusal = checkWebhookAuth(target.auth, request.headers, body);
    if (refusal) return reply.status(401).send({ error: refusal });
    if (body.length === 0) return reply.status(400).send({ error: 'empty body; send the event as JSON' });
    // Checked before parsing: whatever walks the event later recurses and would run out of stack.
    if (exceedsJsonDepth(body, maxJsonDepth)) {
      return reply
        .status(400)
        .send({ error: `JSON nests objects and arrays deeper than ${maxJsonDepth} levels` });
    }
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      return reply.status(400).send({ error: 'body is not valid JSON' });
    }
    try {
      await target.handle(body, request.headers);
    } catch (err) {
      // Handlers may say what the caller did wrong (400) or that it is not allowed (401).
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      return reply.status(status).send({ error: err instanceof Error ? err.message : String(err) });
    }
    return reply.status(200).send({ success: true });
  });
}
