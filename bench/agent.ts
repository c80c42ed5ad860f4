import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { launchPlugin } from '../src/plugins/host/plugin-instance.js';
import { createSourceClient } from '../src/plugins/host/source-client.js';
import { parseEvent } from '../src/sdk/index.js';
import { agentMemory } from './agent-memory.js';
import {
  configYaml,
  fixtureSource,
  group,
  paddingFor,
  publishRepository,
  startAgent,
  targetEventBytes,
} from './agent-setup.js';
import { BenchBot, type RunReading, readRun } from './lib/bench-bot.js';
import { type BenchContext, type BenchResult, silentLogger, sleep, track } from './lib/context.js';
import { infoRow, type Table } from './lib/report.js';
import { ms, perSecond, ratio, type Summary, summarize } from './lib/stats.js';

export { runAgentChild } from './agent-child.js';

/**
 * Agent benchmarks (issue 4), through the delivery pipeline:
 * - `agentEvents`: fixture source events through the whole agent path (repository install →
 *   supervisor → stream → dispatcher → delivery pipeline → Bot.deliver) against a direct
 *   createSourceClient read of the same fixture. Events that arrive together reach the bot as
 *   digests; every event a message represents is counted, and each one's latency is taken from
 *   its emit time where the message carries it.
 * - `agentMemory` (bench/agent-memory.ts): the agent in a child process, idle and streaming.
 */

/** Slack's budget (docs/delivery.md, Pacing): the paced run shows what a real platform gets. */
const slackPacing = { ratePerSecond: 1, burst: 3 };

const count = (n: number) => n.toLocaleString('en-US');

const row = infoRow;

/** Latencies come from Date values: whole milliseconds, so no decimals below 10 ms. */
const wholeMs = (v: number) => (Number.isFinite(v) && v < 10 ? `${v.toFixed(0)} ms` : ms(v));
const lat = (s: Summary) => [wholeMs(s.p50), wholeMs(s.p99), wholeMs(s.max)] as const;

/** `7 / 20,000 (6 digests)`: messages posted against the events they represent. */
const messagesCell = (r: RunReading) =>
  `${count(r.messages)} / ${count(r.represented)} (${count(r.digests)} digest${r.digests === 1 ? '' : 's'})`;

export async function agentEvents(ctx: BenchContext): Promise<BenchResult> {
  // Quick runs need ~1 s of stream too: the rate is read between digests, 250 ms apart.
  const total = ctx.quick ? 10_000 : 20_000;
  const rounds = ctx.quick ? 1 : 3;
  const slow = { count: 200, intervalMs: 5 };
  const published = await publishRepository(ctx.repoRoot);
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-agent-'));
  const cacheDir = join(work, 'cache');
  const padding = paddingFor(total, group);
  const source = track(
    await launchPlugin({ name: 'bench/source', binary: ctx.fixtures.source, logger: silentLogger }),
  );
  const client = createSourceClient(instanceHandle(source));
  const context = {
    interactive: false,
    clusterName: 'bench',
    sourceName: group,
    incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
  };
  const fixtureConfig = (n: number, intervalMs: number) =>
    new TextEncoder().encode(
      `count: ${n}\nintervalMs: ${intervalMs}\nclose: true\npayloadBytes: ${padding}\ntimestamps: true\n`,
    );
  /** A direct createSourceClient read: performance.now() of each arrival (events not decoded). */
  const rawRead = async (n: number) => {
    const times: number[] = [];
    for await (const _event of client.stream({ config: fixtureConfig(n, 0), context })) {
      times.push(performance.now());
    }
    if (times.length !== n) throw new Error(`raw stream ended after ${times.length} of ${n} events`);
    return (n - 1) / (((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000);
  };
  /** The same read at a low rate, decoding each event: emit → arrival in the host (ms). */
  const rawLatency = async (n: number, intervalMs: number) => {
    const latencies: number[] = [];
    for await (const bytes of client.stream({ config: fixtureConfig(n, intervalMs), context })) {
      const at = Date.now();
      latencies.push(at - new Date(parseEvent(bytes).message.timestamp as Date | string).getTime());
    }
    return latencies;
  };
  /** `n` fixture events through a fresh agent to a bench bot (the stream stays open, as a real one does). */
  const agentRun = async (opts: {
    n: number;
    intervalMs: number;
    pacing?: typeof slackPacing;
    groupWait?: string;
  }) => {
    const bot = new BenchBot('default/console', opts.pacing);
    const agent = await startAgent(
      configYaml({
        index: published.index,
        cacheDir,
        executors: '',
        sources: fixtureSource({ count: opts.n, intervalMs: opts.intervalMs, padding }),
        groups: [group],
        ...(opts.groupWait ? { groupWait: opts.groupWait } : {}),
      }),
      work,
      bot,
    );
    try {
      await bot.waitFor(opts.n, 120_000);
      await sleep(50);
    } finally {
      await agent.stop();
    }
    const reading = readRun(bot.received);
    if (reading.represented !== opts.n)
      throw new Error(`the bot got ${reading.represented} events represented, expected ${opts.n}`);
    return reading;
  };

  try {
    // Warm-up: the first agent run installs into the cache; both paths get JIT-warm.
    await rawRead(2000);
    await agentRun({ n: 2000, intervalMs: 0 });
    const raw: number[] = [];
    const unpaced: RunReading[] = [];
    for (let r = 0; r < rounds; r++) {
      raw.push(await rawRead(total));
      unpaced.push(await agentRun({ n: total, intervalMs: 0 }));
    }
    const paced = await agentRun({ n: total, intervalMs: 0, pacing: slackPacing });
    const rawSlow = summarize(await rawLatency(slow.count, slow.intervalMs));
    const agentSlow = await agentRun({ n: slow.count, intervalMs: slow.intervalMs, groupWait: '0s' });

    const rawS = summarize(raw);
    const agentS = summarize(unpaced.map((u) => u.rate));
    // The round with the median rate stands for the unpaced rows below it.
    const median = unpaced.find((u) => u.rate === agentS.p50) ?? (unpaced[0] as RunReading);
    const unpacedLatency = summarize(unpaced.flatMap((u) => u.latencies));
    const pacedLatency = summarize(paced.latencies);
    const slowLatency = summarize(agentSlow.latencies);
    const inOrder = [...unpaced, paced, agentSlow].every((u) => u.inOrder);
    const timed = (u: RunReading) => `${count(u.latencies.length)} of ${count(u.represented)}`;

    const table: Table = {
      title: `Agent source path: fixture events of ~${targetEventBytes} B → stream → dispatcher → delivery pipeline → Bot.deliver`,
      centralHeader: 'median / p50',
      spreadHeader: 'min / p99',
      rows: [
        row(
          `raw createSourceClient read, ${count(total)} events, intervalMs 0`,
          perSecond(rawS.p50),
          perSecond(rawS.min),
          perSecond(rawS.max),
          { baseline: '(baseline)' },
        ),
        row(
          `through the agent to an unpaced bot, ${count(total)} events: events represented per second`,
          perSecond(agentS.p50),
          perSecond(agentS.min),
          perSecond(agentS.max),
          { baseline: perSecond(rawS.p50), ratio: ratio(agentS.p50 / rawS.p50) },
        ),
        row('  unpaced: messages posted / events represented (median round)', messagesCell(median), '-', '-'),
        row(
          `  unpaced: emit → Bot.deliver per event (${timed(unpaced[0] as RunReading)} per round timed)`,
          ...lat(unpacedLatency),
        ),
        row(
          `paced like Slack (1 message/s, burst 3), ${count(total)} events: messages / events represented`,
          messagesCell(paced),
          '-',
          '-',
        ),
        row(
          `  paced: emit → Bot.deliver per event (${timed(paced)} timed; ${count(paced.represented - paced.detailed)} only counted)`,
          ...lat(pacedLatency),
        ),
        row(`raw read, ${slow.count} events at ${slow.intervalMs} ms: emit → arrival`, ...lat(rawSlow)),
        row(
          `agent, ${slow.count} events at ${slow.intervalMs} ms, groupWait 0s: emit → Bot.deliver (${count(agentSlow.messages)} messages)`,
          ...lat(slowLatency),
        ),
      ],
      notes: [
        `Every event a message stands for is counted: 1 for a single event, the header count (\`N events from … in the last …\`) for a digest. Each tick is read back from the message text, the digest's lines or its attached file; in-order across messages in every run: ${inOrder}.`,
        `Events per second at the bot: each message carries what arrived since the one before, so the rate is the events of the messages between the first and the last, over the time from the first to the one before the last (the first waited since the stream began; the last window is only partly used). Raw = (events − 1) / (last − first arrival). ${rounds} round(s), raw and agent alternating, after a 2,000-event warm-up of each; every agent run is a fresh agent (warm plugin cache).`,
        `Latency = Date.now() at Bot.deliver − the emit time the fixture stamps on each event (ms, same clock). A digest's file lines carry it; its inline lines show whole seconds only and are not timed, nor are events a digest only counts because the queue (queueLimit.perChannel 10,000) was full.`,
        `Why two bots: an unpaced channel's budget covers any backlog, so the pipeline sends every event as its own message (docs/delivery.md, Digests) and the unpaced rows are the agent's per-event path, the bridge's throughput; against a budget (the paced bot) a burst becomes digests, which is what a chat platform gets.`,
        `Default settings (groupWait 250 ms: every event is held that long before it may go) except the last row, where each event goes as soon as it arrives: the bridge and pipeline without the deliberate hold.`,
      ],
    };
    return {
      tables: [table],
      data: {
        total,
        rounds,
        padding,
        raw: rawS,
        agent: agentS,
        ratio: agentS.p50 / rawS.p50,
        inOrder,
        unpaced: unpaced.map(({ latencies: _l, ...rest }) => rest),
        unpacedLatency,
        paced: { ...paced, latencies: undefined },
        pacedLatency,
        slow: { raw: rawSlow, agent: slowLatency, messages: agentSlow.messages },
      },
    };
  } finally {
    await source.stop();
    await Promise.all([work, published.dir].map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** `npm run bench -- agent`: the event path, then the agent in a child process (memory, GC). */
export async function agentBench(ctx: BenchContext): Promise<BenchResult> {
  const events = await agentEvents(ctx);
  const memory = await agentMemory(ctx);
  return {
    tables: [...events.tables, ...memory.tables],
    data: { events: events.data, memory: memory.data },
  };
}
