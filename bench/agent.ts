import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { type Agent, createAgent } from '../src/app/agent.js';
import type { Bot, BotStatus, InboundCommand } from '../src/bots/bot.js';
import { loadConfig } from '../src/config/load.js';
import type { DestinationCapabilities, Outbound, PostedRef } from '../src/delivery/destination.js';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { launchPlugin } from '../src/plugins/host/plugin-instance.js';
import { createSourceClient } from '../src/plugins/host/source-client.js';
import { buildPlugins } from '../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../src/plugins/publish/index-builder.js';
import { encodeEvent, plaintextMessage } from '../src/sdk/index.js';
import { type BenchContext, type BenchResult, silentLogger, sleep, track } from './lib/context.js';
import { type Table, type TableRow, verdict } from './lib/report.js';
import { ms, perSecond, ratio, type Summary, summarize } from './lib/stats.js';

/**
 * Agent benchmarks (issue 4):
 * - `agentEvents`: source events through the whole agent path (repository install →
 *   supervisor → stream → dispatcher → outbox → Bot.deliver) against a direct
 *   createSourceClient read of the same fixture; plus delivery latency.
 * - `agentRss`: idle RSS of an agent (in a child Node process) with three plugins.
 */

const group = 'ticks';
const targetEventBytes = 256;
const machinePlatform = { os: 'linux' as const, arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };

/** Padding that makes the fixture's event JSON about 256 B (as bench/stream-throughput.ts computes it). */
function paddingFor(count: number, sourceName: string): number {
  const i = Math.floor(count / 2);
  const bare = encodeEvent({
    message: plaintextMessage(`tick ${i} from ${sourceName}`),
    rawObject: { i, source: sourceName, cluster: 'bench', padding: '' },
    analyticsLabels: { kind: 'tick' },
  }).length;
  return Math.max(0, targetEventBytes - bare);
}

/** A test platform: one idle bot that timestamps every delivered message. */
class BenchBot implements Bot {
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = {
    edit: true,
    files: true,
    threads: true,
    interactive: true,
    maxMessageLength: 4000,
  };
  /** Date.now() / performance.now() at each deliver, with the tick number parsed from the text (0 if none). */
  readonly delivered: { at: number; perf: number; i: number; timestamp?: Date | string }[] = [];
  #n = 0;
  #started = false;
  onDeliver: (() => void) | undefined;

  constructor(readonly id: string) {}

  async deliver(outbound: Outbound): Promise<PostedRef> {
    const perf = performance.now();
    const text = outbound.message.baseBody.plaintext ?? '';
    const match = /^tick (\d+) /.exec(text);
    this.delivered.push({
      at: Date.now(),
      perf,
      i: match ? Number(match[1]) : 0,
      ...(outbound.message.timestamp ? { timestamp: outbound.message.timestamp } : {}),
    });
    this.#n += 1;
    this.onDeliver?.();
    return { channelId: outbound.address.channelId, messageId: String(this.#n) };
  }

  async start(_onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#started = false;
  }

  status(): BotStatus {
    return { state: this.#started ? 'connected' : 'stopped', reconnects: 0 };
  }

  mentionPattern(): RegExp {
    return /^@switchboard\b/i;
  }
}

/**
 * Publishes the source fixture and the echo, webhook and schedule plugins into a
 * temporary repository with the real publish functions (buildPlugins + buildIndex).
 */
async function publishRepository(repoRoot: string): Promise<{ dir: string; index: string }> {
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-agent-repo-'));
  const pluginsDir = join(work, 'plugins');
  const manifestDir = join(pluginsDir, 'bench');
  await mkdir(manifestDir, { recursive: true });
  const entry = (path: string) => relative(manifestDir, join(repoRoot, path));
  await writeFile(
    join(manifestDir, 'plugin.json'),
    JSON.stringify([
      { type: 'source', name: 'fixture-source', entry: entry('test/fixtures/plugins/source-fixture.ts') },
      { type: 'executor', name: 'echo', entry: entry('plugins/echo/main.ts') },
      { type: 'source', name: 'webhook', entry: entry('plugins/webhook/main.ts') },
      { type: 'source', name: 'schedule', entry: entry('plugins/schedule/main.ts') },
    ]),
  );
  const repo = join(work, 'repo');
  await mkdir(repo);
  await buildPlugins({ pluginsDir, outputDir: repo, rootDir: repoRoot, platforms: [machinePlatform] });
  const index = join(repo, 'index.yaml');
  await buildIndex({ binariesPath: repo, urlBasePath: '.', outputFile: index, logger: silentLogger });
  return { dir: work, index };
}

function configYaml(opts: {
  index: string;
  cacheDir: string;
  executors: string;
  sources: string;
  groups: string[];
}) {
  return `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [${opts.executors ? 'tools' : ''}], sources: [${opts.groups.join(', ')}]}}
${opts.executors ? `executors:\n  tools:\n${opts.executors}\n` : ''}sources:
${opts.sources}
settings:
  clusterName: bench
plugins:
  cacheDir: ${opts.cacheDir}
  repositories:
    bench: {url: "file://${opts.index}"}
`;
}

async function startAgent(yaml: string, dir: string, bot: BenchBot): Promise<Agent> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  const { config } = await loadConfig({ files: [file] });
  const agent = createAgent(config, {
    logger: silentLogger,
    version: '0.0.0-bench',
    stateDir: join(dir, 'state'),
    createPlatform: (instance) => (instance.platform === 'console' ? bot : undefined),
    ports: { operations: 0, webhooks: 0 },
  });
  await agent.start();
  return agent;
}

const fixtureSource = (config: string) =>
  `  ${group}:\n    bench/fixture-source: {enabled: true, config: ${config}}`;

function waitForDeliveries(bot: BenchBot, n: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${bot.delivered.length} of ${n} events delivered in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const check = () => {
      if (bot.delivered.length >= n) {
        clearTimeout(timer);
        bot.onDeliver = undefined;
        resolve();
      }
    };
    bot.onDeliver = check;
    check();
  });
}

/** Events per second between the first and the last event (start-up excluded). */
const firstToLast = (times: number[]) =>
  (times.length - 1) / (((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000);

function row(
  measurement: string,
  central: string,
  spread: string,
  max: string,
  extra?: Partial<TableRow>,
): TableRow {
  return {
    measurement,
    central,
    spread,
    max,
    baseline: '-',
    ratio: '-',
    target: '',
    result: 'info',
    ...extra,
  };
}

export async function agentEvents(ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 5000 : 20_000;
  const rounds = ctx.quick ? 1 : 3;
  const slow = { count: 200, intervalMs: 5 };
  const scheduleSeconds = ctx.quick ? 3 : 6;
  const schedules = 5;
  const published = await publishRepository(ctx.repoRoot);
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-agent-'));
  const cacheDir = join(work, 'cache');
  const padding = paddingFor(count, group);
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
  /** Host arrival times (performance.now()) of a direct createSourceClient read, and the time of the call. */
  const rawRead = async (n: number, intervalMs: number) => {
    const yaml = `count: ${n}\nintervalMs: ${intervalMs}\nclose: true\npayloadBytes: ${padding}\n`;
    const times: number[] = [];
    const t0 = performance.now();
    for await (const _event of client.stream({ config: new TextEncoder().encode(yaml), context })) {
      times.push(performance.now());
    }
    if (times.length !== n) throw new Error(`raw stream ended after ${times.length} of ${n} events`);
    return { t0, times };
  };
  /** Delivery times of `n` fixture events through a fresh agent (stream kept open so it is not re-opened). */
  const agentRun = async (n: number, intervalMs: number) => {
    const bot = new BenchBot('default/console');
    const t = performance.now();
    const agent = await startAgent(
      configYaml({
        index: published.index,
        cacheDir,
        executors: '',
        sources: fixtureSource(
          `{count: ${n}, intervalMs: ${intervalMs}, close: false, payloadBytes: ${padding}}`,
        ),
        groups: [group],
      }),
      work,
      bot,
    );
    const started = performance.now();
    try {
      await waitForDeliveries(bot, n, 120_000);
      await sleep(50);
    } finally {
      await agent.stop();
    }
    if (bot.delivered.length !== n) throw new Error(`agent delivered ${bot.delivered.length} of ${n} events`);
    const order = bot.delivered.every((d, k) => d.i === k + 1);
    return { t, started, delivered: bot.delivered, order };
  };

  try {
    // Warm-up: the first agent run installs into the cache; both paths get JIT-warm.
    await rawRead(2000, 0);
    await agentRun(2000, 0);
    const raw: number[] = [];
    const viaAgent: number[] = [];
    let inOrder = true;
    for (let r = 0; r < rounds; r++) {
      raw.push(firstToLast((await rawRead(count, 0)).times));
      const run = await agentRun(count, 0);
      inOrder &&= run.order;
      viaAgent.push(firstToLast(run.delivered.map((d) => d.perf)));
    }
    const [rawS, agentS] = [summarize(raw), summarize(viaAgent)];

    // Latency at a low rate: lateness of event i behind its nominal emit time t0 + (i-1)·5 ms.
    const nominal = (i: number) => (i - 1) * slow.intervalMs;
    const rawSlow = await rawRead(slow.count, slow.intervalMs);
    const rawLate = rawSlow.times.map((t, k) => t - (rawSlow.times[0] ?? 0) - nominal(k + 1));
    const agentSlow = await agentRun(slow.count, slow.intervalMs);
    const agentFirst = agentSlow.delivered[0]?.perf ?? 0;
    const agentLate = agentSlow.delivered.map((d) => d.perf - agentFirst - nominal(d.i));
    const firstEvent = { raw: (rawSlow.times[0] ?? 0) - rawSlow.t0, agent: agentFirst - agentSlow.started };
    const [rawL, agentL] = [summarize(rawLate), summarize(agentLate)];
    // Jitter: gaps between consecutive arrivals (5 ms plus the fixture's timer drift in both rows).
    const gaps = (t: number[]) => summarize(t.slice(1).map((v, k) => v - (t[k] ?? 0)));
    const rawGap = gaps(rawSlow.times);
    const agentGap = gaps(agentSlow.delivered.map((d) => d.perf));

    // Absolute latency: schedule plugin events carry firedAt as message.timestamp (same clock).
    const bot = new BenchBot('default/console');
    const entries = Array.from(
      { length: schedules },
      (_, k) => `{name: s${k}, cron: "* * * * * *", message: "tick from s${k}"}`,
    ).join(', ');
    const agent = await startAgent(
      configYaml({
        index: published.index,
        cacheDir,
        executors: '',
        sources: `  clock:\n    bench/schedule: {enabled: true, config: {schedules: [${entries}]}}`,
        groups: ['clock'],
      }),
      work,
      bot,
    );
    await sleep(scheduleSeconds * 1000 + 200);
    await agent.stop();
    const scheduleLatency = summarize(
      bot.delivered
        .filter((d) => d.timestamp !== undefined)
        .map((d) => d.at - new Date(d.timestamp as string).getTime()),
    );

    const lat = (s: Summary) => [ms(s.p50), ms(s.p99), ms(s.max)] as const;
    const table: Table = {
      title: `Agent source path: fixture events of ~${targetEventBytes} B → stream → dispatcher → outbox → Bot.deliver`,
      centralHeader: 'median / p50',
      spreadHeader: 'min / p99',
      rows: [
        row(
          `raw createSourceClient read, ${count.toLocaleString('en-US')} events, intervalMs 0`,
          perSecond(rawS.p50),
          perSecond(rawS.min),
          perSecond(rawS.max),
          { baseline: '(baseline)' },
        ),
        row(
          `through the agent to Bot.deliver, ${count.toLocaleString('en-US')} events`,
          perSecond(agentS.p50),
          perSecond(agentS.min),
          perSecond(agentS.max),
          { baseline: perSecond(rawS.p50), ratio: ratio(agentS.p50 / rawS.p50) },
        ),
        row(`raw read, ${slow.count} events at 5 ms: lateness vs nominal`, ...lat(rawL)),
        row(`agent, ${slow.count} events at 5 ms: lateness vs nominal`, ...lat(agentL)),
        row(`raw read, ${slow.count} events at 5 ms: gap between arrivals`, ...lat(rawGap)),
        row(`agent, ${slow.count} events at 5 ms: gap between deliveries`, ...lat(agentGap)),
        row(
          `schedule plugin firedAt → Bot.deliver (${schedules} schedules/s, ${scheduleLatency.n} events)`,
          ...lat(scheduleLatency),
        ),
      ],
      notes: [
        `Throughput = (events − 1) / (last − first arrival), so start-up is excluded; ${rounds} round(s) per row, raw and agent alternating, after a 2,000-event warm-up of each. Agent runs start a fresh agent (warm plugin cache) each time; events kept in order: ${inOrder}.`,
        `The agent path has no delivery pacing yet (issue 5): Bot.deliver resolves at once, so this is the bridge overhead, not a chat platform's rate.`,
        `Lateness: the fixture has no emit timestamp, so event i is compared with a nominal emit time first-arrival + (i − 1)·5 ms; it grows with the fixture's setTimeout drift, which differs from run to run, so these rows bound drift plus bridge delay and are not a latency of the bridge alone; the gap rows show whether the agent adds jitter. First event after the call / agent start: raw ${ms(firstEvent.raw)}, agent ${ms(firstEvent.agent)}.`,
        `Absolute latency: the schedule plugin stamps each event's message.timestamp with firedAt (Date, ms resolution) in the plugin process; Bot.deliver records Date.now() on the same machine.`,
      ],
    };
    return {
      tables: [table],
      data: {
        count,
        rounds,
        padding,
        raw: rawS,
        agent: agentS,
        ratio: agentS.p50 / rawS.p50,
        inOrder,
        slow: { raw: rawL, agent: agentL, rawGap, agentGap, firstEvent },
        schedule: scheduleLatency,
      },
    };
  } finally {
    await source.stop();
    await Promise.all([work, published.dir].map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** VmRSS of a process in MiB, from /proc (NaN when gone or not Linux). */
async function rssMiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const mib = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} MiB` : '-');

/**
 * Child side of `agentRss` (bundled by bench/run.mjs to .cache/bench/agent-child.mjs):
 * starts an agent from SB_BENCH_AGENT_CONFIG with an idle bot, prints one JSON
 * line when ready, stops on SIGTERM.
 */
export async function runAgentChild(): Promise<void> {
  const file = process.env.SB_BENCH_AGENT_CONFIG;
  if (!file) throw new Error('SB_BENCH_AGENT_CONFIG is not set');
  const { config } = await loadConfig({ files: [file] });
  const dir = join(file, '..');
  const agent = createAgent(config, {
    logger: silentLogger,
    version: '0.0.0-bench',
    stateDir: join(dir, 'state'),
    createPlatform: (instance) => (instance.platform === 'console' ? new BenchBot(instance.id) : undefined),
    ports: { operations: 0, webhooks: 0 },
  });
  await agent.start();
  const status = agent.status();
  process.stdout.write(`${JSON.stringify({ ready: status.ready, plugins: status.plugins })}\n`);
  process.once('SIGTERM', () => {
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

export async function agentRss(ctx: BenchContext): Promise<BenchResult> {
  const published = await publishRepository(ctx.repoRoot);
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-agent-rss-'));
  const configFile = join(work, 'config.yaml');
  await writeFile(
    configFile,
    configYaml({
      index: published.index,
      cacheDir: join(work, 'cache'),
      executors: '    bench/echo: {enabled: true, config: {prefix: "echo: "}}',
      sources:
        '  hooks:\n    bench/webhook: {enabled: true}\n' +
        '  clock:\n    bench/schedule: {enabled: true, config: {schedules: [{name: hb, cron: "0 0 1 1 *", message: "new year"}]}}',
      groups: ['hooks', 'clock'],
    }),
  );
  const samples = ctx.quick ? 1 : 3;
  const agentRss: number[] = [];
  const pluginRss = new Map<string, number[]>();
  const startMs: number[] = [];
  try {
    for (let s = 0; s < samples; s++) {
      const t = performance.now();
      const child = spawn(process.execPath, [join(ctx.outDir, 'agent-child.mjs')], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, SB_BENCH_AGENT_CONFIG: configFile },
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        const line = await new Promise<string>((resolve, reject) => {
          const rl = createInterface({ input: child.stdout });
          rl.once('line', resolve);
          child.once('exit', (code) => reject(new Error(`agent child exited (${code}) before ready`)));
          setTimeout(() => reject(new Error('agent child not ready in 60 s')), 60_000);
        });
        startMs.push(performance.now() - t);
        const ready = JSON.parse(line) as { ready: boolean; plugins: { name: string; pid?: number }[] };
        if (!ready.ready) throw new Error('agent child did not report ready');
        await sleep(2000);
        agentRss.push(await rssMiB(child.pid as number));
        for (const p of ready.plugins) {
          const list = pluginRss.get(p.name) ?? [];
          list.push(p.pid ? await rssMiB(p.pid) : Number.NaN);
          pluginRss.set(p.name, list);
        }
      } finally {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    await sleep(1000);
    const bareRss = await rssMiB(bare.pid as number);
    bare.kill('SIGKILL');
    const a = summarize(agentRss);
    const target = 80;
    const pluginRows = [...pluginRss.entries()]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([name, values]) => {
        const v = summarize(values);
        return row(`plugin process ${name}, idle`, mib(v.p50), mib(v.min), mib(v.max));
      });
    const total = a.p50 + [...pluginRss.values()].reduce((sum, v) => sum + summarize(v).p50, 0);
    const table: Table = {
      title: 'Agent idle memory: echo executor + webhook and schedule sources, one idle bot',
      centralHeader: 'median',
      spreadHeader: 'min',
      rows: [
        row('agent process (child node), ready + 2 s', mib(a.p50), mib(a.min), mib(a.max), {
          target: `≤ ${target} MiB`,
          result: verdict(a.p50 <= target),
        }),
        row('reference: bare `node -e` idle process', mib(bareRss), '-', '-'),
        ...pluginRows,
        row('agent + plugins', mib(total), '-', '-'),
      ],
      notes: [
        `${samples} agent start(s) in a child \`node .cache/bench/agent-child.mjs\` (the agent code bundled with esbuild, dependencies from node_modules), plugins installed from a file:// repository published in the run; VmRSS from /proc/<pid>/status.`,
        `Time from spawn to ready (install from cache on later starts): ${startMs.map((v) => ms(v)).join(', ')}.`,
      ],
    };
    return {
      tables: [table],
      data: {
        agent: a,
        plugins: Object.fromEntries([...pluginRss.entries()].map(([k, v]) => [k, summarize(v)])),
        total,
        target,
        pass: a.p50 <= target,
        startMs,
        bareNode: bareRss,
      },
    };
  } finally {
    await Promise.all([work, published.dir].map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** `npm run bench -- agent`: both agent benchmarks, one after the other. */
export async function agentBench(ctx: BenchContext): Promise<BenchResult> {
  const events = await agentEvents(ctx);
  const rss = await agentRss(ctx);
  return { tables: [...events.tables, ...rss.tables], data: { events: events.data, rss: rss.data } };
}
