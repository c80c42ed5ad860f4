/**
 * Enqueue throughput of the delivery pipeline over its two stores, in one run: events handed to
 * `send` (dedup, queue, store write) for a sink that holds every delivery, so nothing leaves the
 * queue while it is measured. Events arrive one per event-loop turn (a source stream or webhook
 * at a time: one SQLite commit each) or 100 per turn (a burst: one commit for all).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DeliverySettings } from '../src/config/slices/settings.js';
import { plaintextMessage } from '../src/contract/message.js';
import type { Destination } from '../src/delivery/destination.js';
import { openJetStreamStore } from '../src/delivery/jetstream-store.js';
import { createDeliveryPipeline } from '../src/delivery/pipeline.js';
import { createMemoryStore, type QueueStore, type Recovered } from '../src/delivery/queue-store.js';
import { openSqliteStore, type SyncPolicy } from '../src/delivery/sqlite-store.js';
import { type BenchContext, type BenchResult, silentLogger } from './lib/context.js';
import { infoRow, type TableRow } from './lib/report.js';
import { summarize } from './lib/stats.js';

type StoreKind = 'memory' | SyncPolicy | 'jetstream';

const natsServerBin = '/usr/sbin/nats-server';

/** A nats-server -js of the bench's own (loopback, free port, temporary storage). */
async function startNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-nats-'));
  const child: ChildProcess = spawn(
    natsServerBin,
    ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const deadline = Date.now() + 20_000;
  while (!/Server is ready/.test(log)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`nats-server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let natsUrl: string | undefined;
let streams = 0;

const settings = DeliverySettings.parse({
  queueLimit: { perChannel: 1_000_000, total: 10_000_000 },
  groupWait: '10m',
});

/** A sink whose deliveries never finish: what is sent stays queued (and stored). */
const holdingSink: Destination = {
  id: 'bench/webhook',
  kind: 'sink',
  capabilities: { edit: false, files: false, threads: false, interactive: false, maxMessageLength: 100_000 },
  deliver: () => new Promise(() => {}),
};

/** A chat destination whose posts never finish: every channel's copies stay queued (and stored). */
const holdingChat: Destination = {
  id: 'bench/slack',
  kind: 'chat',
  capabilities: { edit: true, files: true, threads: true, interactive: true, maxMessageLength: 40_000 },
  deliver: () => new Promise(() => {}),
};

/** Chat channels each fanned-out event goes to (plus the sink). */
const fanoutChannels = 20;

interface Rate {
  perSecond: number;
  /** Stored bytes per event as the store counts them (the size cap's measure). */
  storeBytesPerEvent: number;
  /** JetStream only: messages and bytes the stream holds per event. */
  streamMessagesPerEvent?: number;
  streamBytesPerEvent?: number;
}

/**
 * Events per second for `count` events, `perTurn` per event-loop turn, until all are stored.
 * With `fanout`, every event goes to {@link fanoutChannels} chat channels and the sink, as a
 * source bridge hands it on: one Message object for all its copies, in one turn.
 */
async function enqueueRate(kind: StoreKind, count: number, perTurn: number, fanout = false): Promise<Rate> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-queue-'));
  let store: QueueStore;
  let recovered: Recovered | undefined;
  if (kind === 'memory') store = createMemoryStore();
  else if (kind === 'jetstream') {
    streams += 1;
    ({ store, recovered } = await openJetStreamStore({
      servers: [natsUrl as string],
      stream: `BENCH${streams}`,
      subject: `bench${streams}`,
      consumer: 'bench',
      replicas: 1,
      auth: {},
      dedupWindowMs: settings.dedupWindow.ms,
      log: silentLogger,
    }));
  } else
    ({ store, recovered } = openSqliteStore({
      file: join(dir, 'queue.sqlite'),
      synchronous: kind,
      dedupWindowMs: settings.dedupWindow.ms,
      log: silentLogger,
    }));
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === holdingChat.id ? holdingChat : holdingSink),
    settings,
    logger: silentLogger,
    store,
    ...(recovered ? { recovered } : {}),
    ...(kind === 'memory' ? {} : { capBytes: 2 ** 40 }),
  });
  const detail = 'x'.repeat(300);
  const started = performance.now();
  for (let n = 0; n < count; n += perTurn) {
    for (let i = n; i < Math.min(count, n + perTurn); i++) {
      if (fanout) {
        const message = plaintextMessage(`Pod default/web-${i} restarted: ${detail}`);
        for (let c = 0; c < fanoutChannels; c++)
          void pipeline.send({
            address: { destinationId: holdingChat.id, channelId: `C${c}` },
            message,
            kind: 'event',
            sources: ['k8s'],
            dedupKey: `event-${i}`,
          });
        void pipeline.send({
          address: { destinationId: holdingSink.id, channelId: '' },
          message,
          kind: 'event',
          sources: ['k8s'],
          dedupKey: `event-${i}`,
          rawObject: { kind: 'Pod', name: `web-${i}`, reason: 'BackOff', detail },
        });
        continue;
      }
      void pipeline.send({
        address: { destinationId: holdingSink.id, channelId: '' },
        message: plaintextMessage(`Pod default/web-${i} restarted: ${detail}`),
        kind: 'event',
        sources: ['k8s'],
        rawObject: { kind: 'Pod', name: `web-${i}`, reason: 'BackOff', detail },
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Ordered writes: this resolves once everything before it is committed.
  await store.append([]);
  const seconds = (performance.now() - started) / 1000;
  const copies = fanout ? count * (fanoutChannels + 1) : count;
  if (store.counts().items !== copies) throw new Error(`stored ${store.counts().items} of ${copies} copies`);
  const rate: Rate = { perSecond: count / seconds, storeBytesPerEvent: store.counts().bytes / count };
  if (kind === 'jetstream') {
    const state = await streamState(`BENCH${streams}`);
    rate.streamMessagesPerEvent = state.messages / count;
    rate.streamBytesPerEvent = state.bytes / count;
  }
  await pipeline.close({ drainMs: 0 });
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function streamState(stream: string): Promise<{ messages: number; bytes: number }> {
  const nc = await connect({ servers: natsUrl as string });
  try {
    const { state } = await (await jetstreamManager(nc)).streams.info(stream);
    return { messages: state.messages, bytes: state.bytes };
  } finally {
    await nc.close();
  }
}

export async function queueStoreBench(ctx: BenchContext): Promise<BenchResult> {
  const runs = ctx.quick ? 2 : 3;
  const scale = ctx.quick ? 0.25 : 1;
  const cases: { kind: StoreKind; label: string; perTurn: number; count: number; fanout?: boolean }[] = [
    { kind: 'memory', label: 'memory store', perTurn: 1, count: 20_000 },
    { kind: 'normal', label: 'sqlite, synchronous=normal', perTurn: 1, count: 20_000 },
    { kind: 'full', label: 'sqlite, synchronous=full', perTurn: 1, count: 2_000 },
    { kind: 'memory', label: 'memory store', perTurn: 100, count: 50_000 },
    { kind: 'normal', label: 'sqlite, synchronous=normal', perTurn: 100, count: 50_000 },
    { kind: 'full', label: 'sqlite, synchronous=full', perTurn: 100, count: 50_000 },
    { kind: 'jetstream', label: 'JetStream (local nats-server, file storage)', perTurn: 1, count: 20_000 },
    { kind: 'jetstream', label: 'JetStream (local nats-server, file storage)', perTurn: 100, count: 50_000 },
    {
      kind: 'normal',
      label: 'sqlite, synchronous=normal, 20 channels + sink',
      perTurn: 10,
      count: 5_000,
      fanout: true,
    },
    { kind: 'jetstream', label: 'JetStream, 20 channels + sink', perTurn: 10, count: 5_000, fanout: true },
  ];
  const nats = existsSync(natsServerBin) ? await startNats() : undefined;
  natsUrl = nats?.url;
  const rows: TableRow[] = [];
  const data: Record<string, unknown> = {};
  for (const c of cases) {
    if (c.kind === 'jetstream' && !nats) {
      rows.push(infoRow(`${c.label}: skipped, ${natsServerBin} is not installed`, '-', '-', '-'));
      continue;
    }
    const count = Math.round(c.count * scale);
    const runsOf: Rate[] = [];
    for (let r = 0; r < runs; r++) runsOf.push(await enqueueRate(c.kind, count, c.perTurn, c.fanout));
    const rates = runsOf.map((r) => r.perSecond);
    const s = summarize(rates);
    const last = runsOf[runsOf.length - 1] as Rate;
    const size = c.fanout
      ? `; ${Math.round(last.storeBytesPerEvent).toLocaleString('en')} B/event counted${
          last.streamBytesPerEvent === undefined
            ? ''
            : `, stream ${Math.round(last.streamBytesPerEvent).toLocaleString('en')} B and ${last.streamMessagesPerEvent?.toFixed(2)} messages/event`
        }`
      : '';
    const name = `${c.label}, ${c.perTurn} event${c.perTurn > 1 ? 's' : ''} per turn (${count.toLocaleString('en')} events${size})`;
    const fmt = (v: number) => `${Math.round(v).toLocaleString('en')}/s`;
    rows.push(infoRow(name, fmt(s.p50), fmt(s.min), fmt(s.max)));
    data[`${c.kind}-${c.perTurn}${c.fanout ? '-fanout' : ''}`] = { count, rates, sizes: runsOf };
  }
  await nats?.stop();
  return {
    tables: [
      {
        title: 'Delivery queue: events enqueued and stored per second, memory vs SQLite (WAL) vs JetStream',
        centralHeader: 'median',
        spreadHeader: 'min',
        rows,
        notes: [
          `${runs} runs per row; each event about 1 KiB stored; a sink that holds every delivery, so the queue only grows.`,
          'One event per turn: one SQLite transaction (commit) per event; 100 per turn: one per 100 events.',
          `20 channels + sink: each event posted to ${fanoutChannels} chat channels of one destination and a sink, one Message for all copies; events/s counts events (each ${fanoutChannels + 1} queued copies).`,
          'JetStream: a nats-server 2.9 of its own on loopback (file storage, its default fsync policy); stored = publish acknowledged; up to 512 publishes in flight.',
        ],
      },
    ],
    data,
  };
}
