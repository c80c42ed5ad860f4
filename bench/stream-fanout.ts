import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MethodDefinition } from '@grpc/grpc-js';
import { keepStreaming } from '../src/bridge/source/stream-keeper.js';
import { grpcServiceDefinition } from '../src/contract/service-definition.js';
import { Source, type StreamRequest, type StreamResponse } from '../src/gen/source_pb.js';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../src/plugins/host/plugin-instance.js';
import { createSourceClient } from '../src/plugins/host/source-client.js';
import { type BenchContext, type BenchResult, silentLogger, track } from './lib/context.js';
import { type Table, type TableRow, verdict } from './lib/report.js';
import { perSecond, ratio, summarize } from './lib/stats.js';
import { rawRequest, streamCall } from './stream-throughput.js';

const streamMethod = grpcServiceDefinition(Source).stream as MethodDefinition<StreamRequest, StreamResponse>;

/** Events per stream for each stream count: about 40,000 events per run whatever the width. */
const widths = [
  { streams: 1, perStream: 40_000 },
  { streams: 4, perStream: 10_000 },
  { streams: 16, perStream: 2_500 },
];

type Reader = (instance: PluginInstance, perStream: number) => Promise<number>;

/** Plain grpc-js: one makeServerStreamRequest read with 'data' events. */
const raw: Reader = (instance, perStream) =>
  new Promise((resolve, reject) => {
    let events = 0;
    const stream = instance.client.makeServerStreamRequest(
      streamMethod.path,
      streamMethod.requestSerialize,
      streamMethod.responseDeserialize,
      rawRequest(streamCall(perStream)),
    );
    stream.on('data', () => {
      events++;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(events));
  });

/**
 * The agent's path: the source bridge's keepStreaming over createSourceClient, as StreamSet
 * opens it. The fixture ends the stream after `perStream` events; the keeper would re-open it,
 * so the run stops it there.
 */
const host: Reader = async (instance, perStream) => {
  let events = 0;
  const stop = new AbortController();
  await keepStreaming({
    client: createSourceClient(instanceHandle(instance)),
    call: streamCall(perStream),
    onEvent: () => {
      events++;
    },
    onState: (state, reason) => {
      if (state === 'waiting') {
        if (reason !== 'the plugin ended the stream') throw new Error(`stream failed: ${reason}`);
        stop.abort();
      }
    },
    signal: stop.signal,
  });
  return events;
};

async function timed(reader: Reader, instance: PluginInstance, streams: number, perStream: number) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const counts = await Promise.all(Array.from({ length: streams }, () => reader(instance, perStream)));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== streams * perStream) throw new Error(`got ${total} of ${streams * perStream} events`);
  return { rate: total / seconds, hostCpuUs: (used.user + used.system) / total };
}

/**
 * One stream of SB_BENCH_STREAM_COUNT events read the SB_BENCH_STREAM_MODE way (raw or host),
 * from the source fixture at SB_BENCH_SOURCE, then exit: what callgrind counts.
 * bench/run.mjs bundles it to .cache/bench/stream-child.mjs.
 */
export async function runStreamChild(): Promise<void> {
  const mode = process.env.SB_BENCH_STREAM_MODE === 'host' ? host : raw;
  const count = Number(process.env.SB_BENCH_STREAM_COUNT);
  const instance = await launchPlugin({
    name: 'bench/source',
    binary: process.env.SB_BENCH_SOURCE as string,
    logger: silentLogger,
    autoMtls: false,
  });
  try {
    const got = await mode(instance, count);
    if (got !== count) throw new Error(`got ${got} of ${count} events`);
  } finally {
    await instance.stop();
  }
}

const callgrindCounts = [1_000, 6_000] as const;

/** Instructions the host process executes (callgrind), per event: the slope between two stream lengths. */
async function instructionsPerEvent(ctx: BenchContext, mode: 'raw' | 'host'): Promise<number> {
  const totals: number[] = [];
  for (const count of callgrindCounts) {
    const { stderr } = await promisify(execFile)(
      'valgrind',
      [
        '--tool=callgrind',
        '--trace-children=no',
        '--callgrind-out-file=/dev/null',
        process.execPath,
        join(ctx.outDir, 'stream-child.mjs'),
      ],
      {
        env: {
          ...process.env,
          SB_BENCH_STREAM_MODE: mode,
          SB_BENCH_STREAM_COUNT: String(count),
          SB_BENCH_SOURCE: ctx.fixtures.source,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const collected = /Collected : (\d+)/.exec(stderr)?.[1];
    if (!collected) throw new Error(`callgrind printed no total:\n${stderr.slice(-2000)}`);
    totals.push(Number(collected));
  }
  const [short, long] = totals as [number, number];
  return (long - short) / (callgrindCounts[1] - callgrindCounts[0]);
}

/**
 * Source streams through the host at 1, 4 and 16 concurrent streams of one plugin process
 * (mTLS off), against raw grpc-js streams of the same plugin, interleaved in one run.
 */
export async function streamFanout(ctx: BenchContext): Promise<BenchResult> {
  const rounds = ctx.quick ? 2 : 5;
  const instance = track(
    await launchPlugin({
      name: 'bench/source',
      binary: ctx.fixtures.source,
      logger: silentLogger,
      autoMtls: false,
    }),
  );
  try {
    const readers = { raw, host } as const;
    for (const { streams } of widths) {
      for (const r of Object.values(readers)) await timed(r, instance, streams, 500);
    }
    const runs = new Map<string, { rate: number; hostCpuUs: number }[]>();
    for (let round = 0; round < rounds; round++) {
      for (const { streams, perStream } of widths) {
        const order = round % 2 === 0 ? (['raw', 'host'] as const) : (['host', 'raw'] as const);
        for (const id of order) {
          const key = `${id}-${streams}`;
          runs.set(key, [...(runs.get(key) ?? []), await timed(readers[id], instance, streams, perStream)]);
        }
      }
    }
    const rate = (key: string) => summarize((runs.get(key) ?? []).map((r) => r.rate));
    const cpu = (key: string) => summarize((runs.get(key) ?? []).map((r) => r.hostCpuUs)).p50;
    const rows: TableRow[] = [];
    const checks: Record<string, { ratio: number; pass: boolean }> = {};
    for (const { streams, perStream } of widths) {
      const r = rate(`raw-${streams}`);
      const h = rate(`host-${streams}`);
      rows.push({
        measurement: `raw grpc-js on('data'), ${streams} stream(s) × ${perStream.toLocaleString('en-US')}`,
        central: perSecond(r.p50),
        spread: perSecond(r.min),
        max: perSecond(r.max),
        baseline: '(baseline)',
        ratio: '1.00×',
        target: '',
        result: 'info',
      });
      const x = h.p50 / r.p50;
      checks[String(streams)] = { ratio: x, pass: x >= 0.9 };
      rows.push({
        measurement: `host keepStreaming(createSourceClient), ${streams} stream(s)`,
        central: perSecond(h.p50),
        spread: perSecond(h.min),
        max: perSecond(h.max),
        baseline: perSecond(r.p50),
        ratio: ratio(x),
        target: '≥ 0.90×',
        result: verdict(x >= 0.9),
      });
    }
    const valgrind = ['/usr/bin/valgrind', '/usr/local/bin/valgrind'].some((p) => existsSync(p));
    let callgrindNote = 'callgrind: valgrind is not installed, instruction counts skipped.';
    const instructions: Record<string, number> = {};
    if (valgrind && !ctx.quick) {
      instructions.raw = await instructionsPerEvent(ctx, 'raw');
      instructions.host = await instructionsPerEvent(ctx, 'host');
      const r = instructions.raw;
      const h = instructions.host;
      rows.push({
        measurement: "callgrind: host process instructions per event, raw grpc-js on('data')",
        central: `${Math.round(r).toLocaleString('en-US')}`,
        spread: '-',
        max: '-',
        baseline: '(baseline)',
        ratio: '1.00×',
        target: '',
        result: 'info',
      });
      rows.push({
        measurement: 'callgrind: host process instructions per event, keepStreaming',
        central: `${Math.round(h).toLocaleString('en-US')}`,
        spread: '-',
        max: '-',
        baseline: `${Math.round(r).toLocaleString('en-US')}`,
        ratio: ratio(h / r),
        target: '',
        result: 'info',
      });
      callgrindNote = `callgrind: \`valgrind --tool=callgrind --trace-children=no node .cache/bench/stream-child.mjs\` (the host process only; the plugin runs natively), one stream of ${callgrindCounts[0].toLocaleString('en-US')} and of ${callgrindCounts[1].toLocaleString('en-US')} events; per event = the difference of the two totals / ${(callgrindCounts[1] - callgrindCounts[0]).toLocaleString('en-US')}, so start-up and shutdown cancel out.`;
    }
    const cpuNote = widths
      .map(
        ({ streams }) =>
          `${streams}: ${cpu(`raw-${streams}`).toFixed(1)} raw / ${cpu(`host-${streams}`).toFixed(1)} host`,
      )
      .join('; ');
    const table: Table = {
      title: 'Source streams through the host at 1, 4 and 16 streams (one plugin process, mTLS off)',
      centralHeader: 'median',
      spreadHeader: 'min',
      rows,
      notes: [
        `${rounds} timed runs per row after a 500-event warm-up of each, raw and host alternating; rate = all events of the run / its wall time. Same ~256 B fixture events as the stream benchmark.`,
        `Host process CPU µs per event (median), by stream count: ${cpuNote}.`,
        callgrindNote,
      ],
    };
    return {
      tables: [table],
      data: { rounds, checks, instructions, runs: Object.fromEntries(runs) },
    };
  } finally {
    await instance.stop();
  }
}
