import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/app/agent.js';
import { createPlatformFactory } from '../../src/app/platforms.js';
import { loadConfig } from '../../src/config/load.js';
import { publishBuiltins } from '../support/agent-harness.js';
import { type FakeElasticsearch, startFakeElasticsearch } from '../support/fake-elasticsearch.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/**
 * Sinks through the production platform factory: a real agent, the webhook source plugin, a
 * loopback webhook receiver and the fake Elasticsearch, each bound to its own source group.
 * Bindings are honoured (Botkube's webhook sink ignored them).
 */
describe('agent with webhook and Elasticsearch sinks', () => {
  let agent: Agent;
  let webhooksUrl: string;
  let receiver: Server;
  const received: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
  let es: FakeElasticsearch;

  beforeAll(async () => {
    const repo = await publishBuiltins();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    es = await startFakeElasticsearch();
    const dir = await mkdtemp(join(tmpdir(), 'sb-agent-sinks-'));
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      `
communications:
  default:
    webhook:
      enabled: true
      url: ${receiverUrl}
      headers: {X-Team: platform}
      bindings: {sources: [deploys]}
    elasticsearch:
      enabled: true
      server: ${es.url}
      indices:
        events: {name: switchboard, shards: 2, replicas: 0, bindings: {sources: [audits]}}
sources:
  deploys:
    sb/webhook: {enabled: true}
  audits:
    sb/webhook: {enabled: true}
settings:
  clusterName: sinks-test
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
`,
    );
    const { config, locator } = await loadConfig({ files: [file] });
    const { logger } = createTestLogger();
    agent = createAgent(config, {
      logger,
      version: 'test',
      stateDir: join(dir, 'state'),
      createPlatform: createPlatformFactory({ logger, clusterName: config.settings.clusterName }).create,
      ports: { operations: 0, webhooks: 0 },
      locator,
    });
    ({ webhooksUrl } = (await agent.start()) as { webhooksUrl: string });
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await es?.close();
  });

  const post = (source: string, payload: unknown) =>
    fetch(`${webhooksUrl}/sources/v1/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    }).then((r) => r.status);

  it('posts each bound event to the webhook receiver only, with its headers', async () => {
    expect(await post('deploys', { service: 'checkout', version: 'v2' })).toBe(200);
    const hit = await waitFor(() => received[0], 15_000, 'the webhook receiver');
    expect(hit.headers['x-team']).toBe('platform');
    expect(hit.body).toMatchObject({ source: 'deploys', data: expect.anything() });
    expect(JSON.stringify(hit.body)).toContain('checkout');
    // Not bound to audits: the Elasticsearch sink got nothing from deploys.
    expect(es.bulkRequests()).toHaveLength(0);
  });

  it('indexes each bound event into the dated index, created once with its settings', async () => {
    for (const n of [1, 2, 3]) expect(await post('audits', { action: 'login', n })).toBe(200);
    const index = `switchboard-${new Date().toISOString().slice(0, 10).replaceAll('-', '.')}`;
    await waitFor(() => es.docs(index).length === 3, 15_000, 'three documents');
    expect(es.created.get(index)).toMatchObject({ number_of_shards: 2, number_of_replicas: 0 });
    expect(es.formatErrors).toEqual([]);
    // The deploys event of the test before was dispatched before these: had it been sent to
    // Elasticsearch too, it would have arrived by now (the check right after it could be early).
    expect(es.bulkRequests().map((r) => JSON.stringify(r))).not.toContainEqual(
      expect.stringContaining('checkout'),
    );
    expect(received).toHaveLength(1);
    const status = agent.status().platforms.map((p) => [p.id, p.state]);
    expect(status).toEqual(
      expect.arrayContaining([
        ['default/webhook', 'sink ready'],
        ['default/elasticsearch', 'sink ready'],
      ]),
    );
  });
});
