import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { DeliveryError } from '../../src/delivery/delivery-error.js';
import type { Outbound } from '../../src/delivery/destination.js';
import { hasCode } from '../../src/errors/switchboard-error.js';
import { createWebhookSink, type Sink } from '../../src/sinks/index.js';
import { WebhookSink } from '../../src/sinks/webhook/config.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback webhook receiver whose answer each test chooses. */
class Receiver {
  readonly received: Received[] = [];
  readonly sockets = new Set<Socket>();
  connections = 0;
  answer: (req: Received, res: ServerResponse) => void = (_req, res) => res.writeHead(200).end();
  readonly #server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      this.received.push(got);
      this.answer(got, res);
    });
  });
  url = '';

  async start(): Promise<this> {
    this.#server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

const secretPath = '/hooks/T0KEN-9f8e7d6c5b4a';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Record<string, unknown> = {}, clusterName?: string, connections?: number) {
  const receiver = await new Receiver().start();
  cleanups.push(() => receiver.close());
  const { logger, lines } = createTestLogger('debug');
  const settings = WebhookSink.parse({
    enabled: true,
    url: `${receiver.url}${secretPath}?sig=abc123`,
    ...extra,
  });
  const sink = createWebhookSink({
    id: 'team-a/webhook',
    settings,
    logger,
    ...(clusterName ? { clusterName } : {}),
    ...(connections ? { connections } : {}),
  });
  cleanups.push(() => sink.stop());
  return { receiver, sink, lines };
}

const event = (extra: Partial<Outbound> = {}): Outbound => ({
  address: { destinationId: 'team-a/webhook', channelId: '' },
  message: { baseBody: { plaintext: 'Pod web-1 restarted' }, timestamp: '2025-03-02T10:15:30Z' },
  rawObject: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
  sources: ['k8s-errors'],
  ...extra,
});

async function failure(sink: Sink, outbound = event()): Promise<DeliveryError> {
  const err = await sink.deliver(outbound).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

/** Everything of an error a log line could show: message and the cause chain. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    parts.push(String(e.message), JSON.stringify(e));
  }
  return parts.join('\n');
}

describe('webhook sink', () => {
  it('POSTs Botkube-compatible JSON and counts 201 as success', async () => {
    const { receiver, sink } = await setup({}, 'prod-eu-1');
    receiver.answer = (_req, res) => res.writeHead(201).end('created');

    const result = await sink.deliver(event());

    expect(result).toBeUndefined();
    expect(receiver.received).toHaveLength(1);
    const req = receiver.received[0] as Received;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`${secretPath}?sig=abc123`);
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(body).toEqual({
      source: 'k8s-errors',
      data: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
      timeStamp: '2025-03-02T10:15:30.000Z',
      sources: ['k8s-errors'],
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      text: 'Pod web-1 restarted',
      cluster: 'prod-eu-1',
    });
    expect(req.headers['idempotency-key']).toBe(body.id);
    expect(sink.status()).toMatchObject({ state: 'ready', delivered: 1, failed: 0 });
  });

  it('joins several source groups with commas, as Botkube did, and sends null data when there is none', async () => {
    const { receiver, sink } = await setup();
    await sink.deliver(event({ sources: ['a', 'b'], rawObject: undefined }));
    const body = JSON.parse((receiver.received[0] as Received).body);
    expect(body.source).toBe('a,b');
    expect(body.sources).toEqual(['a', 'b']);
    expect(body.data).toBeNull();
    expect(body.cluster).toBeUndefined();
  });

  it('uses the time the event was first seen when the message has none, and keeps it on retries', async () => {
    const { receiver, sink } = await setup();
    receiver.answer = (_req, res) => res.writeHead(receiver.received.length === 1 ? 503 : 200).end();
    const outbound = event({ message: { baseBody: { plaintext: 'x' }, timestamp: '0001-01-01T00:00:00Z' } });
    const before = Date.now();

    await expect(sink.deliver(outbound)).rejects.toBeInstanceOf(DeliveryError);
    await new Promise((r) => setTimeout(r, 30));
    await sink.deliver(outbound);

    const [first, second] = receiver.received.map((r) => JSON.parse(r.body));
    expect(Date.parse(first.timeStamp)).toBeGreaterThanOrEqual(before - 1);
    expect(second.timeStamp).toBe(first.timeStamp);
    expect(second.id).toBe(first.id);
  });

  it('sends configured headers and bearer auth', async () => {
    const { receiver, sink } = await setup({
      headers: { 'X-Team': 'platform', 'Content-Type': 'application/json; charset=utf-8' },
      auth: { type: 'bearer', token: 's3cr3t-token' },
    });
    await sink.deliver(event());
    const headers = (receiver.received[0] as Received).headers;
    expect(headers['x-team']).toBe('platform');
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers.authorization).toBe('Bearer s3cr3t-token');
  });

  it('sends basic auth, also when the credentials are written in the URL', async () => {
    const { receiver, sink } = await setup({ auth: { type: 'basic', username: 'hook', password: 'pa55' } });
    await sink.deliver(event());
    expect((receiver.received[0] as Received).headers.authorization).toBe(
      `Basic ${Buffer.from('hook:pa55').toString('base64')}`,
    );

    const { logger } = createTestLogger();
    const inUrl = createWebhookSink({
      id: 'team-a/webhook',
      settings: WebhookSink.parse({
        enabled: true,
        url: `${receiver.url.replace('://', '://u%40x:p%3Aw@')}/in`,
      }),
      logger,
    });
    cleanups.push(() => inUrl.stop());
    await inUrl.deliver(event());
    const last = receiver.received.at(-1) as Received;
    expect(last.path).toBe('/in');
    expect(last.headers.authorization).toBe(`Basic ${Buffer.from('u@x:p:w').toString('base64')}`);
  });

  it('keeps the connection alive between posts', async () => {
    const { receiver, sink } = await setup();
    for (let i = 0; i < 10; i += 1) await sink.deliver(event());
    expect(receiver.received).toHaveLength(10);
    // undici may open a second connection while the first finishes reading a chunked body.
    expect(receiver.connections).toBeLessThanOrEqual(2);
  });

  it('rejects 500 as retryable', async () => {
    const { receiver, sink } = await setup();
    receiver.answer = (_req, res) => res.writeHead(500).end('boom');
    const err = await failure(sink);
    expect(err.retryable).toBe(true);
    expect(err.reason).toBe('unavailable');
    expect(err.message).toContain('answered 500: boom');
    expect(sink.status()).toMatchObject({ state: 'failing', failed: 1 });

    receiver.answer = (_req, res) => res.writeHead(204).end();
    await sink.deliver(event());
    expect(sink.status()).toMatchObject({ state: 'ready', delivered: 1, failed: 1 });
  });

  it('rejects 400 for good, quoting the receiver', async () => {
    const { receiver, sink } = await setup();
    receiver.answer = (_req, res) =>
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid payload');
    const err = await failure(sink);
    expect(err.retryable).toBe(false);
    expect(err.reason).toBe('rejected');
    expect(err.message).toContain('invalid payload');
    expect(err.code).toBe('SB_ERR_DELIVERY');
  });

  it('rejects 401 and 403 as auth failures, 413 as too large, redirects as rejected', async () => {
    const { receiver, sink } = await setup();
    const cases: [number, DeliveryError['reason']][] = [
      [401, 'auth'],
      [403, 'auth'],
      [413, 'too-large'],
      [404, 'rejected'],
      [302, 'rejected'],
    ];
    for (const [status, reason] of cases) {
      receiver.answer = (_req, res) => res.writeHead(status, { location: 'http://elsewhere/' }).end();
      const err = await failure(sink);
      expect({ status, reason: err.reason, retryable: err.retryable }).toEqual({
        status,
        reason,
        retryable: false,
      });
    }
  });

  it('carries Retry-After of a 429, in seconds or as a date', async () => {
    const { receiver, sink } = await setup();
    receiver.answer = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end();
    const err = await failure(sink);
    expect(err).toMatchObject({ reason: 'rate-limited', retryable: true, retryAfterMs: 7000 });

    receiver.answer = (_req, res) =>
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }).end();
    const dated = await failure(sink);
    expect(dated.retryAfterMs).toBeGreaterThan(20_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);

    receiver.answer = (_req, res) => res.writeHead(503, { 'retry-after': '2' }).end();
    expect(await failure(sink)).toMatchObject({ reason: 'unavailable', retryable: true, retryAfterMs: 2000 });
  });

  it('gives up on a receiver that does not answer within the timeout, as retryable', async () => {
    const { receiver, sink } = await setup({ timeout: '300ms' });
    receiver.answer = () => undefined;
    const started = performance.now();
    const err = await failure(sink);
    const elapsed = performance.now() - started;
    expect(err).toMatchObject({ reason: 'timeout', retryable: true });
    expect(err.message).toContain('did not answer within 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000);
  });

  it('opens as many connections as sinkConcurrency, so a POST never times out waiting for one', async () => {
    // Each answer takes 400 ms and the timeout is 600 ms: with fewer connections than POSTs in
    // flight, the third wave would wait 800 ms in the pool and time out before it was sent.
    const { receiver, sink } = await setup({ timeout: '600ms' }, undefined, 12);
    receiver.answer = (_req, res) => setTimeout(() => res.writeHead(200).end(), 400);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => sink.deliver(event())));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(receiver.connections).toBe(12);
  });

  it('starts the timeout when a POST is sent, not while it waits in the pool for a connection', async () => {
    // One connection, three POSTs at once, 300 ms per answer, timeout 500 ms: the third waits
    // about 600 ms for the connection. Timed from `deliver`, it would fail; timed from when it is
    // sent, each answer comes within 300 ms of its request.
    const { receiver, sink } = await setup({ timeout: '500ms' }, undefined, 1);
    receiver.answer = (_req, res) => setTimeout(() => res.writeHead(200).end(), 300);
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => sink.deliver(event())));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(receiver.connections).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(850);
  });

  it('times out an error answer whose body stalls, as retryable', async () => {
    const { receiver, sink } = await setup({ timeout: '300ms' });
    receiver.answer = (_req, res) => {
      res.writeHead(503, { 'content-length': '100' });
      res.write('partial');
    };
    const started = performance.now();
    const err = await failure(sink);
    expect(err).toMatchObject({ reason: 'timeout', retryable: true });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('sends the idempotency key the pipeline gave the item, the same on every try', async () => {
    const { receiver, sink } = await setup();
    receiver.answer = (_req, res) => res.writeHead(receiver.received.length === 1 ? 503 : 200).end();
    const first = event({ idempotencyKey: '0123456789abcdef0123456789abcdef' });
    await failure(sink, first);
    // After a restart the item is decoded into a new object: the key still comes with it.
    await sink.deliver({ ...first });
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([
      '0123456789abcdef0123456789abcdef',
      '0123456789abcdef0123456789abcdef',
    ]);
    expect(JSON.parse(receiver.received[1]?.body ?? '{}').id).toBe('0123456789abcdef0123456789abcdef');
  });

  it('rejects a refused connection as retryable', async () => {
    const { receiver, sink } = await setup();
    await receiver.close();
    cleanups.length = 0;
    cleanups.push(() => sink.stop());
    const err = await failure(sink);
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('never puts the URL or credentials in errors or logs', async () => {
    const { receiver, sink, lines } = await setup({
      headers: { 'X-Api-Key': 'header-secret-value' },
      auth: { type: 'bearer', token: 'bearer-secret-value' },
      timeout: '200ms',
    });
    const errors: unknown[] = [];
    // Receivers echo the request in their error pages.
    receiver.answer = (req, res) =>
      res
        .writeHead(400)
        .end(
          `bad request to ${receiver.url}${req.path} with ${req.headers.authorization} ${req.headers['x-api-key']}`,
        );
    errors.push(await failure(sink));
    receiver.answer = (req, res) => res.writeHead(500).end(`failed: ${req.path}`);
    errors.push(await failure(sink));
    receiver.answer = () => undefined;
    errors.push(await failure(sink));
    await receiver.close();
    cleanups.length = 0;
    errors.push(await failure(sink));
    await sink.stop();

    const seen = [...errors.map(errorText), JSON.stringify(lines), JSON.stringify(sink.status())].join('\n');
    for (const secret of ['T0KEN-9f8e7d6c5b4a', 'sig=abc123', 'header-secret-value', 'bearer-secret-value']) {
      expect(seen).not.toContain(secret);
    }
    expect(errors[0] && (errors[0] as Error).message).toContain('bad request to [redacted]');
  });

  it('ignores edits of earlier messages', async () => {
    const { receiver, sink } = await setup();
    await sink.deliver(event({ replaces: { channelId: '', messageId: '1' } }));
    expect(receiver.received).toHaveLength(0);
  });

  it('waits for posts in flight on stop, then refuses deliveries as retryable', async () => {
    const { receiver, sink } = await setup();
    let release: (() => void) | undefined;
    receiver.answer = (_req, res) => {
      release = () => res.writeHead(200).end();
    };
    const pending = sink.deliver(event());
    await waitFor(() => release, 5000, 'the POST to arrive');
    const stopped = sink.stop();
    release?.();
    await expect(pending).resolves.toBeUndefined();
    await stopped;
    expect(sink.status().state).toBe('stopped');
    await expect(sink.deliver(event())).rejects.toMatchObject({ retryable: true, reason: 'unavailable' });
  });
});

describe('webhook sink settings', () => {
  const { logger } = createTestLogger();
  const make = (settings: WebhookSink) => () => createWebhookSink({ id: 'g/webhook', settings, logger });

  it('refuses a URL that is not http(s) without quoting it', () => {
    const err = (() => {
      try {
        make(WebhookSink.parse({ enabled: true, url: 'not a url/secret-part' }))();
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(hasCode(err, 'SB_ERR_SINK_CONFIG')).toBe(true);
    expect(err?.message).toContain('webhook sink g/webhook: url is not a valid URL');
    expect(err?.message).not.toContain('secret-part');
    expect(make(WebhookSink.parse({ enabled: true, url: 'ftp://host/x' }))).toThrow(
      /scheme "ftp"; expected http or https/,
    );
  });

  it('refuses a header value with a line break', () => {
    const settings = WebhookSink.parse({ enabled: true, url: 'http://127.0.0.1:1/x' });
    const broken = { ...settings, headers: { 'X-Evil': Secret.of('a\r\nInjected: 1') } };
    expect(make(broken)).toThrow(/headers.X-Evil contains a line break/);
  });

  it('validates header names and conflicting auth in the schema', () => {
    const bad = WebhookSink.safeParse({
      enabled: true,
      url: 'http://x/',
      headers: { Host: 'x', 'Bad Name': 'y', Authorization: 'z' },
      auth: { type: 'bearer', token: 't' },
    });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      'headers.Host: header "Host" is set by the HTTP client and cannot be configured',
      'headers.Bad Name: header "Bad Name" is not a valid HTTP header name',
      'headers.Authorization: header "Authorization" conflicts with `auth`; use one of them',
    ]);
    const auth = WebhookSink.safeParse({ enabled: true, url: 'http://x/', auth: { type: 'digest' } });
    expect(auth.error?.issues[0]?.message).toContain('expected type "bearer" (with token) or "basic"');
  });
});
