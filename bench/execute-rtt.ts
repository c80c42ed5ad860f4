import type { MethodDefinition } from '@grpc/grpc-js';
import { grpcServiceDefinition } from '../src/contract/service-definition.js';
import { type ExecuteRequest, type ExecuteResponse, Executor } from '../src/gen/executor_pb.js';
import {
  createExecutorClient,
  type ExecuteCall,
  type ExecutorClient,
  toV3Request,
} from '../src/plugins/host/executor-client.js';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../src/plugins/host/plugin-instance.js';
import { type BenchContext, type BenchResult, silentLogger, track } from './lib/context.js';
import { type Table, type TableRow, verdict } from './lib/report.js';
import { ms, type Summary, signedMs, summarize } from './lib/stats.js';

const executeMethod = grpcServiceDefinition(Executor).execute as MethodDefinition<
  ExecuteRequest,
  ExecuteResponse
>;

const call: ExecuteCall = {
  command: 'fixture echo hello from the benchmark',
  configs: [],
  context: {
    interactive: true,
    message: {
      text: 'fixture echo hello from the benchmark',
      url: 'https://chat.example/archives/C1/p171',
      parentActivityId: '171.5',
      user: { mention: '<@U1>', displayName: 'Ada' },
    },
    incomingWebhookBaseUrl: 'http://127.0.0.1:2115/sources/v1',
  },
};

/** The same request through a plain grpc-js unary call: same Client (same HTTP/2 connection), same serializers. */
function rawExecute(instance: PluginInstance, request: ExecuteRequest): Promise<ExecuteResponse> {
  return new Promise((resolve, reject) => {
    instance.client.makeUnaryRequest(
      executeMethod.path,
      executeMethod.requestSerialize,
      executeMethod.responseDeserialize,
      request,
      (err, response) => (err || !response ? reject(err ?? new Error('empty response')) : resolve(response)),
    );
  });
}

interface Pair {
  host: Summary;
  raw: Summary;
}

const expected = 'hello from the benchmark';

function check(message: Uint8Array): void {
  const text = Buffer.from(message).toString('utf8');
  if (!text.includes(expected)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
}

/** One kind of timed call: through the host client or raw, on one plugin instance. */
interface Caller {
  id: string;
  /** Resolves with the answer's message bytes (checked outside the timed section). */
  call(): Promise<Uint8Array>;
  samples: number[];
}

function callers(instance: PluginInstance, tag: string): Caller[] {
  const client: ExecutorClient = createExecutorClient(instanceHandle(instance));
  const request = toV3Request(call);
  return [
    { id: `host-${tag}`, call: async () => (await client.execute(call)).message, samples: [] },
    { id: `raw-${tag}`, call: async () => (await rawExecute(instance, request)).message, samples: [] },
  ];
}

/**
 * Both plugins (AutoMTLS off and on) run side by side; after a warm-up, blocks of
 * each kind of call rotate so drift on the shared CPUs hits all four alike.
 */
async function measure(binary: string, calls: number, warmup: number): Promise<Record<string, Pair>> {
  const instances: PluginInstance[] = [];
  try {
    for (const autoMtls of [false, true]) {
      instances.push(
        track(await launchPlugin({ name: 'bench/executor', binary, logger: silentLogger, autoMtls })),
      );
    }
    const [off, on] = instances as [PluginInstance, PluginInstance];
    const all = [...callers(off, 'off'), ...callers(on, 'on')];
    for (const c of all) for (let i = 0; i < warmup; i++) check(await c.call());
    const blocks = 10;
    const perBlock = Math.ceil(calls / blocks);
    for (let b = 0; b < blocks; b++) {
      for (let k = 0; k < all.length; k++) {
        const c = all[(b + k) % all.length] as Caller;
        for (let i = 0; i < perBlock; i++) {
          const t = performance.now();
          const message = await c.call();
          c.samples.push(performance.now() - t);
          check(message);
        }
      }
    }
    const by = (id: string) => summarize(all.find((c) => c.id === id)?.samples ?? []);
    return {
      off: { host: by('host-off'), raw: by('raw-off') },
      on: { host: by('host-on'), raw: by('raw-on') },
    };
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
  }
}

export async function executeRtt(ctx: BenchContext): Promise<BenchResult> {
  const calls = ctx.quick ? 500 : 2000;
  const warmup = ctx.quick ? 200 : 500;
  const pairs = await measure(ctx.fixtures.executor, calls, warmup);
  const plain = pairs.off as Pair;
  const mtls = pairs.on as Pair;

  const rows: TableRow[] = [];
  const add = (label: string, pair: Pair) => {
    rows.push({
      measurement: `raw grpc-js makeUnaryRequest, ${label}`,
      central: ms(pair.raw.p50),
      spread: ms(pair.raw.p99),
      max: ms(pair.raw.max),
      baseline: '(baseline)',
      ratio: '',
      target: '',
      result: 'info',
    });
    const diff = pair.host.p50 - pair.raw.p50;
    rows.push({
      measurement: `host executor.execute(), ${label}`,
      central: ms(pair.host.p50),
      spread: ms(pair.host.p99),
      max: ms(pair.host.max),
      baseline: ms(pair.raw.p50),
      ratio: `${signedMs(diff)} (p99 ${signedMs(pair.host.p99 - pair.raw.p99)})`,
      target: '≤ +1 ms p50',
      result: verdict(diff <= 1),
    });
  };
  add('mTLS off', plain);
  add('mTLS on', mtls);

  const table: Table = {
    title: 'Execute round trip through the host (sequential, one call in flight)',
    centralHeader: 'p50',
    spreadHeader: 'p99',
    rows,
    notes: [
      `${calls} timed calls per row after ${warmup} warm-up calls of each kind, in 10 rotating blocks (all four rows interleaved, both plugins running); ratio = host − raw. Every answer is checked.`,
      'Raw calls use the instance’s own grpc-js Client (same unix socket and HTTP/2 connection) and the same protobuf-es serializers, with a prebuilt request, no metadata and no deadline.',
      `AutoMTLS adds ${signedMs(mtls.raw.p50 - plain.raw.p50)} to the raw p50 round trip.`,
    ],
  };
  return {
    tables: [table],
    data: {
      calls,
      warmup,
      mtlsOff: plain,
      mtlsOn: mtls,
      overheadP50Ms: plain.host.p50 - plain.raw.p50,
      overheadP50MsMtls: mtls.host.p50 - mtls.raw.p50,
      targetMs: 1,
      pass: plain.host.p50 - plain.raw.p50 <= 1,
    },
  };
}
