import { create } from '@bufbuild/protobuf';
import type { MethodDefinition } from '@grpc/grpc-js';
import { grpcServiceDefinition } from '../src/contract/service-definition.js';
import {
  Source,
  type StreamRequest,
  StreamRequestSchema,
  type StreamResponse,
} from '../src/gen/source_pb.js';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../src/plugins/host/plugin-instance.js';
import { createSourceClient, type StreamCall } from '../src/plugins/host/source-client.js';
import { encodeEvent, plaintextMessage } from '../src/sdk/index.js';
import { type BenchContext, type BenchResult, processCpuMs, silentLogger, track } from './lib/context.js';
import { type Table, type TableRow, verdict } from './lib/report.js';
import { perSecond, ratio, summarize } from './lib/stats.js';

const streamMethod = grpcServiceDefinition(Source).stream as MethodDefinition<StreamRequest, StreamResponse>;
const sourceName = 'bench';
const targetEventBytes = 256;

/** Padding that makes the source fixture's event JSON about `targetEventBytes` long (as the fixture builds it). */
function paddingFor(count: number): number {
  const i = Math.floor(count / 2);
  const bare = encodeEvent({
    message: plaintextMessage(`tick ${i} from ${sourceName}`),
    rawObject: { i, source: sourceName, cluster: sourceName, padding: '' },
    analyticsLabels: { kind: 'tick' },
  }).length;
  return Math.max(0, targetEventBytes - bare);
}

export function streamCall(count: number): StreamCall {
  const yaml = `count: ${count}\nintervalMs: 0\nclose: true\npayloadBytes: ${paddingFor(count)}\n`;
  return {
    config: new TextEncoder().encode(yaml),
    context: {
      interactive: false,
      clusterName: sourceName,
      sourceName,
      incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
    },
  };
}

/** The v3 request exactly as createSourceClient builds it. */
export function rawRequest(call: StreamCall): StreamRequest {
  return create(StreamRequestSchema, {
    configs: [{ rawYAML: call.config }],
    context: {
      sourceContext: {
        isInteractivitySupported: call.context.interactive,
        clusterName: call.context.clusterName,
        sourceName: call.context.sourceName,
        incomingWebhook: {
          baseURL: call.context.incomingWebhook.baseUrl,
          fullURLForSource: call.context.incomingWebhook.fullUrlForSource,
        },
      },
      kubeConfig: new Uint8Array(),
    },
  });
}

interface Consumed {
  events: number;
  bytes: number;
}

type Reader = (instance: PluginInstance, call: StreamCall) => Promise<Consumed>;

const hostReader: Reader = async (instance, call) => {
  let events = 0;
  let bytes = 0;
  for await (const event of createSourceClient(instanceHandle(instance)).stream(call)) {
    events++;
    bytes += event.length;
  }
  return { events, bytes };
};

/** Plain grpc-js: makeServerStreamRequest on the instance's Client, read with 'data' events. */
const rawDataReader: Reader = (instance, call) =>
  new Promise((resolve, reject) => {
    let events = 0;
    let bytes = 0;
    const stream = instance.client.makeServerStreamRequest(
      streamMethod.path,
      streamMethod.requestSerialize,
      streamMethod.responseDeserialize,
      rawRequest(call),
    );
    stream.on('data', (response: StreamResponse) => {
      events++;
      bytes += response.event.length;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve({ events, bytes }));
  });

/** Plain grpc-js again, read with `for await` (the async-iterator protocol the host uses). */
const rawIterReader: Reader = async (instance, call) => {
  let events = 0;
  let bytes = 0;
  const stream = instance.client.makeServerStreamRequest(
    streamMethod.path,
    streamMethod.requestSerialize,
    streamMethod.responseDeserialize,
    rawRequest(call),
  );
  for await (const response of stream) {
    events++;
    bytes += (response as StreamResponse).event.length;
  }
  return { events, bytes };
};

interface Run {
  eventsPerSecond: number;
  avgEventBytes: number;
  hostCpuUsPerEvent: number;
  pluginCpuUsPerEvent: number;
}

async function timedRun(reader: Reader, instance: PluginInstance, count: number): Promise<Run> {
  const call = streamCall(count);
  const pluginCpu = processCpuMs(instance.pid);
  const hostCpu = process.cpuUsage();
  const start = performance.now();
  const { events, bytes } = await reader(instance, call);
  const seconds = (performance.now() - start) / 1000;
  const host = process.cpuUsage(hostCpu);
  const plugin = processCpuMs(instance.pid) - pluginCpu;
  if (events !== count) throw new Error(`stream ended after ${events} of ${count} events`);
  return {
    eventsPerSecond: events / seconds,
    avgEventBytes: bytes / events,
    hostCpuUsPerEvent: (host.user + host.system) / events,
    pluginCpuUsPerEvent: (plugin * 1000) / events,
  };
}

interface Variant {
  id: string;
  label: string;
  reader: Reader;
  mtls: boolean;
  /** The row this row's median is divided by; null for a baseline row. */
  baseline: string | null;
  /** Lowest passing ratio, for rows with a target. */
  target?: number;
}

export async function streamThroughput(ctx: BenchContext): Promise<BenchResult> {
  const count = 50_000;
  const rounds = ctx.quick ? 2 : 5;
  const variants: Variant[] = [
    {
      id: 'raw-data',
      label: "raw grpc-js stream, on('data'), mTLS off",
      reader: rawDataReader,
      mtls: false,
      baseline: null,
    },
    {
      id: 'raw-iter',
      label: 'raw grpc-js stream, for await, mTLS off',
      reader: rawIterReader,
      mtls: false,
      baseline: 'raw-data',
    },
    {
      id: 'host',
      label: 'host sourceClient.stream(), mTLS off',
      reader: hostReader,
      mtls: false,
      baseline: 'raw-data',
      target: 0.8,
    },
    {
      id: 'raw-data-mtls',
      label: "raw grpc-js stream, on('data'), mTLS on",
      reader: rawDataReader,
      mtls: true,
      baseline: null,
    },
    {
      id: 'host-mtls',
      label: 'host sourceClient.stream(), mTLS on',
      reader: hostReader,
      mtls: true,
      baseline: 'raw-data-mtls',
      target: 0.8,
    },
  ];
  const plugins = new Map<boolean, PluginInstance>();
  for (const mtls of [false, true]) {
    plugins.set(
      mtls,
      track(
        await launchPlugin({
          name: 'bench/source',
          binary: ctx.fixtures.source,
          logger: silentLogger,
          autoMtls: mtls,
        }),
      ),
    );
  }
  try {
    const instanceFor = (v: Variant) => plugins.get(v.mtls) as PluginInstance;
    for (const v of variants) await timedRun(v.reader, instanceFor(v), 5000);
    const runs = new Map<string, Run[]>(variants.map((v) => [v.id, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(round + i) % variants.length] as Variant;
        runs.get(v.id)?.push(await timedRun(v.reader, instanceFor(v), count));
      }
    }

    const rate = (id: string) => summarize((runs.get(id) ?? []).map((r) => r.eventsPerSecond));
    const cpu = (id: string, key: 'hostCpuUsPerEvent' | 'pluginCpuUsPerEvent') =>
      summarize((runs.get(id) ?? []).map((r) => r[key])).p50;
    const checks: Record<string, { ratio: number; target: number; pass: boolean }> = {};
    const rows: TableRow[] = variants.map((v) => {
      const s = rate(v.id);
      const base = v.baseline ? rate(v.baseline).p50 : s.p50;
      const row: TableRow = {
        measurement: v.label,
        central: perSecond(s.p50),
        spread: perSecond(s.min),
        max: perSecond(s.max),
        baseline: v.baseline ? perSecond(base) : '(baseline)',
        ratio: ratio(s.p50 / base),
        target: '',
        result: 'info',
      };
      if (v.target !== undefined) {
        const r = s.p50 / base;
        checks[v.id] = { ratio: r, target: v.target, pass: r >= v.target };
        row.target = `≥ ${v.target.toFixed(2)}×`;
        row.result = verdict(r >= v.target);
      }
      return row;
    });
    const avgBytes = (runs.get('host') ?? [])[0]?.avgEventBytes ?? Number.NaN;
    const cpuNote = variants
      .map(
        (v) =>
          `${v.id} ${cpu(v.id, 'hostCpuUsPerEvent').toFixed(1)} / ${cpu(v.id, 'pluginCpuUsPerEvent').toFixed(1)}`,
      )
      .join('; ');
    const table: Table = {
      title: `Source stream throughput: ${count.toLocaleString('en-US')} events of ~${Math.round(avgBytes)} B`,
      centralHeader: 'median',
      spreadHeader: 'min',
      rows,
      notes: [
        `${rounds} timed stream(s) of ${count} events per row after a 5,000-event warm-up each, rows interleaved; the TS source fixture produces events as fast as the stream accepts them (intervalMs 0).`,
        `Event = source.Event JSON of ${Math.round(avgBytes)} B (padding chosen in the run); ratio = row median / the median of its raw on('data') baseline (same plugin process).`,
        `With AutoMTLS the raw rate is ${ratio(rate('raw-data-mtls').p50 / rate('raw-data').p50)} of the plain raw rate.`,
        `CPU µs per event, host / plugin (median): ${cpuNote}.`,
      ],
    };
    const data = Object.fromEntries(
      variants.map((v) => [v.id, { summary: rate(v.id), runs: runs.get(v.id) }]),
    );
    return {
      tables: [table],
      data: {
        count,
        rounds,
        avgEventBytes: avgBytes,
        variants: data,
        checks,
        ratio: checks.host?.ratio,
        target: 0.8,
        pass: checks.host?.pass,
      },
    };
  } finally {
    await Promise.all([...plugins.values()].map((p) => p.stop()));
  }
}
