import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/agent-harness.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { createTestLogger, waitFor } from '../../test/support/test-logger.js';
import { plaintextMessage } from '../contract/message.js';
import { type JetStreamStoreOptions, openJetStreamStore } from './jetstream-store.js';
import type { StoredItem } from './queue-store.js';

const item = (id: number, text: string, extra: Partial<StoredItem> = {}): StoredItem => ({
  id,
  destinationId: 'team/slack',
  channelId: 'C1',
  kind: 'chat',
  lane: 'event',
  enqueuedAt: 1_000 + id,
  outbound: {
    address: { destinationId: 'team/slack', channelId: 'C1' },
    message: plaintextMessage(text),
    kind: 'event',
    dedupKey: `key-${id}`,
    sources: ['k8s'],
  },
  ...extra,
});

const texts = (items: readonly StoredItem[]) =>
  items.map((i) => `${i.id}:${i.outbound.message.baseBody?.plaintext ?? ''}`);

describe('JetStream queue store (real nats-server -js)', () => {
  let nats: TestNatsServer;
  let n = 0;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
  }, 30_000);

  afterAll(async () => {
    await nats.dispose();
  });

  /** Options for a queue of its own in the shared test server (one stream per test). */
  function options(extra: Partial<JetStreamStoreOptions> = {}) {
    n += 1;
    const { logger, lines } = createTestLogger();
    return {
      lines,
      options: {
        servers: [nats.url],
        stream: `T${n}`,
        subject: `t${n}`,
        consumer: 'agent-a',
        replicas: 1,
        auth: {},
        dedupWindowMs: 30_000,
        log: logger,
        retryMs: 100,
        ...extra,
      } satisfies JetStreamStoreOptions,
    };
  }

  /** Messages in the stream now, and ever stored in it (its last sequence). */
  async function streamState(stream: string): Promise<{ messages: number; stored: number }> {
    const nc = await connect({ servers: nats.url });
    try {
      const { state } = await (await jetstreamManager(nc)).streams.info(stream);
      return { messages: state.messages, stored: state.last_seq };
    } finally {
      await nc.close();
    }
  }

  it('keeps appended items until acked, recovers them in id order with their posted keys, and counts them', async () => {
    const { options: o } = options();
    const first = await openJetStreamStore(o);
    expect(first.recovered.items).toEqual([]);
    await first.store.append([item(1, 'one'), item(2, 'two'), item(3, 'three')]);
    expect(first.store.counts().items).toBe(3);
    expect(first.store.counts().bytes).toBeGreaterThan(0);
    await first.store.ack(
      [2],
      [
        {
          destinationId: 'team/slack',
          channelId: 'C1',
          dedupKey: 'key-2',
          sources: ['k8s'],
          postedAt: Date.now(),
        },
      ],
    );
    expect(first.store.counts().items).toBe(2);
    await first.store.close();

    const second = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(texts(second.recovered.items)).toEqual(['1:one', '3:three']);
    expect(second.recovered.items[0]?.outbound.dedupKey).toBe('key-1');
    expect(second.recovered.posted.map((p) => p.dedupKey)).toEqual(['key-2']);
    expect(second.store.counts().items).toBe(2);
    await second.store.ack([1, 3]);
    await second.store.close();
    // The work-queue stream deletes what was acked.
    await waitFor(async () => (await streamState(o.stream)).messages === 0, 5000, 'an empty stream');
  }, 30_000);

  it('recovers a replaced item once, with its newest content, in its first place', async () => {
    const { options: o } = options();
    const first = await openJetStreamStore(o);
    await first.store.append([item(1, 'a'), item(2, 'b')]);
    await first.store.append([item(1, 'a, edited')]);
    await first.store.close();
    const second = await openJetStreamStore(o);
    expect(texts(second.recovered.items)).toEqual(['1:a, edited', '2:b']);
    await second.store.close();
  }, 30_000);

  it('keeps the queues of two consumers in one stream apart', async () => {
    const { options: o } = options();
    const a = await openJetStreamStore(o);
    const b = await openJetStreamStore({ ...o, consumer: 'agent-b' });
    await a.store.append([item(1, 'for a')]);
    await b.store.append([item(1, 'for b'), item(2, 'for b too')]);
    await Promise.all([a.store.close(), b.store.close()]);
    const a2 = await openJetStreamStore(o);
    const b2 = await openJetStreamStore({ ...o, consumer: 'agent-b' });
    expect(texts(a2.recovered.items)).toEqual(['1:for a']);
    expect(texts(b2.recovered.items)).toEqual(['1:for b', '2:for b too']);
    await Promise.all([a2.store.close(), b2.store.close()]);
  }, 30_000);

  it('retries a publish whose acknowledgement was lost with the same message id: stored once', async () => {
    const { options: o, lines } = options();
    // A proxy that can hold back the server's answers (never dropping bytes: the protocol stays intact).
    const port = await freePort();
    let holding = false;
    const held: { socket: Socket; chunk: Buffer }[] = [];
    const clients = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const upstream = tcpConnect(nats.port, '127.0.0.1');
      clients.add(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (holding) held.push({ socket: client, chunk });
        else client.write(chunk);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    try {
      const opened = await openJetStreamStore({
        ...o,
        servers: [`nats://127.0.0.1:${port}`],
        publishTimeoutMs: 300,
      });
      holding = true;
      const written = opened.store.append([item(1, 'x'), item(2, 'y'), item(3, 'z')]);
      await waitFor(
        () => lines.some((l) => l.code === 'SB_ERR_QUEUE_STORE'),
        5000,
        'the failed write to be logged',
      );
      holding = false;
      for (const { socket, chunk } of held.splice(0)) socket.write(chunk);
      await written;
      // Each item was published twice, and stored once.
      expect(await streamState(o.stream)).toMatchObject({ stored: 3 });
      await opened.store.close();
    } finally {
      for (const c of clients) c.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, 30_000);

  it('says clearly when no server answers at start, keeps trying, and opens once one does', async () => {
    const port = await freePort();
    const { options: o, lines } = options({ servers: [`nats://127.0.0.1:${port}`] });
    const opening = openJetStreamStore(o);
    const line = await waitFor(
      () => lines.find((l) => l.code === 'SB_ERR_QUEUE_STORE'),
      5000,
      'the error line',
    );
    expect(String(line.msg)).toContain(`cannot reach NATS at nats://127.0.0.1:${port}`);
    expect(String(line.msg)).toContain('settings.delivery.store.jetstream.servers');
    const late = await TestNatsServer.atPort(port);
    try {
      await late.start();
      const opened = await opening;
      await opened.store.append([item(1, 'late')]);
      await opened.store.close();
    } finally {
      await late.dispose();
    }
  }, 30_000);

  it('stops trying when the agent stops before any server answered', async () => {
    const controller = new AbortController();
    const { options: o } = options({
      servers: [`nats://127.0.0.1:${await freePort()}`],
      signal: controller.signal,
    });
    const opening = openJetStreamStore(o);
    setTimeout(() => controller.abort(), 300);
    await expect(opening).rejects.toMatchObject({
      code: 'SB_ERR_QUEUE_STORE',
      message: /stopped before NATS/,
    });
  }, 30_000);

  it('loses nothing when the server is killed mid-run: writes wait and are retried once it is back', async () => {
    const own = await TestNatsServer.start();
    const { options: o, lines } = options({ servers: [own.url] });
    try {
      const opened = await openJetStreamStore(o);
      await opened.store.append([item(1, 'before')]);
      await own.stop('SIGKILL');
      const written = opened.store.append([item(2, 'during'), item(3, 'during too')]);
      await waitFor(
        () => lines.some((l) => /lost the connection to NATS/.test(String(l.msg))),
        10_000,
        'the outage log',
      );
      await own.start();
      await written;
      await opened.store.close();
      const again = await openJetStreamStore({ ...o, log: createTestLogger().logger });
      expect(texts(again.recovered.items)).toEqual(['1:before', '2:during', '3:during too']);
      await again.store.close();
    } finally {
      await own.dispose();
    }
  }, 60_000);

  it('refuses a stream of the same name that is not a work queue, naming it', async () => {
    const { options: o } = options();
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: o.stream,
      subjects: [`${o.subject}.items.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
    });
    await nc.close();
    await expect(openJetStreamStore(o)).rejects.toMatchObject({
      code: 'SB_ERR_QUEUE_STORE',
      message: new RegExp(`stream ${o.stream} exists with retention "limits"`),
    });
  }, 30_000);
});
