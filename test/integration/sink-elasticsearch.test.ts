import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/delivery/delivery-error.js';
import type { Outbound } from '../../src/delivery/destination.js';
import { hasCode } from '../../src/errors/switchboard-error.js';
import { ElasticsearchSink } from '../../src/sinks/elasticsearch/config.js';
import { createElasticsearchSink, type Sink } from '../../src/sinks/index.js';
import { freePort } from '../support/agent-harness.js';
import { type FakeElasticsearch, startFakeElasticsearch } from '../support/fake-elasticsearch.js';
import { createTestLogger } from '../support/test-logger.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const oneIndex = {
  events: { name: 'botkube', shards: 2, replicas: 1, bindings: { sources: ['k8s-errors'] } },
};

function makeSink(
  settings: Record<string, unknown>,
  clusterName?: string,
): { sink: Sink; lines: Record<string, unknown>[] } {
  const { logger, lines } = createTestLogger('debug');
  const sink = createElasticsearchSink({
    id: 'team-a/elasticsearch',
    settings: ElasticsearchSink.parse({ enabled: true, ...settings }),
    logger,
    ...(clusterName ? { clusterName } : {}),
  });
  cleanups.push(() => sink.stop());
  return { sink, lines };
}

async function setup(
  settings: Record<string, unknown> = {},
  fakeOptions: ConstructorParameters<typeof FakeElasticsearch>[0] = {},
) {
  const es = await startFakeElasticsearch(fakeOptions);
  cleanups.push(() => es.close());
  const made = makeSink({ server: es.url, indices: oneIndex, ...settings }, 'prod-eu-1');
  return { es, ...made };
}

const event = (n: number, extra: Partial<Outbound> = {}): Outbound => ({
  address: { destinationId: 'team-a/elasticsearch', channelId: '' },
  message: { baseBody: { plaintext: `event ${n}` }, timestamp: '2025-03-02T23:59:30Z' },
  rawObject: { kind: 'Pod', name: `web-${n}`, namespace: 'shop', n },
  sources: ['k8s-errors'],
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('elasticsearch sink', () => {
  it('writes a burst of events in a few bulk requests into the dated index, created once', async () => {
    const { es, sink } = await setup();

    await Promise.all(Array.from({ length: 300 }, (_, n) => sink.deliver(event(n))));

    expect(es.formatErrors).toEqual([]);
    expect(es.docs('botkube-2025.03.02')).toHaveLength(300);
    expect(es.bulkRequests().length).toBeLessThanOrEqual(3);
    expect(es.createRequests).toEqual(['botkube-2025.03.02']);
    expect(es.created.get('botkube-2025.03.02')).toEqual({ number_of_shards: 2, number_of_replicas: 1 });
    // No existence check, refresh or flush per event.
    const other = es.requests.filter((r) => !(r.method === 'POST' && r.path.startsWith('/_bulk')));
    expect(other.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /', 'PUT /botkube-2025.03.02']);
    expect(sink.status()).toMatchObject({ state: 'ready', delivered: 300, failed: 0 });
  });

  it('sends NDJSON with the vendored content type and no _type, and a document Botkube dashboards recognise', async () => {
    const { es, sink } = await setup({
      indices: { events: { ...oneIndex.events, type: 'botkube-event' } },
    });
    await sink.deliver(event(1, { sources: ['k8s-errors', 'other'] }));

    const bulk = es.bulkRequests()[0];
    expect(bulk?.headers['content-type']).toMatch(
      /^application\/vnd\.elasticsearch\+x-ndjson; ?compatible-with=8$/,
    );
    expect(bulk?.body.endsWith('\n')).toBe(true);
    const [action] = (bulk?.body ?? '').split('\n');
    expect(JSON.parse(action as string)).toEqual({
      index: { _index: 'botkube-2025.03.02', _id: expect.any(String) },
    });
    const doc = es.docs('botkube-2025.03.02')[0];
    expect(doc?.source).toEqual({
      kind: 'Pod',
      name: 'web-1',
      namespace: 'shop',
      n: 1,
      '@timestamp': '2025-03-02T23:59:30.000Z',
      switchboard: { id: doc?.id, sources: ['k8s-errors', 'other'], text: 'event 1', cluster: 'prod-eu-1' },
    });
  });

  it('answers each of several sequential deliveries at once (no waiting for a batch)', async () => {
    const { es, sink } = await setup({ bulk: { flushInterval: '5s' } });
    const started = performance.now();
    for (let n = 0; n < 5; n += 1) await sink.deliver(event(n));
    // Waiting for the batch would take 5 s for the first delivery alone.
    expect(performance.now() - started).toBeLessThan(4500);
    expect(es.bulkRequests()).toHaveLength(5);
    expect(es.createRequests).toHaveLength(1);
  });

  it('splits batches at maxDocuments', async () => {
    const { es, sink } = await setup({ bulk: { maxDocuments: 10 } });
    await Promise.all(Array.from({ length: 35 }, (_, n) => sink.deliver(event(n))));
    const sizes = es.bulkRequests().map((r) => r.body.split('\n').length - 1);
    expect(sizes.every((lines) => lines <= 20)).toBe(true);
    expect(es.docs('botkube-2025.03.02')).toHaveLength(35);
  });

  it('names the index after the UTC day of each event and creates each day once', async () => {
    const { es, sink } = await setup();
    const at = (n: number, timestamp: string) =>
      event(n, { message: { baseBody: { plaintext: 'x' }, timestamp } });
    await Promise.all([
      sink.deliver(at(1, '2025-03-02T23:59:59Z')),
      sink.deliver(at(2, '2025-03-03T00:00:01+01:00')),
      sink.deliver(at(3, '2025-03-03T00:00:00Z')),
    ]);
    await sink.deliver(at(4, '2025-03-03T12:00:00Z'));
    expect(es.docs('botkube-2025.03.02').map((d) => d.source.n)).toEqual([1, 2]);
    expect(es.docs('botkube-2025.03.03').map((d) => d.source.n)).toEqual([3, 4]);
    expect([...es.createRequests].sort()).toEqual(['botkube-2025.03.02', 'botkube-2025.03.03']);
  });

  it('uses an index that already exists', async () => {
    const { es, sink } = await setup();
    es.created.set('botkube-2025.03.02', {});
    await sink.deliver(event(1));
    expect(es.docs('botkube-2025.03.02')).toHaveLength(1);
  });

  it('routes events to the indices bound to their source groups', async () => {
    const { es, sink } = await setup({
      indices: {
        errors: { name: 'errors', bindings: { sources: ['k8s-errors'] } },
        all: { name: 'all', bindings: { sources: ['k8s-errors', 'k8s-info'] } },
      },
    });
    await sink.deliver(event(1));
    await sink.deliver(event(2, { sources: ['k8s-info'] }));
    await sink.deliver(event(3, { sources: ['unbound'] }));
    expect(es.docs('errors-2025.03.02').map((d) => d.source.n)).toEqual([1]);
    expect(es.docs('all-2025.03.02').map((d) => d.source.n)).toEqual([1, 2]);
  });

  it('settles each delivery with its own item result from a partly failed bulk', async () => {
    const { es, sink } = await setup();
    es.itemFault = (_index, source) => {
      if (source.n === 1)
        return { status: 400, type: 'mapper_parsing_exception', reason: 'failed to parse field [n]' };
      if (source.n === 2)
        return { status: 429, type: 'es_rejected_execution_exception', reason: 'queue full' };
      if (source.n === 3)
        return { status: 503, type: 'unavailable_shards_exception', reason: 'primary shard not active' };
      return undefined;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((n) => sink.deliver(event(n))));

    expect(es.bulkRequests()).toHaveLength(1);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as DeliveryError) : undefined));
    expect(errors[1]).toMatchObject({ reason: 'rejected', retryable: false });
    expect(errors[1]?.message).toContain('mapper_parsing_exception: failed to parse field [n]');
    expect(errors[2]).toMatchObject({ reason: 'rate-limited', retryable: true });
    expect(errors[3]).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(es.docs('botkube-2025.03.02').map((d) => d.source.n)).toEqual([0, 4]);
  });

  it('overwrites instead of duplicating when a failed event is retried', async () => {
    const { es, sink } = await setup();
    const outbound = event(7);
    es.fail({ match: (r) => r.path === '/_bulk', status: 502 });
    const err = await failure(sink.deliver(outbound));
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    await sink.deliver(outbound);
    await sink.deliver(outbound);
    expect(es.docs('botkube-2025.03.02')).toHaveLength(1);
  });

  it('maps a whole-request 429 to rate-limited with its Retry-After', async () => {
    const { es, sink } = await setup();
    await sink.deliver(event(0));
    es.fail({
      match: (r) => r.path === '/_bulk',
      status: 429,
      headers: { 'retry-after': '3' },
      body: { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' }, status: 429 },
    });
    const results = await Promise.allSettled([1, 2].map((n) => sink.deliver(event(n))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        reason: 'rate-limited',
        retryable: true,
        retryAfterMs: 3000,
      });
    }
  });

  it('fails the events of an index it cannot create, and creates it on the next try', async () => {
    const { es, sink } = await setup();
    es.fail({ match: (r) => r.method === 'PUT', status: 500 });
    const err = await failure(sink.deliver(event(1)));
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(err.message).toContain('creating index botkube-2025.03.02');
    await sink.deliver(event(1));
    expect(es.docs('botkube-2025.03.02')).toHaveLength(1);
    const puts = es.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts).toEqual(['/botkube-2025.03.02', '/botkube-2025.03.02']);
  });

  it('sends basic auth, and reports bad credentials as a non-retryable auth failure', async () => {
    const es = await startFakeElasticsearch({ auth: { username: 'elastic', password: 'changeme' } });
    cleanups.push(() => es.close());
    const good = makeSink({
      server: es.url,
      username: 'elastic',
      password: 'changeme',
      indices: oneIndex,
    }).sink;
    await good.deliver(event(1));
    expect(
      es.requests.every(
        (r) => r.headers.authorization === `Basic ${Buffer.from('elastic:changeme').toString('base64')}`,
      ),
    ).toBe(true);

    const bad = makeSink({ server: es.url, username: 'elastic', password: 'wrong', indices: oneIndex }).sink;
    const err = await failure(bad.deliver(event(2)));
    expect(err).toMatchObject({ reason: 'auth', retryable: false });
    expect(err.message).toContain('401 security_exception');
    expect(err.message).not.toContain('wrong');
  });

  it('sends an API key', async () => {
    const es = await startFakeElasticsearch({ auth: { apiKey: 'a2V5OnNlY3JldA==' } });
    cleanups.push(() => es.close());
    await makeSink({ server: es.url, apiKey: 'a2V5OnNlY3JldA==', indices: oneIndex }).sink.deliver(event(1));
    expect(es.docs('botkube-2025.03.02')).toHaveLength(1);
  });

  it('reports an unreachable server, naming it, as retryable', async () => {
    const port = await freePort();
    const { sink } = makeSink({ server: `http://127.0.0.1:${port}`, indices: oneIndex });
    const err = await failure(sink.deliver(event(1)));
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(err.message).toContain(`cannot reach http://127.0.0.1:${port}`);
  });

  it('refuses a server that is not Elasticsearch, or too old', async () => {
    const fork = await startFakeElasticsearch({ withoutProductHeader: true });
    cleanups.push(() => fork.close());
    const err = await failure(makeSink({ server: fork.url, indices: oneIndex }).sink.deliver(event(1)));
    expect(err).toMatchObject({ reason: 'rejected', retryable: false });
    expect(err.message).toContain(`the server at ${fork.url} is not Elasticsearch`);

    const old = await startFakeElasticsearch({ version: '7.10.2' });
    cleanups.push(() => old.close());
    const tooOld = await failure(makeSink({ server: old.url, indices: oneIndex }).sink.deliver(event(1)));
    expect(tooOld.message).toContain('runs Elasticsearch 7.10.2; this sink needs Elasticsearch 8 or later');
    expect(old.bulkRequests()).toHaveLength(0);
  });

  it('times out a slow bulk request as retryable', async () => {
    const { es, sink } = await setup({ timeout: '300ms' });
    es.bulkDelayMs = 8000;
    const started = performance.now();
    const err = await failure(sink.deliver(event(1)));
    expect(err).toMatchObject({ reason: 'timeout', retryable: true });
    expect(err.message).toContain(`${es.url} did not answer in time`);
    // The client's timers have a coarse (about 1 s) resolution; the bound only proves it did not wait for the answer.
    expect(performance.now() - started).toBeLessThan(6000);
  });

  it('sends what is pending on stop, then refuses deliveries as retryable', async () => {
    const { es, sink } = await setup();
    es.bulkDelayMs = 200;
    const first = sink.deliver(event(1));
    const rest = [2, 3, 4].map((n) => sink.deliver(event(n)));
    await sink.stop();
    await Promise.all([first, ...rest]);
    expect(es.docs('botkube-2025.03.02')).toHaveLength(4);
    const err = await failure(sink.deliver(event(5)));
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(sink.status().state).toBe('stopped');
  });
});

describe('elasticsearch sink settings', () => {
  const create = (settings: Record<string, unknown>) => () => makeSink({ indices: oneIndex, ...settings });

  it('refuses awsSigning, saying it is not supported', () => {
    expect(
      create({ server: 'https://search-x.eu-west-1.es.amazonaws.com', awsSigning: { enabled: true } }),
    ).toThrow(/elasticsearch sink team-a\/elasticsearch: awsSigning.enabled is not supported yet/);
  });

  it('refuses a bad server URL with a clear error', () => {
    const parsed = ElasticsearchSink.safeParse({
      enabled: true,
      server: 'es.example.com:9200',
      indices: oneIndex,
    });
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([
      'server has scheme "es.example.com"; expected http or https',
    ]);
    const notUrl = ElasticsearchSink.safeParse({ enabled: true, server: 'not a url', indices: oneIndex });
    expect(notUrl.error?.issues[0]?.message).toBe(
      'server is not a URL; expected e.g. https://es.example.com:9200',
    );

    const { logger } = createTestLogger();
    const settings = {
      ...ElasticsearchSink.parse({ enabled: true, server: 'http://x', indices: oneIndex }),
      server: 'ftp://x',
    };
    let err: unknown;
    try {
      createElasticsearchSink({ id: 'g/elasticsearch', settings, logger });
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'SB_ERR_SINK_CONFIG')).toBe(true);
    expect((err as Error).message).toBe(
      'elasticsearch sink g/elasticsearch: server has scheme "ftp"; expected http or https',
    );
  });

  it('validates index names, the log level and credentials in the schema', () => {
    const parsed = ElasticsearchSink.safeParse({
      enabled: true,
      server: 'http://x',
      logLevel: 'loud',
      indices: { a: { name: 'Botkube' }, b: { name: '_x' }, c: { name: 'a,b' } },
    });
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort()).toEqual([
      'indices.a.name: index name "Botkube" must be lowercase',
      'indices.b.name: index name "_x" must not start with -, _ or +',
      'indices.c.name: index name "a,b" must not contain \\ / * ? " < > | , # : or whitespace',
      'logLevel: expected one of trace, debug, info, warn, warning, error, fatal, panic (or empty)',
    ]);
    const both = ElasticsearchSink.safeParse({
      enabled: true,
      server: 'http://x',
      username: 'elastic',
      apiKey: { fromEnv: 'ES_API_KEY' },
      indices: oneIndex,
    });
    expect(both.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'apiKey: set either apiKey or username/password, not both',
    ]);
  });

  it('logs each bulk request at debug when logLevel asks for it', async () => {
    const es = await startFakeElasticsearch();
    cleanups.push(() => es.close());
    const { logger, lines } = createTestLogger('info');
    const sink = createElasticsearchSink({
      id: 'g/elasticsearch',
      settings: ElasticsearchSink.parse({
        enabled: true,
        server: es.url,
        logLevel: 'DEBUG',
        indices: oneIndex,
      }),
      logger,
    });
    cleanups.push(() => sink.stop());
    await sink.deliver(event(1));
    expect(lines.some((l) => l.msg === 'bulk request done' && l.documents === 1)).toBe(true);
  });
});

describe('fake elasticsearch', () => {
  it('refuses malformed bulk bodies as Elasticsearch does', async () => {
    const es = await startFakeElasticsearch();
    cleanups.push(() => es.close());
    const post = async (body: string, type = 'application/x-ndjson') => {
      const res = await fetch(`${es.url}/_bulk`, { method: 'POST', body, headers: { 'content-type': type } });
      return res.status;
    };
    expect(await post('{"index":{"_index":"a"}}\n{"x":1}')).toBe(400);
    expect(await post('{"index":{"_index":"a","_type":"t"}}\n{"x":1}\n')).toBe(400);
    expect(await post('{"index":{"_index":"a"}}\n')).toBe(400);
    expect(await post('{"index":{"_index":"a"}}\n{"x":1}\n', 'text/plain')).toBe(400);
    expect(await post('{"index":{"_index":"a"}}\n{"x":1}\n')).toBe(200);
    expect(es.formatErrors).toHaveLength(4);
    expect(es.docs('a')).toHaveLength(1);
  });

  it('answers like a cluster the official client accepts', async () => {
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The same sink against a plain JSON server fails the client's product check: the
    // header the fake sends is what makes the client accept it.
    const err = await failure(makeSink({ server: url, indices: oneIndex }).sink.deliver(event(1)));
    expect(err.message).toContain('is not Elasticsearch');
  });
});
