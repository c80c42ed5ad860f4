import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/agent-harness.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { createTestLogger, waitFor } from '../../test/support/test-logger.js';
import { type Message, plaintextMessage } from '../contract/message.js';
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

/** The copies of one event as a source bridge queues them: one Message, 20 chat channels and a sink. */
const fanout = (event: number, message: Message = plaintextMessage(`event ${event}`)): StoredItem[] => {
  const base = event * 100;
  const copies: StoredItem[] = [];
  for (let c = 0; c < 20; c++)
    copies.push({
      id: base + c,
      destinationId: 'team/slack',
      channelId: `C${c}`,
      kind: 'chat',
      lane: 'event',
      enqueuedAt: 1_000 + base,
      outbound: {
        address: { destinationId: 'team/slack', channelId: `C${c}` },
        message,
        kind: 'event',
        dedupKey: `key-${event}`,
        sources: ['k8s'],
      },
    });
  copies.push({
    id: base + 20,
    destinationId: 'team/webhook',
    channelId: '',
    kind: 'sink',
    lane: 'event',
    enqueuedAt: 1_001 + base,
    outbound: {
      address: { destinationId: 'team/webhook', channelId: '' },
      message,
      kind: 'event',
      dedupKey: `key-${event}`,
      sources: ['k8s'],
      rawObject: { kind: 'Pod', name: `web-${event}`, at: new Date(1_700_000_000_000) },
      idempotencyKey: `team/webhook//event/key-${event}`,
    },
  });
  return copies;
};

const ids = (items: readonly StoredItem[]) => items.map((i) => i.id);

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

  /**
   * A TCP proxy to the test server that can hold back the server's answers (never dropping
   * bytes: the protocol stays intact) or cut every connection and refuse new ones (a crash, as
   * the server sees it: what the client had not sent yet never arrives).
   */
  async function startProxy() {
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
    return {
      url: `nats://127.0.0.1:${port}`,
      hold() {
        holding = true;
      },
      release() {
        holding = false;
        for (const { socket, chunk } of held.splice(0)) socket.write(chunk);
      },
      async close() {
        for (const c of clients) c.destroy();
        await new Promise((resolve) => proxy.close(resolve));
      },
    };
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
    const proxy = await startProxy();
    try {
      const opened = await openJetStreamStore({ ...o, servers: [proxy.url], publishTimeoutMs: 300 });
      proxy.hold();
      const written = opened.store.append([item(1, 'x'), item(2, 'y'), item(3, 'z')]);
      await waitFor(
        () => lines.some((l) => l.code === 'SB_ERR_QUEUE_STORE'),
        5000,
        'the failed write to be logged',
      );
      proxy.release();
      await written;
      // Each item was published twice, and stored once.
      expect(await streamState(o.stream)).toMatchObject({ stored: 3 });
      await opened.store.close();
    } finally {
      await proxy.close();
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

  it('stores an event fanned out to 20 channels and a sink as one message, and confirmations as one message per turn', async () => {
    const { options: o } = options();
    const first = await openJetStreamStore(o);
    for (let e = 1; e <= 3; e++) {
      // One append per copy, in one turn: as the pipeline's channel queues write them.
      const written = fanout(e).map((copy) => first.store.append([copy]));
      await Promise.all(written);
    }
    expect(first.store.counts().items).toBe(63);
    expect(await streamState(o.stream)).toEqual({ messages: 3, stored: 3 });
    const confirmed = fanout(1).slice(0, 5);
    await first.store.ack(
      ids(confirmed),
      confirmed.map((c) => ({
        destinationId: c.destinationId,
        channelId: c.channelId,
        dedupKey: 'key-1',
        sources: ['k8s'],
        postedAt: Date.now(),
      })),
    );
    expect(first.store.counts().items).toBe(58);
    // Three event records and one acks record; the five posted keys in one message.
    expect(await streamState(o.stream)).toEqual({ messages: 4, stored: 4 });
    expect((await streamState(`${o.stream}_POSTED`)).messages).toBe(1);
    await first.store.close();

    const second = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    const expected = [...fanout(1).slice(5), ...fanout(2), ...fanout(3)];
    expect(ids(second.recovered.items)).toEqual(ids(expected));
    // Every copy comes back whole: its own address, raw object (with its Date) and keys, the shared message.
    expect(second.recovered.items).toEqual(expected);
    expect(second.recovered.items[0]?.outbound.message).toBe(second.recovered.items[1]?.outbound.message);
    expect(second.recovered.posted.map((p) => p.channelId)).toEqual(['C0', 'C1', 'C2', 'C3', 'C4']);
    expect(second.store.counts().items).toBe(58);
    // The rest of event 1 confirmed: its record and the acks record that named it both go.
    await second.store.ack(ids(fanout(1).slice(5)));
    await waitFor(async () => (await streamState(o.stream)).messages === 2, 5000, 'two records left');
    await second.store.close();

    const third = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(ids(third.recovered.items)).toEqual(ids([...fanout(2), ...fanout(3)]));
    await third.store.ack(ids(third.recovered.items));
    await waitFor(async () => (await streamState(o.stream)).messages === 0, 5000, 'an empty stream');
    await third.store.close();
  }, 30_000);

  it('recovers a replaced copy of a fanned-out event with its newest content, and never its older one once confirmed', async () => {
    const { options: o } = options();
    const first = await openJetStreamStore(o);
    await first.store.append(fanout(1));
    const copy = fanout(1)[3] as StoredItem;
    const edited = { ...copy, outbound: { ...copy.outbound, message: plaintextMessage('event 1, edited') } };
    await first.store.append([edited]);
    await first.store.close();

    const second = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(ids(second.recovered.items)).toEqual(ids(fanout(1)));
    expect(texts(second.recovered.items.slice(2, 5))).toEqual([
      '102:event 1',
      '103:event 1, edited',
      '104:event 1',
    ]);
    // The edited copy is confirmed: its record goes, and the event's record must not bring the
    // older version back.
    await second.store.ack([103]);
    await second.store.close();

    const third = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(ids(third.recovered.items)).toEqual(ids(fanout(1)).filter((id) => id !== 103));
    await third.store.close();

    // The same within one run: replaced, then the new version confirmed (its record deleted).
    const b = { ...o, consumer: 'agent-b' };
    const run = await openJetStreamStore(b);
    await run.store.append(fanout(1));
    await run.store.append([edited]);
    await run.store.ack([103]);
    await run.store.close();
    const after = await openJetStreamStore({ ...b, log: createTestLogger().logger });
    expect(ids(after.recovered.items)).toEqual(ids(fanout(1)).filter((id) => id !== 103));
    await after.store.close();

    // A crash after the new version was stored, before the record saying the older one is
    // replaced: the next run writes that record itself.
    const c = { ...o, consumer: 'agent-c' };
    const proxy = await startProxy();
    const crashed = await openJetStreamStore({ ...c, servers: [proxy.url], log: createTestLogger().logger });
    try {
      await crashed.store.append(fanout(1));
      const before = (await streamState(o.stream)).stored;
      proxy.hold();
      void crashed.store.append([edited]);
      await waitFor(
        async () => (await streamState(o.stream)).stored === before + 1,
        5000,
        'the new version stored',
      );
      await proxy.close();
    } finally {
      await crashed.store.close();
    }
    const resumed = await openJetStreamStore({ ...c, log: createTestLogger().logger });
    expect(texts(resumed.recovered.items.slice(3, 4))).toEqual(['103:event 1, edited']);
    await resumed.store.ack([103]);
    await resumed.store.close();
    const last = await openJetStreamStore({ ...c, log: createTestLogger().logger });
    expect(ids(last.recovered.items)).toEqual(ids(fanout(1)).filter((id) => id !== 103));
    await last.store.close();
  }, 60_000);

  it('keeps the older version of a replaced item until the new one is stored', async () => {
    const { options: o } = options();
    const first = await openJetStreamStore(o);
    await first.store.append([item(1, 'short')]);
    // The server now refuses the new version (too large): it is never stored.
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(o.stream);
    await jsm.streams.update(o.stream, { ...config, max_msg_size: 1000 });
    await nc.close();
    void first.store.append([item(1, 'long '.repeat(400))]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.store.close();

    const second = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(texts(second.recovered.items)).toEqual(['1:short']);
    await second.store.close();
  }, 30_000);

  it('after a crash between posting and confirming, brings back the unconfirmed copies in order, plus at most those confirmed in flight', async () => {
    const { options: o } = options();
    const proxy = await startProxy();
    const crashed = await openJetStreamStore({ ...o, servers: [proxy.url], log: createTestLogger().logger });
    try {
      for (let e = 1; e <= 2; e++) await crashed.store.append(fanout(e));
      // Posted and confirmed: stored before the crash.
      await crashed.store.ack([100, 101, 102, 120]);
      // Posted, confirmed in the very turn of the crash: never reaches the server.
      void crashed.store.ack([103, 104, 200]);
      await proxy.close();
    } finally {
      // The crashed run's connection is gone; closing it only releases the client.
      await crashed.store.close();
    }
    const again = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    const unconfirmed = ids([...fanout(1), ...fanout(2)]).filter((id) => ![100, 101, 102, 120].includes(id));
    expect(ids(again.recovered.items)).toEqual(unconfirmed);
    // Order per channel: each channel's copies in id order.
    for (const channel of ['C3', 'C19', '']) {
      const ofChannel = again.recovered.items.filter((i) => i.channelId === channel).map((i) => i.id);
      expect(ofChannel).toEqual([...ofChannel].sort((a, b) => a - b));
    }
    await again.store.close();
  }, 30_000);

  it('reads a stream written in the one-message-per-copy layout, and deletes its messages as they are confirmed', async () => {
    const { options: o } = options();
    // What the previous version left: one message per copy, with the whole outbound.
    await openJetStreamStore(o).then((s) => s.store.close());
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    for (const old of [item(1, 'old one'), item(2, 'old two', { channelId: 'C2' }), item(3, 'old three')]) {
      const h = headers();
      h.set('Sb-Item', String(old.id));
      await js.publish(
        `${o.subject}.items.${o.consumer}`,
        JSON.stringify({
          id: old.id,
          destinationId: old.destinationId,
          channelId: old.channelId,
          kind: old.kind,
          lane: old.lane,
          enqueuedAt: old.enqueuedAt,
          outbound: JSON.stringify(old.outbound),
        }),
        { msgID: `old-${old.id}`, headers: h },
      );
    }
    await nc.close();

    const upgraded = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(texts(upgraded.recovered.items)).toEqual(['1:old one', '2:old two', '3:old three']);
    expect(upgraded.recovered.items[1]?.channelId).toBe('C2');
    await upgraded.store.ack([2]);
    await upgraded.store.append(fanout(1));
    await upgraded.store.close();
    expect((await streamState(o.stream)).messages).toBe(3);

    const again = await openJetStreamStore({ ...o, log: createTestLogger().logger });
    expect(ids(again.recovered.items)).toEqual([1, 3, ...ids(fanout(1))]);
    await again.store.ack(ids(again.recovered.items));
    await waitFor(async () => (await streamState(o.stream)).messages === 0, 5000, 'an empty stream');
    await again.store.close();
  }, 30_000);
});
