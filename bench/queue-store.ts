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

/** Events per second for `count` events, `perTurn` per event-loop turn, until all are stored. */
async function enqueueRate(kind: StoreKind, count: number, perTurn: number): Promise<number> {
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
    destination: () => holdingSink,
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
  if (store.counts().items !== count) throw new Error(`stored ${store.counts().items} of ${count} events`);
  await pipeline.close({ drainMs: 0 });
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

export async function queueStoreBench(ctx: BenchContext): Promise<BenchResult> {
  const runs = ctx.quick ? 2 : 3;
  const scale = ctx.quick ? 0.25 : 1;
  const cases: { kind: StoreKind; label: string; perTurn: number; count: number }[] = [
    { kind: 'memory', label: 'memory store', perTurn: 1, count: 20_000 },
    { kind: 'normal', label: 'sqlite, synchronous=normal', perTurn: 1, count: 20_000 },
    { kind: 'full', label: 'sqlite, synchronous=full', perTurn: 1, count: 2_000 },
    { kind: 'memory', label: 'memory store', perTurn: 100, count: 50_000 },
    { kind: 'normal', label: 'sqlite, synchronous=normal', perTurn: 100, count: 50_000 },
    { kind: 'full', label: 'sqlite, synchronous=full', perTurn: 100, count: 50_000 },
    { kind: 'jetstream', label: 'JetStream (local nats-server, file storage)', perTurn: 1, count: 20_000 },
    { kind: 'jetstream', label: 'JetStream (local nats-server, file storage)', perTurn: 100, count: 50_000 },
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
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await enqueueRate(c.kind, count, c.perTurn));
    const s = summarize(rates);
    const name = `${c.label}, ${c.perTurn} event${c.perTurn > 1 ? 's' : ''} per turn (${count.toLocaleString('en')} events)`;
    const fmt = (v: number) => `${Math.round(v).toLocaleString('en')}/s`;
    rows.push(infoRow(name, fmt(s.p50), fmt(s.min), fmt(s.max)));
    data[`${c.kind}-${c.perTurn}`] = { count, rates };
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
          'JetStream: a nats-server 2.9 of its own on loopback (file storage, its default fsync policy); stored = publish acknowledged; up to 512 publishes in flight.',
        ],
      },
    ],
    data,
  };
}
