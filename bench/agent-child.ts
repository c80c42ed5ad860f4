import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics } from 'node:v8';
import { createAgent } from '../src/app/agent.js';
import { releaseStartMemory } from '../src/cli/start-memory.js';
import { loadConfig } from '../src/config/load.js';
import { BenchBot, readRun } from './lib/bench-bot.js';
import { silentLogger } from './lib/context.js';
import { summarize } from './lib/stats.js';

/**
 * The agent in a child process, for numbers the harness process would blur: its own RSS, and
 * its own heap flags (NODE_OPTIONS) and garbage collections. bench/run.mjs bundles this (via
 * bench/agent.ts) to .cache/bench/agent-child.mjs.
 *
 * It starts an agent from SB_BENCH_AGENT_CONFIG with a bench bot as the console platform and
 * writes one JSON line per report to stdout, each under a `bench*` key (plugin log lines share
 * stdout): `benchReady` with the plugin pids; then, with SB_BENCH_AGENT_EVENTS=<n>, `benchEvents`
 * once n events are represented (rate, messages, GCs, CPU time, peak RSS); `benchHeap` for every
 * `heap` line on stdin, and `benchCount` (events represented so far) for every `count` line. It
 * stops on SIGTERM.
 */
export async function runAgentChild(): Promise<void> {
  const file = process.env.SB_BENCH_AGENT_CONFIG;
  if (!file) throw new Error('SB_BENCH_AGENT_CONFIG is not set');
  const events = Number(process.env.SB_BENCH_AGENT_EVENTS ?? 0);
  const report = (key: string, value: unknown) =>
    process.stdout.write(`${JSON.stringify({ [key]: value })}\n`);
  const { config } = await loadConfig({ files: [file] });
  let bot: BenchBot | undefined;
  const agent = createAgent(config, {
    logger: silentLogger,
    version: '0.0.0-bench',
    // One state directory per child: agents side by side must not share a delivery queue file.
    stateDir: join(file, '..', `state-${process.pid}`),
    createPlatform: (instance) => {
      if (instance.platform !== 'console') return undefined;
      bot = new BenchBot(instance.id);
      return bot;
    },
    ports: { operations: 0, webhooks: 0 },
  });
  process.once('SIGTERM', () => {
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    // The Kubernetes bench cannot know its event total in advance (marker objects go in until a
    // watch reports one), so it polls the count instead of setting SB_BENCH_AGENT_EVENTS.
    if (line.trim() === 'count') {
      report('benchCount', { represented: bot?.represented ?? 0 });
      return;
    }
    if (line.trim() !== 'heap') return;
    const { heapTotal, heapUsed, external } = process.memoryUsage();
    // The young generation: what V8's memory reducer gives back once the process is idle.
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    report('benchHeap', { heapTotal, heapUsed, external, newSpace });
  });

  const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.minor += 1;
        gc.minorMs += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.major += 1;
        gc.majorMs += entry.duration;
      }
    }
  });
  if (events > 0) observer.observe({ entryTypes: ['gc'] });
  const cpuBefore = process.cpuUsage();

  await agent.start();
  const status = agent.status();
  if (!status.ready) throw new Error('the agent did not report ready');
  report('benchReady', { plugins: status.plugins.map((p) => ({ name: p.name, pid: p.pid })) });
  // As `switchboard start` does once the agent is ready (src/cli/commands/start.ts); the
  // benchmark's "before" variant leaves it out.
  if (process.env.SB_BENCH_KEEP_START_GARBAGE !== '1') await releaseStartMemory();
  if (events > 0) {
    if (!bot) throw new Error('the config has no console platform for the bench bot');
    await bot.waitFor(events, 120_000);
    observer.disconnect();
    const { latencies, ...reading } = readRun(bot.received);
    report('benchEvents', {
      ...reading,
      latency: summarize(latencies),
      gc,
      cpuMs: (() => {
        const { user, system } = process.cpuUsage(cpuBefore);
        return (user + system) / 1000;
      })(),
      // Peak RSS of the process so far (VmHWM), in KiB.
      maxRssKiB: process.resourceUsage().maxRSS,
    });
  }
}
