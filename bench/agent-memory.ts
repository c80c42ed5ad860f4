import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { configYaml, fixtureSource, group, paddingFor, publishRepository } from './agent-setup.js';
import type { RunReading } from './lib/bench-bot.js';
import { type BenchContext, type BenchResult, sleep } from './lib/context.js';
import { infoRow, type Table, verdict } from './lib/report.js';
import { ms, perSecond, ratio, type Summary, summarize } from './lib/stats.js';

/**
 * The agent's own memory (issue 4 target: ≤ 80 MiB RSS with three plugins), in a child process
 * per sample (bench/agent-child.ts), with Node's defaults and with a smaller V8 young generation:
 * - idle: RSS 2 s after ready, and again 60 s after ready, with and without the collection that
 *   `switchboard start` runs at ready (without it, start-up's garbage and young generation stay
 *   until V8's memory reducer sees the process idle);
 * - streaming: the same fixture stream as bench/agent.ts through the child, for the rate, the
 *   CPU and the scavenges that a smaller young generation costs.
 */

/** The semi-space size (MiB) recommended for `switchboard start` (docs/benchmarks.md explains why). */
const semiSpaceMiB = 2;
const target = 80;
const semiSpaceFlag = `--max-semi-space-size=${semiSpaceMiB}`;

export interface Variant {
  label: string;
  env: Record<string, string>;
  /** Also measured streaming (the malloc setting only matters idle). */
  stream: boolean;
  /** The child program, relative to ctx.outDir (default `agent-child.mjs`). */
  program?: string;
  /**
   * Instead of the benchmark's child, `switchboard start` as a user runs it, with the same plugins
   * and a real web console in place of the bench bot: `bundle` is bin/run.js (dist/bundle/, what
   * `npm run build` makes and the package ships), `tree` is bench/agent-cli-tree.mjs (tsc's module
   * tree in dist/, as the package ran before dist/bundle/).
   */
  cli?: 'bundle' | 'tree';
}

/** The child bundled as scripts/image/bundle.mjs bundles the agent for the container image. */
const imageProgram = 'agent-child-image/agent-child.mjs';

const variants: Variant[] = [
  { label: "Node's defaults", env: {}, stream: true },
  { label: `NODE_OPTIONS=${semiSpaceFlag}`, env: { NODE_OPTIONS: semiSpaceFlag }, stream: true },
  {
    label: `NODE_OPTIONS=${semiSpaceFlag} MALLOC_ARENA_MAX=2`,
    env: { NODE_OPTIONS: semiSpaceFlag, MALLOC_ARENA_MAX: '2' },
    stream: false,
  },
  // The paired "before": Node's defaults without the memory release `switchboard start` runs at
  // ready (src/cli/start-memory.ts).
  { label: 'before (no release at ready)', env: { SB_BENCH_KEEP_START_GARBAGE: '1' }, stream: false },
  { label: 'bundled like the container image', env: {}, stream: false, program: imageProgram },
  { label: '`switchboard start`, before (tsc module tree)', env: {}, stream: false, cli: 'tree' },
  { label: '`switchboard start` (dist/bundle/)', env: {}, stream: false, cli: 'bundle' },
];

/**
 * The same child with its dependencies inside, minified and tree-shaken, with the options
 * scripts/image/bundle.mjs uses for the image (better-sqlite3 stays outside: a native addon).
 * Smaller sources and no unused modules (zod's 63 locales, for one) are a few MiB of heap.
 */
async function buildImageProgram(ctx: BenchContext): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    stdin: {
      contents: "import { runAgentChild } from './bench/agent.ts';\nawait runAgentChild();\n",
      resolveDir: ctx.repoRoot,
      loader: 'js',
      sourcefile: 'bench-entry.mjs',
    },
    outdir: join(ctx.outDir, dirname(imageProgram)),
    entryNames: 'agent-child',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    treeShaking: true,
    keepNames: true,
    external: ['better-sqlite3', 'esbuild'],
    logLevel: 'error',
    banner: {
      js: "import{createRequire as __sbCreateRequire}from'node:module';import{fileURLToPath as __sbFileURLToPath}from'node:url';const require=__sbCreateRequire(import.meta.url),__filename=__sbFileURLToPath(import.meta.url),__dirname=__sbFileURLToPath(new URL('.',import.meta.url));",
    },
  });
}

/** What an agent child reported on one line of its stdout (see runAgentChild). */
interface ChildReports {
  benchReady: { plugins: { name: string; pid?: number }[] };
  benchCount: { represented: number };
  benchHeap: { heapTotal: number; heapUsed: number; external: number; newSpace: number };
  benchEvents: Omit<RunReading, 'latencies'> & {
    latency: Summary;
    gc: { minor: number; minorMs: number; major: number; majorMs: number };
    cpuMs: number;
    maxRssKiB: number;
  };
}

export interface AgentChild {
  pid: number;
  next<K extends keyof ChildReports>(key: K, timeoutMs: number): Promise<ChildReports[K]>;
  heap(): Promise<ChildReports['benchHeap']>;
  /** Events the child's bench bot has had represented so far. */
  represented(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `node .cache/bench/agent-child.mjs` with the config (and NODE_OPTIONS) given. */
export function startChild(ctx: BenchContext, configFile: string, variant: Variant, events = 0): AgentChild {
  const env: NodeJS.ProcessEnv = { ...process.env, ...variant.env, SB_BENCH_AGENT_CONFIG: configFile };
  if (variant.env.NODE_OPTIONS)
    env.NODE_OPTIONS = [process.env.NODE_OPTIONS, variant.env.NODE_OPTIONS].filter(Boolean).join(' ');
  if (events > 0) env.SB_BENCH_AGENT_EVENTS = String(events);
  const args = variant.cli
    ? [
        join(ctx.repoRoot, variant.cli === 'bundle' ? 'bin/run.js' : 'bench/agent-cli-tree.mjs'),
        'start',
        '--config',
        configFile,
        '--state-dir',
        join(configFile, '..', `state-cli-${variant.cli}-${Math.random().toString(36).slice(2)}`),
      ]
    : [join(ctx.outDir, variant.program ?? 'agent-child.mjs')];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Reports that came before anyone asked, and the one waiter per key.
  const seen = new Map<string, unknown[]>();
  const waiting = new Map<string, (value: unknown) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    // `switchboard start` says so once the agent is ready (and then releases start-up memory, as
    // the child does after benchReady).
    if (variant.cli && / is running/.test(line)) {
      const resolve = waiting.get('benchReady');
      waiting.delete('benchReady');
      if (resolve) resolve({ plugins: [] });
      else seen.set('benchReady', [{ plugins: [] }]);
      return;
    }
    if (!line.startsWith('{"bench')) return; // plugin log lines share the child's stdout
    const [key, value] = Object.entries(JSON.parse(line) as Record<string, unknown>)[0] as [string, unknown];
    const resolve = waiting.get(key);
    waiting.delete(key);
    if (resolve) resolve(value);
    else seen.set(key, [...(seen.get(key) ?? []), value]);
  });
  const next = <K extends keyof ChildReports>(key: K, timeoutMs: number) =>
    new Promise<ChildReports[K]>((resolve, reject) => {
      const queued = seen.get(key)?.shift();
      if (queued !== undefined) return resolve(queued as ChildReports[K]);
      const timer = setTimeout(
        () => reject(new Error(`agent child: no ${key} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`agent child exited (${child.exitCode}) before ${key}`));
      });
      waiting.set(key, (value) => {
        clearTimeout(timer);
        resolve(value as ChildReports[K]);
      });
    });
  return {
    pid: child.pid as number,
    next,
    heap() {
      // The CLI has no report channel; its heap is not read.
      if (variant.cli)
        return Promise.resolve({
          heapTotal: Number.NaN,
          heapUsed: Number.NaN,
          external: Number.NaN,
          newSpace: Number.NaN,
        });
      child.stdin.write('heap\n');
      return next('benchHeap', 10_000);
    },
    async represented() {
      child.stdin.write('count\n');
      return (await next('benchCount', 10_000)).represented;
    },
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      waiting.clear();
    },
  };
}

const nodeBinary = realpathSync(process.execPath);

/** RSS of a process (MiB) from /proc/<pid>/smaps, split into the node binary's pages and private memory. */
async function memoryOf(pid: number): Promise<{ rss: number; binary: number; anonymous: number }> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return { rss: Number.NaN, binary: Number.NaN, anonymous: Number.NaN };
  }
  let mapping = '';
  let rss = 0;
  let binary = 0;
  let anonymous = 0;
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      mapping = header[1] ?? '';
      continue;
    }
    const kb = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!kb) continue;
    const mib = Number(kb[2]) / 1024;
    if (kb[1] === 'Anonymous') anonymous += mib;
    else {
      rss += mib;
      if (mapping === nodeBinary) binary += mib;
    }
  }
  return { rss, binary, anonymous };
}

/** VmRSS of a process in MiB (NaN when gone or not Linux). */
async function rssMiB(pid: number): Promise<number> {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const mib = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} MiB` : '-');
const bytesMiB = (v: number) => v / 2 ** 20;

const row = infoRow;

interface IdleSample {
  startMs: number;
  early: Awaited<ReturnType<typeof memoryOf>> & { heap: ChildReports['benchHeap'] };
  settled: Awaited<ReturnType<typeof memoryOf>> & { heap: ChildReports['benchHeap'] };
  plugins: Map<string, number>;
}

/** One idle agent: memory 2 s after ready and `settleMs` after ready. */
async function idleSample(
  ctx: BenchContext,
  configFile: string,
  variant: Variant,
  settleMs: number,
): Promise<IdleSample> {
  const t = performance.now();
  const child = startChild(ctx, configFile, variant);
  try {
    const ready = await child.next('benchReady', 60_000);
    const readyAt = performance.now();
    await sleep(2000);
    const early = { ...(await memoryOf(child.pid)), heap: await child.heap() };
    const plugins = new Map<string, number>();
    for (const p of ready.plugins) plugins.set(p.name, p.pid ? await rssMiB(p.pid) : Number.NaN);
    await sleep(Math.max(0, readyAt + settleMs - performance.now()));
    const settled = { ...(await memoryOf(child.pid)), heap: await child.heap() };
    return { startMs: readyAt - t, early, settled, plugins };
  } finally {
    await child.stop();
  }
}

export async function agentMemory(ctx: BenchContext): Promise<BenchResult> {
  const [published] = await Promise.all([publishRepository(ctx.repoRoot), buildImageProgram(ctx)]);
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-agent-mem-'));
  const cacheDir = join(work, 'cache');
  const idleConfig = join(work, 'idle.yaml');
  const cliConfig = join(work, 'cli.yaml');
  const streamConfig = join(work, 'stream.yaml');
  const events = ctx.quick ? 10_000 : 20_000;
  await writeFile(
    idleConfig,
    configYaml({
      index: published.index,
      cacheDir,
      executors: '    bench/echo: {enabled: true, config: {prefix: "echo: "}}',
      sources:
        '  hooks:\n    bench/webhook: {enabled: true}\n' +
        '  clock:\n    bench/schedule: {enabled: true, config: {schedules: [{name: hb, cron: "0 0 1 1 *", message: "new year"}]}}',
      groups: ['hooks', 'clock'],
    }),
  );
  // The same agent for `switchboard start`: the console is the real web console, and every
  // listener takes a free port, since the variants run side by side.
  const idleYaml = await readFile(idleConfig, 'utf8');
  const cliYaml = idleYaml
    .replace('    console:\n      enabled: true\n', '    console:\n      enabled: true\n      port: 0\n')
    .replace(
      'settings:\n  clusterName: bench\n',
      'settings:\n  clusterName: bench\n  healthPort: 0\n  metricsPort: 0\n  log: {level: warn}\n',
    )
    .replace('plugins:\n  cacheDir:', 'plugins:\n  incomingWebhook: {port: 0}\n  cacheDir:');
  if (cliYaml.match(/[pP]ort: 0/g)?.length !== 4)
    throw new Error(`agent-memory: cli.yaml not as expected:\n${cliYaml}`);
  await writeFile(cliConfig, cliYaml);
  await writeFile(
    streamConfig,
    configYaml({
      index: published.index,
      cacheDir,
      executors: '',
      sources: fixtureSource({ count: events, intervalMs: 0, padding: paddingFor(events, group) }),
      groups: [group],
    }),
  );
  const samples = ctx.quick ? 1 : 3;
  const rounds = ctx.quick ? 1 : 3;
  // V8's memory reducer ran 15–40 s after ready in most trials on this machine, and not at all
  // within 90 s in some (docs/benchmarks.md); a quick run only smoke-tests the reading.
  const settleMs = ctx.quick ? 30_000 : 60_000;
  try {
    // The first start installs the plugins into the cache, so that every sample starts alike.
    const warm = startChild(ctx, idleConfig, variants[0] as Variant);
    await warm.next('benchReady', 120_000);
    await warm.stop();

    // Idle: the variants side by side (idle processes do not disturb each other's memory).
    const idle = new Map<Variant, IdleSample[]>(variants.map((v) => [v, []]));
    for (let s = 0; s < samples; s++) {
      const batch = await Promise.all(
        variants.map((v) => idleSample(ctx, v.cli ? cliConfig : idleConfig, v, settleMs)),
      );
      for (const [k, sample] of batch.entries()) idle.get(variants[k] as Variant)?.push(sample);
    }
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    await sleep(1000);
    const bareRss = await rssMiB(bare.pid as number);
    bare.kill('SIGKILL');

    // Streaming: one child at a time, the variants alternating.
    const streaming = variants.filter((v) => v.stream);
    const streamed = new Map<Variant, ChildReports['benchEvents'][]>(streaming.map((v) => [v, []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of streaming) {
        const child = startChild(ctx, streamConfig, v, events);
        try {
          await child.next('benchReady', 60_000);
          streamed.get(v)?.push(await child.next('benchEvents', 120_000));
        } finally {
          await child.stop();
        }
      }
    }

    const base = variants[0] as Variant;
    const settledLabel = `ready + ${settleMs / 1000} s`;
    const idleRows = variants.flatMap((v) => {
      const list = idle.get(v) ?? [];
      const early = summarize(list.map((x) => x.early.rss));
      const settled = summarize(list.map((x) => x.settled.rss));
      const name = v === base ? 'agent process' : `agent process, ${v.label}`;
      const checked = (s: Summary) => ({ target: `≤ ${target} MiB`, result: verdict(s.p50 <= target) });
      return [
        row(`${name}: ready + 2 s`, mib(early.p50), mib(early.min), mib(early.max), checked(early)),
        row(
          `${name}: ${settledLabel}`,
          mib(settled.p50),
          mib(settled.min),
          mib(settled.max),
          checked(settled),
        ),
      ];
    });
    const baseIdle = idle.get(base) ?? [];
    const med = (pick: (x: IdleSample) => number) => mib(summarize(baseIdle.map(pick)).p50);
    const pluginNames = [...(baseIdle[0]?.plugins.keys() ?? [])].sort();
    const pluginMedian = (name: string) => summarize(baseIdle.map((x) => x.plugins.get(name) ?? Number.NaN));
    const pluginRows = pluginNames.map((name) => {
      const v = pluginMedian(name);
      return row(`plugin process ${name}, idle`, mib(v.p50), mib(v.min), mib(v.max));
    });
    const pluginTotal = pluginNames.reduce((sum, name) => sum + pluginMedian(name).p50, 0);
    /** Samples whose young generation was given back (the memory reducer ran) by the second reading. */
    const reduced = (v: Variant) => {
      const list = idle.get(v) ?? [];
      return `${list.filter((x) => x.settled.heap.newSpace < x.early.heap.newSpace).length} of ${list.length}`;
    };
    const memoryTable: Table = {
      title: 'Agent idle memory: echo executor + webhook and schedule sources, one idle bot',
      centralHeader: 'median',
      spreadHeader: 'min',
      rows: [
        ...idleRows,
        row(
          `  defaults, ${settledLabel}: node binary pages (shared) / private (anonymous)`,
          `${med((x) => x.settled.binary)} / ${med((x) => x.settled.anonymous)}`,
          '-',
          '-',
        ),
        row(
          '  defaults: V8 heap used / total (young generation), 2 s → end',
          `${med((x) => bytesMiB(x.early.heap.heapUsed))} / ${med((x) => bytesMiB(x.early.heap.heapTotal))} (${med((x) => bytesMiB(x.early.heap.newSpace))}) → ${med((x) => bytesMiB(x.settled.heap.heapUsed))} / ${med((x) => bytesMiB(x.settled.heap.heapTotal))} (${med((x) => bytesMiB(x.settled.heap.newSpace))})`,
          '-',
          '-',
        ),
        row('reference: bare `node -e` idle process', mib(bareRss), '-', '-'),
        ...pluginRows,
        row(
          `agent (defaults, ${settledLabel}) + plugins`,
          mib(summarize(baseIdle.map((x) => x.settled.rss)).p50 + pluginTotal),
          '-',
          '-',
        ),
      ],
      notes: [
        `${samples} start(s) per variant of \`node .cache/bench/agent-child.mjs\` (the agent code bundled with esbuild, dependencies from node_modules, split like dist/; no source maps; the image variant runs .cache/bench/${imageProgram} instead), the variants side by side; plugins installed from a file:// repository published in the run. RSS from /proc/<pid>/smaps: the node binary's pages are file-backed and shared with every node process (the plugins too); the private part is the V8 heap and malloc.`,
        `Two readings because start-up grows V8's young generation to its maximum (2 × 16 MiB by default) and, unless the agent collects at ready as \`switchboard start\` does (src/cli/start-memory.ts), only V8's memory reducer gives it back, once it sees the process idle. Young generation smaller at the second reading than at the first: ${variants
          .filter((v) => !v.cli)
          .map((v) => `${v.label} ${reduced(v)}`)
          .join('; ')}.`,
        `The \`switchboard start\` rows run the CLI itself (\`node bin/run.js start --config cli.yaml\`: oclif, the real logger at warn, config watching, the web console on a free port in place of the bench bot; same plugins) from dist/bundle/ as \`npm run build\` makes it, and from tsc's module tree in dist/ through bench/agent-cli-tree.mjs (oclif from node_modules, no oclif.manifest.json: how the package ran before). Both release start-up memory at ready (src/cli/commands/start.ts).`,
        `Spawn to ready: ${variants.map((v) => `${v.label} ${(idle.get(v) ?? []).map((x) => ms(x.startMs)).join(', ')}`).join('; ')}.`,
      ],
    };

    const baseRuns = streamed.get(base) ?? [];
    const baseRate = summarize(baseRuns.map((x) => x.rate));
    const baseCpu = summarize(baseRuns.map((x) => x.cpuMs));
    const streamRows = streaming.flatMap((v) => {
      const runs = streamed.get(v) ?? [];
      const rate = summarize(runs.map((x) => x.rate));
      const cpu = summarize(runs.map((x) => x.cpuMs));
      const minor = summarize(runs.map((x) => x.gc.minor));
      const minorMs = summarize(runs.map((x) => x.gc.minorMs));
      const major = summarize(runs.map((x) => x.gc.major));
      const peak = summarize(runs.map((x) => x.maxRssKiB / 1024));
      const vsBase = (value: number, baseline: number, format: (n: number) => string) =>
        v === base
          ? { baseline: '(baseline)' }
          : { baseline: format(baseline), ratio: ratio(value / baseline) };
      return [
        row(
          `${v.label}: events represented per second`,
          perSecond(rate.p50),
          perSecond(rate.min),
          perSecond(rate.max),
          vsBase(rate.p50, baseRate.p50, perSecond),
        ),
        row(
          '  CPU time of the agent process, start + stream',
          ms(cpu.p50),
          ms(cpu.min),
          ms(cpu.max),
          vsBase(cpu.p50, baseCpu.p50, ms),
        ),
        row(
          '  scavenges (their time) / mark-compacts',
          `${minor.p50.toFixed(0)} (${ms(minorMs.p50)}) / ${major.p50.toFixed(0)}`,
          `${minor.min.toFixed(0)} (${ms(minorMs.min)}) / ${major.min.toFixed(0)}`,
          `${minor.max.toFixed(0)} (${ms(minorMs.max)}) / ${major.max.toFixed(0)}`,
        ),
        row('  peak RSS (VmHWM)', mib(peak.p50), mib(peak.min), mib(peak.max)),
      ];
    });
    const streamTable: Table = {
      title: `Agent child process streaming ${events.toLocaleString('en-US')} fixture events to an unpaced bot: young generation size`,
      centralHeader: 'median',
      spreadHeader: 'min',
      rows: streamRows,
      notes: [
        `${rounds} round(s), the variants alternating, each a fresh child agent with the fixture source (intervalMs 0, stamped events) and default delivery settings; rate read as in the first table. CPU time (process.cpuUsage) and GCs (PerformanceObserver) from just before agent.start() until the last event was represented.`,
      ],
    };
    return {
      tables: [memoryTable, streamTable],
      data: {
        target,
        settleMs,
        semiSpaceMiB,
        bareNode: bareRss,
        idle: Object.fromEntries(
          variants.map((v) => [
            v.label,
            (idle.get(v) ?? []).map((x) => ({ ...x, plugins: Object.fromEntries(x.plugins) })),
          ]),
        ),
        streamed: Object.fromEntries(streaming.map((v) => [v.label, streamed.get(v)])),
      },
    };
  } finally {
    await Promise.all([work, published.dir].map((d) => rm(d, { recursive: true, force: true })));
  }
}
