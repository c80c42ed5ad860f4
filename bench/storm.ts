import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventDispatcher } from '../src/bridge/source/event-dispatch.js';
import { DeliverySettings } from '../src/config/slices/settings.js';
import { createDeliveryPipeline } from '../src/delivery/pipeline.js';
import { openSqliteStore } from '../src/delivery/sqlite-store.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { encodeEvent, type Message } from '../src/sdk/index.js';
import { WebhookSink } from '../src/sinks/webhook/config.js';
import { createWebhookSink } from '../src/sinks/webhook/index.js';
import {
  eventNumbersIn,
  eventsIn,
  PlatformDestination,
  type PostedMessage,
  RateLimitedPlatform,
} from '../test/support/rate-limited-destination.js';
import { type BenchContext, type BenchResult, silentLogger, sleep } from './lib/context.js';
import { type Table, type TableRow, verdict } from './lib/report.js';
import { ms, perSecond, ratio, summarize } from './lib/stats.js';
import { type PeersAnswer, type PeersRequest, stormPlatformLimits } from './storm-peers.js';

/**
 * Delivery benchmarks (issue 5), in one process over loopback:
 * - storm: 1,000 events/s for 30 s from one source group, fanned out by the real event
 *   dispatcher to one chat channel paced at 1 message/s (a platform that answers 429 past
 *   that) and to the webhook sink posting to a loopback receiver.
 * - outage: the platform and the receiver answer 503 for 30 s while 100 events/s keep
 *   coming; everything must arrive after they are back, in order.
 */

const group = 'k8s-errors';
const channelId = 'C-storm';
const eventPattern = /Event: #(\d+)/;

/** A Kubernetes-like event: 50 pods cycle, so a storm has repeats as real ones do. */
function stormEvent(i: number): Uint8Array {
  const message: Message = {
    baseBody: {},
    timestamp: new Date(),
    sections: [
      {
        header: `Pod default/web-${i % 50} restarted`,
        textFields: [
          { key: 'Reason', value: 'BackOff' },
          { key: 'Event', value: `#${i}` },
        ],
      },
    ],
  };
  return encodeEvent({ message, rawObject: { i, kind: 'Pod', name: `web-${i % 50}`, reason: 'BackOff' } });
}

/** A webhook receiver that records when each event (by `data.i`) arrived, and can be down. */
async function startReceiver(delayMs = 0): Promise<{
  url: string;
  arrivals: { i: number; at: number }[];
  downUntil: number;
  close(): Promise<void>;
}> {
  const state = {
    url: '',
    arrivals: [] as { i: number; at: number }[],
    downUntil: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (Date.now() < state.downUntil) {
        res.writeHead(503).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { i: number } };
      state.arrivals.push({ i: body.data.i, at: Date.now() });
      if (delayMs > 0) setTimeout(() => res.writeHead(201).end(), delayMs);
      else res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

interface Rig {
  platform: RateLimitedPlatform;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  dispatch: (group: string, bytes: Uint8Array) => void;
  metrics: ReturnType<typeof createMetrics>;
  pipeline: ReturnType<typeof createDeliveryPipeline>;
  maxDepth: { chat: number; sink: number };
  close(): Promise<void>;
}

/**
 * Platform, receiver, pipeline with default settings and the memory store, webhook sink and
 * dispatcher, all in this process (the 20-channel storm has its own set-up, `storm20`).
 */
async function startRig(): Promise<Rig> {
  const settings = DeliverySettings.parse({});
  const platform = await RateLimitedPlatform.start({ ratePerSecond: 1, burst: 3, maxTextLength: 3000 });
  const chat = platform.destination('bench/slack', {
    pacing: { ratePerSecond: 1, burst: 3 },
    capabilities: { maxMessageLength: 3000, files: true },
  });
  const receiver = await startReceiver();
  const sink = createWebhookSink({
    id: 'bench/webhook',
    settings: WebhookSink.parse({ enabled: true, url: receiver.url }),
    logger: silentLogger,
    connections: settings.sinkConcurrency,
  });
  const metrics = createMetrics();
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === chat.id ? chat : id === sink.id ? sink : undefined),
    settings,
    logger: silentLogger,
    metrics,
  });
  const dispatch = createEventDispatcher({
    fanout: () => ({
      channels: [{ destinationId: chat.id, channelId }],
      sinks: [{ destinationId: sink.id, channelId: '' }],
    }),
    notificationsEnabled: () => true,
    capabilities: (id) => (id === chat.id ? chat : sink).capabilities,
    outbox: pipeline,
    logger: silentLogger,
    metrics,
  });
  const maxDepth = { chat: 0, sink: 0 };
  const sampler = setInterval(() => {
    for (const d of pipeline.depths()) {
      if (d.destinationId === chat.id) maxDepth.chat = Math.max(maxDepth.chat, d.pending);
      else maxDepth.sink = Math.max(maxDepth.sink, d.pending);
    }
  }, 20);
  return {
    platform,
    receiver,
    dispatch,
    metrics,
    pipeline,
    maxDepth,
    async close() {
      clearInterval(sampler);
      await pipeline.close({ drainMs: 0 });
      await sink.stop();
      await chat.close();
      await platform.close();
      await receiver.close();
    },
  };
}

/** Dispatches `total` events at `rate`/s on a drift-free schedule; returns each event's send time. */
async function generate(rig: Pick<Rig, 'dispatch'>, rate: number, total: number): Promise<number[]> {
  const sentAt: number[] = [];
  const start = Date.now();
  while (sentAt.length < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000) + 1);
    while (sentAt.length < due) {
      const i = sentAt.length;
      sentAt.push(Date.now());
      rig.dispatch(group, stormEvent(i));
    }
    await sleep(2);
  }
  return sentAt;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** When each event first appeared in a posted message (undefined when in none). */
function postedTimes(posted: readonly PostedMessage[], total: number): (number | undefined)[] {
  const at: (number | undefined)[] = new Array(total);
  for (const m of posted) for (const i of eventNumbersIn(m, eventPattern)) at[i] ??= m.postedAt;
  return at;
}

const represented = (posted: readonly PostedMessage[]) => posted.reduce((n, m) => n + eventsIn(m), 0);

async function counter(metrics: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  return (await metrics.registry.getSingleMetricAsString(name))
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

function row(measurement: string, central: string, extra: Partial<TableRow> = {}): TableRow {
  return {
    measurement,
    central,
    spread: '-',
    max: '-',
    baseline: '-',
    ratio: '-',
    target: '',
    result: 'info',
    ...extra,
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const seconds = (value: number) => (Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : '-');
const inOrder = (xs: readonly number[]) => xs.every((x, k) => k === 0 || x >= (xs[k - 1] as number));
/** How many places the latest late arrival came after its turn: 0 when in order. */
const displacement = (xs: readonly number[]) => {
  let top = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const x of xs) {
    worst = Math.max(worst, top - x);
    top = Math.max(top, x);
  }
  return worst;
};
/** Sinks send up to sinkConcurrency events at once, so neighbours may arrive swapped. */
const arrivalOrder = (xs: readonly number[]) =>
  inOrder(xs) ? 'in order' : `late by ≤ ${displacement(xs)} places`;

async function storm(ctx: BenchContext) {
  const rate = 1000;
  const durationS = ctx.quick ? 10 : 30;
  const total = rate * durationS;
  const rig = await startRig();
  try {
    const rssBefore = process.memoryUsage().rss;
    const sentAt = await generate(rig, rate, total);
    const sendSpan = (sentAt.at(-1) as number) - (sentAt[0] as number);
    await until(
      () => represented(rig.platform.messages(channelId)) >= total && rig.receiver.arrivals.length >= total,
      60_000,
    );
    const rssAfter = process.memoryUsage().rss;
    const posted = rig.platform.messages(channelId);
    const at = postedTimes(posted, total);
    const detailed = at.filter((t) => t !== undefined).length;
    const latency = summarize(at.flatMap((t, i) => (t === undefined ? [] : [t - (sentAt[i] as number)])));
    const arrivals = rig.receiver.arrivals;
    const sinkSpan = (arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0);
    const sinkRate = (arrivals.length - 1) / (sinkSpan / 1000);
    const rawRate = (total - 1) / (sendSpan / 1000);
    const sinkLatency = summarize(arrivals.map((a) => a.at - (sentAt[a.i] as number)));
    const sinkOrder = arrivalOrder(arrivals.map((a) => a.i));
    const messageBudget = durationS + 3 + 2;
    const data = {
      rate,
      durationS,
      total,
      sendSpanMs: sendSpan,
      messages: posted.length,
      represented: represented(posted),
      detailed,
      rateLimited: rig.platform.rateLimitedAnswers,
      latency,
      sink: {
        received: arrivals.length,
        rate: sinkRate,
        rawRate,
        latency: sinkLatency,
        order: sinkOrder,
      },
      maxDepth: rig.maxDepth,
      coalesced: await counter(rig.metrics, 'switchboard_events_coalesced_total'),
      rssDeltaMiB: (rssAfter - rssBefore) / 2 ** 20,
    };
    const table: Table = {
      title: `Storm: ${count(rate)} events/s for ${durationS} s into one channel paced at 1 message/s, plus a webhook sink`,
      centralHeader: 'value / p50',
      spreadHeader: 'p99',
      rows: [
        row('events dispatched (one source group, real dispatcher)', count(total), {
          max: `${seconds(sendSpan)} span`,
        }),
        row('messages posted to the channel', count(posted.length), {
          target: `≤ ${messageBudget}`,
          result: verdict(posted.length <= messageBudget),
        }),
        row('events represented in those messages (digest counts)', count(data.represented), {
          target: `= ${count(total)}`,
          result: verdict(data.represented === total),
        }),
        row('events whose details are in a message or its attached file', count(detailed), {
          target: `= ${count(total)}`,
          result: verdict(detailed === total),
        }),
        row('HTTP 429 answers from the platform', count(data.rateLimited), {
          target: '= 0',
          result: verdict(data.rateLimited === 0),
        }),
        row('event → post latency (dispatch → platform received the message)', ms(latency.p50), {
          spread: ms(latency.p99),
          max: ms(latency.max),
          target: 'p99 ≤ 2 s',
          result: verdict(latency.p99 <= 2000),
        }),
        row('event → webhook sink throughput (receiver arrivals)', perSecond(sinkRate), {
          baseline: perSecond(rawRate),
          ratio: ratio(sinkRate / rawRate),
          target: '≥ 0.95× raw',
          result: verdict(arrivals.length === total && sinkRate >= 0.95 * rawRate),
        }),
        row('event → webhook receiver latency', ms(sinkLatency.p50), {
          spread: ms(sinkLatency.p99),
          max: ms(sinkLatency.max),
        }),
        row('events at the receiver, arrival order', `${count(arrivals.length)}, ${sinkOrder}`, {
          target: `= ${count(total)}`,
          result: verdict(arrivals.length === total),
        }),
        row('peak queue depth: channel / sink', `${count(rig.maxDepth.chat)} / ${count(rig.maxDepth.sink)}`),
      ],
      notes: [
        `The platform enforces 1 message/s with a burst of 3 per channel itself (a GCRA; 429 + Retry-After past it); the destination declares the same pacing, so any 429 would be a pacing error.`,
        `Digests fit 3,000 characters (Slack's section limit) and attach every event's details as a file; "represented" sums the digest headers ("N events from …"), "details" finds each event's number in the message or its file.`,
        `Default settings.delivery (groupWait 250 ms; sinkConcurrency 16, so up to 16 POSTs are in flight and neighbouring events may arrive swapped). The sink is src/sinks/webhook POSTing to a loopback receiver that answers 201. RSS grew by ${data.rssDeltaMiB.toFixed(1)} MiB over the run.`,
      ],
    };
    return { table, data };
  } finally {
    await rig.close();
  }
}

async function outage(ctx: BenchContext) {
  const rate = 100;
  const outageMs = (ctx.quick ? 5 : 30) * 1000;
  const total = rate * (outageMs / 1000 + 6);
  const rig = await startRig();
  try {
    const downAt = Date.now() + 2000;
    // Both go down 2 s into the run and come back `outageMs` later.
    const timer = setTimeout(() => {
      rig.platform.takeDown(outageMs);
      rig.receiver.downUntil = Date.now() + outageMs;
    }, 2000);
    const sentAt = await generate(rig, rate, total);
    clearTimeout(timer);
    const backAt = downAt + outageMs;
    await until(
      () => represented(rig.platform.messages(channelId)) >= total && rig.receiver.arrivals.length >= total,
      60_000,
    );
    const posted = rig.platform.messages(channelId);
    const order = posted.flatMap((m) => eventNumbersIn(m, eventPattern));
    const chatOrdered = inOrder(order) && order.length === total;
    const sinkOrder = rig.receiver.arrivals.map((a) => a.i);
    const sinkArrivals = arrivalOrder(sinkOrder);
    const firstAfter = posted.find((m) => m.postedAt >= backAt)?.postedAt ?? Number.NaN;
    const chatCaughtUp = (posted.at(-1)?.postedAt ?? Number.NaN) - backAt;
    const backlogAt = postedTimes(posted, total);
    const backlogDone = Math.max(
      ...backlogAt.flatMap((t, i) => ((sentAt[i] as number) < backAt && t !== undefined ? [t] : [])),
    );
    const sinkBacklogDone = Math.max(
      ...rig.receiver.arrivals.filter((a) => (sentAt[a.i] as number) < backAt).map((a) => a.at),
    );
    const data = {
      rate,
      outageMs,
      total,
      messages: posted.length,
      represented: represented(posted),
      chatOrdered,
      sinkReceived: rig.receiver.arrivals.length,
      sinkOrder: sinkArrivals,
      firstPostAfterMs: firstAfter - backAt,
      chatBacklogMs: backlogDone - backAt,
      chatCaughtUpMs: chatCaughtUp,
      sinkBacklogMs: sinkBacklogDone - backAt,
      retries: await counter(rig.metrics, 'switchboard_delivery_retries_total'),
      rateLimited: rig.platform.rateLimitedAnswers,
    };
    const table: Table = {
      title: `Outage: platform and webhook receiver answer 503 for ${outageMs / 1000} s while ${rate} events/s keep coming`,
      centralHeader: 'value',
      spreadHeader: '-',
      rows: [
        row('events dispatched', count(total), {
          max: `${count(Math.round((outageMs / 1000) * rate))} during the outage`,
        }),
        row(
          'events represented in the channel, in order',
          `${count(data.represented)}, ${chatOrdered ? 'in order' : 'REORDERED'}`,
          {
            target: `= ${count(total)}, in order`,
            result: verdict(data.represented === total && chatOrdered),
          },
        ),
        row('events at the webhook receiver, arrival order', `${count(data.sinkReceived)}, ${sinkArrivals}`, {
          target: `= ${count(total)}`,
          result: verdict(data.sinkReceived === total),
        }),
        row('back → first post to the channel', seconds(data.firstPostAfterMs), {
          target: '≤ maxBackoff (10 s)',
          result: verdict(data.firstPostAfterMs <= 10_500),
        }),
        row('back → whole backlog posted to the channel', seconds(data.chatBacklogMs)),
        row('back → whole backlog at the receiver', seconds(data.sinkBacklogMs)),
        row(
          'retries (both destinations) / 429 answers',
          `${count(data.retries)} / ${count(data.rateLimited)}`,
        ),
        row('messages posted to the channel', count(posted.length)),
      ],
      notes: [
        `Default settings.delivery: retry backoff from 500 ms doubling to maxBackoff 10 s with jitter, so the first try after the outage comes within about 10 s; the channel is paced at 1 message/s (burst 3) throughout.`,
        `The channel's backlog goes out as a digest with every event's details in an attached file; "in order" means the event numbers, read message by message and line by line, never go back.`,
      ],
    };
    return { table, data };
  } finally {
    await rig.close();
  }
}

/** Bundles bench/storm-peers.ts and starts it in a child process; resolves once it listens. */
async function startPeers(ctx: BenchContext): Promise<{
  child: ChildProcess;
  urls: { platformUrl: string; receiverUrl: string };
  ask<T extends PeersAnswer['type']>(
    request: PeersRequest,
    type: T,
  ): Promise<Extract<PeersAnswer, { type: T }>>;
}> {
  const { build } = await import('esbuild');
  const outfile = join(ctx.outDir, 'storm-peers.mjs');
  await build({
    stdin: {
      contents: "import { runStormPeers } from './bench/storm-peers.ts';\nawait runStormPeers();\n",
      resolveDir: ctx.repoRoot,
      sourcefile: 'storm-peers-main.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  const child = fork(outfile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const answers: PeersAnswer[] = [];
  const waiting: (() => void)[] = [];
  child.on('message', (answer: PeersAnswer) => {
    answers.push(answer);
    for (const wake of waiting.splice(0)) wake();
  });
  const next = async <T extends PeersAnswer['type']>(type: T): Promise<Extract<PeersAnswer, { type: T }>> => {
    for (;;) {
      const k = answers.findIndex((a) => a.type === type);
      if (k >= 0) return answers.splice(k, 1)[0] as Extract<PeersAnswer, { type: T }>;
      if (child.exitCode !== null) throw new Error(`storm peers exited with ${child.exitCode}`);
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const ready = await next('ready');
  return {
    child,
    urls: ready,
    ask: (request, type) => {
      child.send(request);
      return next(type);
    },
  };
}

/**
 * The issue-19 storm: 1,000 events/s for 30 s into 20 channels (each paced at 1 message/s) and a
 * webhook receiver that takes 200 ms per POST, with the SQLite queue file. The receiver can take
 * at most sinkConcurrency / 0.2 s = 80 events/s, so its backlog waits in the queue file instead of
 * being dropped; the run measures the channels and counts the sink's events delivered or stored.
 * The platform and the receiver run in a child process (bench/storm-peers.ts), so this process
 * holds what the agent would: its RSS is the agent's share.
 */
export async function storm20(ctx: BenchContext) {
  const rate = 1000;
  const channels = 20;
  const durationS = ctx.quick ? 10 : 30;
  const total = rate * durationS;
  const peers = await startPeers(ctx);
  const ids = Array.from({ length: channels }, (_, k) => `C-storm-${k}`);
  const settings = DeliverySettings.parse({});
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-storm-'));
  const opened = openSqliteStore({
    file: join(dir, 'queue.sqlite'),
    synchronous: 'normal',
    dedupWindowMs: settings.dedupWindow.ms,
    log: silentLogger,
  });
  const chat = new PlatformDestination('bench/slack', peers.urls.platformUrl, {
    pacing: { ratePerSecond: stormPlatformLimits.ratePerSecond, burst: stormPlatformLimits.burst },
    capabilities: { maxMessageLength: stormPlatformLimits.maxTextLength, files: true },
  });
  const sink = createWebhookSink({
    id: 'bench/webhook',
    settings: WebhookSink.parse({ enabled: true, url: peers.urls.receiverUrl }),
    logger: silentLogger,
    connections: settings.sinkConcurrency,
  });
  const metrics = createMetrics();
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === chat.id ? chat : id === sink.id ? sink : undefined),
    settings,
    logger: silentLogger,
    metrics,
    store: opened.store,
    recovered: opened.recovered,
    capBytes: 256 * 2 ** 20,
  });
  const dispatch = createEventDispatcher({
    // New address objects for every event, as the agent's topology makes them.
    fanout: () => ({
      channels: ids.map((id) => ({ destinationId: chat.id, channelId: id })),
      sinks: [{ destinationId: sink.id, channelId: '' }],
    }),
    notificationsEnabled: () => true,
    capabilities: (id) => (id === chat.id ? chat : sink).capabilities,
    outbox: pipeline,
    logger: silentLogger,
    metrics,
  });
  const rssStart = process.memoryUsage().rss;
  let peakRss = rssStart;
  let peakHeap = process.memoryUsage().heapUsed;
  const rssSampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 100);
  try {
    const sentAt = await generate({ dispatch }, rate, total);
    const sendSpan = (sentAt.at(-1) as number) - (sentAt[0] as number);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const { counts } = await peers.ask({ type: 'represented', channels: ids }, 'represented');
      if (counts.every((n) => n >= total)) break;
      await sleep(500);
    }
    const { report } = await peers.ask(
      { type: 'report', channels: ids, sentAt, pattern: eventPattern.source },
      'report',
    );
    const latency = report.latency;
    const status = pipeline.storeStatus();
    const sinkDepth = pipeline.depths().find((d) => d.destinationId === 'bench/webhook')?.pending ?? 0;
    const overflow = await counter(metrics, 'switchboard_delivery_overflow_total');
    const data = {
      rate,
      channels,
      durationS,
      total,
      sendSpanMs: sendSpan,
      messages: report.messages,
      represented: report.represented,
      detailed: report.detailed,
      rateLimited: report.rateLimited,
      latency,
      sink: { arrived: report.sinkArrived, queued: sinkDepth, droppedAtCap: status.droppedAtCap, overflow },
      store: { items: status.items, bytes: status.bytes },
      startRssMiB: rssStart / 2 ** 20,
      peakRssMiB: peakRss / 2 ** 20,
      peakHeapMiB: peakHeap / 2 ** 20,
      peersPeakRssMiB: report.peakRssMiB,
    };
    const want = total * channels;
    const table: Table = {
      title: `Storm: ${count(rate)} events/s for ${durationS} s into ${channels} channels paced at 1 message/s each, plus a webhook receiver taking 200 ms per POST, SQLite queue file`,
      centralHeader: 'value / p50',
      spreadHeader: 'p99',
      rows: [
        row('events dispatched (one source group, real dispatcher)', count(total), {
          max: `${seconds(sendSpan)} span`,
        }),
        row('messages posted, all channels', count(report.messages)),
        row('events represented in the channels (digest counts)', count(report.represented), {
          target: `= ${count(want)}`,
          result: verdict(report.represented === want),
        }),
        row('events whose details are in a message or its attached file', count(report.detailed), {
          target: `= ${count(want)}`,
          result: verdict(report.detailed === want),
        }),
        row('HTTP 429 answers from the platform', count(report.rateLimited), {
          target: '= 0',
          result: verdict(report.rateLimited === 0),
        }),
        row('event → post latency, all channels', ms(latency.p50), {
          spread: ms(latency.p99),
          max: ms(latency.max),
          target: 'p99 ≤ 2 s',
          result: verdict(latency.p99 <= 2000),
        }),
        row(
          'sink events: arrived / waiting in the queue file / dropped',
          `${count(report.sinkArrived)} / ${count(sinkDepth)} / ${count(status.droppedAtCap + overflow)}`,
          {
            target: `arrived + waiting = ${count(total)}, 0 dropped`,
            result: verdict(report.sinkArrived + sinkDepth >= total && status.droppedAtCap + overflow === 0),
          },
        ),
        row(
          'peak RSS of the agent side (pipeline, queue file, HTTP clients)',
          `${data.peakRssMiB.toFixed(0)} MiB`,
          {
            max: `${data.startRssMiB.toFixed(0)} MiB at start`,
            target: '≤ 300 MiB',
            result: verdict(data.peakRssMiB <= 300),
          },
        ),
        row('peak JS heap used, agent side', `${data.peakHeapMiB.toFixed(0)} MiB`),
        row('peak RSS of the platform and receiver (child process)', `${report.peakRssMiB.toFixed(0)} MiB`),
      ],
      notes: [
        'Every event goes to all 20 channels and the sink: 21 queued copies per event, written to the SQLite file (synchronous=normal) before delivery; the 20 chat copies of an event are one fanout row.',
        'The receiver answers each POST after 200 ms; with sinkConcurrency 16 it takes at most 80 events/s, so most sink events are still waiting in the queue file when the channels are done: counted, not dropped.',
        "The agent side (pipeline, queue file, HTTP clients) runs in a process of its own, started for this storm alone, and the platform emulator and the receiver in another (bench/storm-peers.ts): the RSS rows are the agent side's (its RSS at the start is shown).",
      ],
    };
    return { table, data };
  } finally {
    clearInterval(rssSampler);
    await pipeline.close({ drainMs: 0 });
    await sink.stop();
    await chat.close();
    await peers.ask({ type: 'close' }, 'closed').catch(() => undefined);
    peers.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Storm20Result = Awaited<ReturnType<typeof storm20>>;

/**
 * Runs {@link storm20} in a process of its own, so that the RSS it reports is the agent side's
 * alone: in the harness process it would start with what the storms before it left behind.
 */
async function storm20InChild(ctx: BenchContext): Promise<Storm20Result> {
  const { build } = await import('esbuild');
  const outfile = join(ctx.outDir, 'storm20-child.mjs');
  await build({
    stdin: {
      contents: "import { runStorm20Child } from './bench/storm.ts';\nawait runStorm20Child();\n",
      resolveDir: ctx.repoRoot,
      sourcefile: 'storm20-child-main.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  const child = fork(outfile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<Storm20Result>((resolve, reject) => {
    child.once('message', (answer: Storm20Result) => resolve(answer));
    child.once('exit', (code) =>
      reject(new Error(`the storm20 process exited with ${code} before answering`)),
    );
  });
  child.send(ctx);
  try {
    return await result;
  } finally {
    child.kill();
  }
}

/** The entry of the process {@link storm20InChild} starts: runs the storm it is sent, answers its result. */
export async function runStorm20Child(): Promise<void> {
  const ctx = await new Promise<BenchContext>((resolve) => process.once('message', resolve));
  const result = await storm20(ctx);
  process.send?.(result, () => process.exit(0));
}

export async function stormBench(ctx: BenchContext): Promise<BenchResult> {
  const stormResult = await storm(ctx);
  const outageResult = await outage(ctx);
  const storm20Result = await storm20InChild(ctx);
  return {
    tables: [stormResult.table, outageResult.table, storm20Result.table],
    data: { storm: stormResult.data, outage: outageResult.data, storm20: storm20Result.data },
  };
}
