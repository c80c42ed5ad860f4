import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { maxJsonDepth } from '../../src/http/json-depth.js';
import { createHttpServer, type HttpHandlers } from '../../src/http/server.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createTestLogger } from '../support/test-logger.js';

let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(overrides: Partial<HttpHandlers> = {}, bodyLimit?: number) {
  const received: { source: string; body: string }[] = [];
  const metrics = createMetrics();
  metrics.commands.inc({ executor: 'echo', result: 'ok' });
  let ready = false;
  const handlers: HttpHandlers = {
    ready: () => ready,
    status: () => ({ plugins: { 'x/echo': { state: 'running' } } }),
    metrics: metrics.registry,
    webhook: (source) => {
      if (source === 'open')
        return {
          auth: { type: 'none' },
          handle: async (b) => void received.push({ source, body: b.toString() }),
        };
      if (source === 'bearer')
        return {
          auth: { type: 'bearer', token: 's3cret' },
          handle: async (b) => void received.push({ source, body: b.toString() }),
        };
      if (source === 'signed') {
        return {
          auth: { type: 'hmac', secret: 'k', header: 'X-Hub-Signature-256' },
          handle: async (b) => void received.push({ source, body: b.toString() }),
        };
      }
      if (source === 'broken')
        return {
          auth: { type: 'none' },
          handle: async () => Promise.reject(new Error('plugin source-x is restarting')),
        };
      return undefined;
    },
    ...overrides,
  };
  server = createHttpServer({
    handlers,
    logger: createTestLogger().logger,
    ...(bodyLimit ? { bodyLimit } : {}),
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { url, received, setReady: (r: boolean) => (ready = r) };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('HTTP server', () => {
  it('answers liveness at once and readiness only when ready', async () => {
    const { url, setReady } = await start();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    setReady(true);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: true });
  });

  it('serves /status as JSON and /metrics in Prometheus format', async () => {
    const { url } = await start();
    expect(await (await fetch(`${url}/status`)).json()).toEqual({
      plugins: { 'x/echo': { state: 'running' } },
    });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('switchboard_commands_total{executor="echo",result="ok"} 1');
  });

  it('hands a webhook body to its source and answers like Botkube', async () => {
    const { url, received } = await start();
    const response = await post(`${url}/sources/v1/open`, '{"a":1}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    expect(received).toEqual([{ source: 'open', body: '{"a":1}' }]);
  });

  it('answers 404 for an unknown source, 400 for a bad body, 500 when the plugin fails', async () => {
    const { url } = await start();
    const missing = await post(`${url}/sources/v1/nope`, '{}');
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'source "nope" not found' }]);
    const notJson = await post(`${url}/sources/v1/open`, 'hello');
    expect([notJson.status, await notJson.json()]).toEqual([400, { error: 'body is not valid JSON' }]);
    const empty = await post(`${url}/sources/v1/open`, '');
    expect(empty.status).toBe(400);
    const broken = await post(`${url}/sources/v1/broken`, '{}');
    expect([broken.status, await broken.json()]).toEqual([500, { error: 'plugin source-x is restarting' }]);
  });

  it('checks bearer tokens and HMAC signatures', async () => {
    const { url, received } = await start();
    expect((await post(`${url}/sources/v1/bearer`, '{}')).status).toBe(401);
    const wrong = await post(`${url}/sources/v1/bearer`, '{}', { authorization: 'Bearer nope' });
    expect([wrong.status, await wrong.json()]).toEqual([401, { error: 'wrong bearer token' }]);
    expect((await post(`${url}/sources/v1/bearer`, '{}', { authorization: 'Bearer s3cret' })).status).toBe(
      200,
    );
    // The scheme is case-insensitive (RFC 7235).
    expect((await post(`${url}/sources/v1/bearer`, '{}', { authorization: 'bearer s3cret' })).status).toBe(
      200,
    );

    const body = '{"ref":"main"}';
    const good = `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`;
    const bad = `sha256=${createHmac('sha256', 'other').update(body).digest('hex')}`;
    expect((await post(`${url}/sources/v1/signed`, body, { 'x-hub-signature-256': bad })).status).toBe(401);
    expect((await post(`${url}/sources/v1/signed`, body)).status).toBe(401);
    expect((await post(`${url}/sources/v1/signed`, body, { 'x-hub-signature-256': good })).status).toBe(200);
    expect(received.map((r) => r.source)).toEqual(['bearer', 'bearer', 'signed']);
  });

  it('refuses JSON nested past the depth limit with 400 before any handler walks it, and keeps serving', async () => {
    const walked: number[] = [];
    const { url } = await start({
      // A handler that walks the event recursively, as the bridge and plugins do.
      webhook: () => ({
        auth: { type: 'none' },
        handle: async (body) => void walked.push(JSON.stringify(JSON.parse(body.toString())).length),
      }),
    });
    const tooDeep = await post(`${url}/sources/v1/walks`, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect([tooDeep.status, await tooDeep.json()]).toEqual([
      400,
      { error: `JSON nests objects and arrays deeper than ${maxJsonDepth} levels` },
    ]);
    const unclosed = await post(`${url}/sources/v1/walks`, '['.repeat(100_000));
    expect(unclosed.status).toBe(400);
    const atLimit = `${'['.repeat(maxJsonDepth)}${']'.repeat(maxJsonDepth)}`;
    expect((await post(`${url}/sources/v1/walks`, atLimit)).status).toBe(200);
    expect(walked).toEqual([atLimit.length]);
  });

  it('refuses bodies over the limit with 413 and keeps serving', async () => {
    const { url } = await start({}, 1024);
    const big = await post(`${url}/sources/v1/open`, JSON.stringify({ x: 'y'.repeat(5000) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('request body is larger than 1024 bytes');
    expect((await post(`${url}/sources/v1/open`, '{}')).status).toBe(200);
  });

  it('survives a flood of webhook calls', async () => {
    const { url, received } = await start();
    const statuses = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        post(`${url}/sources/v1/open`, `{"i":${i}}`).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(received).toHaveLength(500);
  });

  it('loads no schema compilers, so a route with a schema fails at start instead of going unchecked', async () => {
    const loaded = (file: string) =>
      Object.keys(createRequire(import.meta.url).cache).some((path) =>
        path.endsWith(`/node_modules/${file}`),
      );
    await start();
    // fastify's error serializer needs fast-json-stringify's small runtime, not the compiler.
    for (const file of [
      '@fastify/ajv-compiler/index.js',
      '@fastify/fast-json-stringify-compiler/index.js',
      'fast-json-stringify/index.js',
      'ajv-formats/dist/index.js',
    ])
      expect(loaded(file), file).toBe(false);
    // The cache looked at is the one fastify's own modules are in.
    expect(loaded('find-my-way/index.js')).toBe(true);

    const withSchema = createHttpServer({
      handlers: {
        ready: () => true,
        status: () => ({}),
        metrics: createMetrics().registry,
        webhook: () => undefined,
      },
      logger: createTestLogger().logger,
    });
    withSchema.post('/typed', { schema: { body: { type: 'object' } } }, async () => ({}));
    await expect(withSchema.ready()).rejects.toThrow('the HTTP server has no JSON schema compiler');
    await withSchema.close();
  });
});
