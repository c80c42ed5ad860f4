/**
 * Benchmark harness. bench/run.mjs bundles this file (with the host code it
 * imports) to .cache/bench/harness.mjs and runs it with the path of a context
 * JSON in SWITCHBOARD_BENCH_CONTEXT. Prints one table per benchmark and writes
 * .cache/bench/last.json; exits non-zero only when a benchmark crashed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { agentBench } from './agent.js';
import { coldStart } from './cold-start.js';
import { consoleRtt } from './console-rtt.js';
import { discordBench } from './discord.js';
import { executeRtt } from './execute-rtt.js';
import { haAgentsBench } from './ha-agents.js';
import { haFailoverBench } from './ha-failover.js';
import { kubeBench } from './kube.js';
import {
  type BenchContext,
  type BenchmarkName,
  type BenchResult,
  contention,
  cpuSnapshot,
  killAll,
  readContext,
} from './lib/context.js';
import { renderTable } from './lib/report.js';
import { manyPlugins } from './many-plugins.js';
import { queueStoreBench } from './queue-store.js';
import { repoInstall } from './repo-install.js';
import { rocketChatBench } from './rocketchat.js';
import { slackBench } from './slack.js';
import { stormBench } from './storm.js';
import { streamCursorsBench } from './stream-cursors.js';
import { streamFanout } from './stream-fanout.js';
import { streamThroughput } from './stream-throughput.js';
import { warmStart } from './warm-start.js';

const benchmarks: Record<BenchmarkName, (ctx: BenchContext) => Promise<BenchResult>> = {
  'cold-start': coldStart,
  execute: executeRtt,
  stream: streamThroughput,
  'repo-install': repoInstall,
  agent: agentBench,
  slack: slackBench,
  discord: discordBench,
  rocketchat: rocketChatBench,
  storm: stormBench,
  console: consoleRtt,
  queue: queueStoreBench,
  'warm-start': warmStart,
  'many-plugins': manyPlugins,
  'stream-fanout': streamFanout,
  kube: kubeBench,
  ha: haFailoverBench,
  'ha-agents': haAgentsBench,
  'stream-cursors': streamCursorsBench,
};

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    // Not Linux.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function grpcJsVersion(repoRoot: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'node_modules/@grpc/grpc-js/package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const contextPath = process.env.SWITCHBOARD_BENCH_CONTEXT;
  if (!contextPath) {
    process.stderr.write('run the benchmarks with `npm run bench` (bench/run.mjs builds what they need)\n');
    return 2;
  }
  const ctx = readContext(contextPath);
  const machine = {
    nproc: cpus().length,
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    grpcJs: grpcJsVersion(ctx.repoRoot),
    platform: `${process.platform}/${process.arch}`,
  };
  const startedAt = new Date();
  const load = loadavg()[0] ?? 0;
  process.stdout.write(
    `Switchboard benchmarks${ctx.quick ? ' (--quick)' : ''}: ${ctx.selected.join(', ')}\n` +
      `machine: ${machine.nproc} vCPU ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
      `@grpc/grpc-js ${machine.grpcJs}; load average (1 min) at start ${load.toFixed(2)}\n\n`,
  );
  if (load > 1) {
    process.stdout.write(
      `warning: the machine is already busy (load ${load.toFixed(2)} on ${machine.nproc} vCPU); numbers will be noisy\n\n`,
    );
  }

  const results: Record<string, unknown> = {};
  let crashed = 0;
  for (const name of ctx.selected) {
    const t = performance.now();
    const before = cpuSnapshot();
    try {
      const result = await benchmarks[name](ctx);
      const busy = contention(before, cpuSnapshot(), machine.nproc);
      for (const table of result.tables) process.stdout.write(`${renderTable(table)}\n`);
      process.stdout.write(
        `(${name}: ${((performance.now() - t) / 1000).toFixed(1)} s; other processes used ` +
          `${busy.othersPct.toFixed(1)}% and the hypervisor stole ${busy.stealPct.toFixed(1)}% of the ` +
          `${machine.nproc} vCPUs meanwhile)\n\n`,
      );
      results[name] = {
        ...result.data,
        tables: result.tables,
        seconds: (performance.now() - t) / 1000,
        contention: busy,
      };
    } catch (err) {
      crashed++;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stdout.write(`### ${name}: CRASHED\n\n${message}\n\n`);
      results[name] = { crashed: true, error: message };
      await killAll();
    }
  }

  const report = {
    command: ctx.command,
    loadAverageAtStart: load,
    quick: ctx.quick,
    date: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    machine,
    results,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(ctx.outDir, 'last.json'), json);
  mkdirSync(ctx.resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(ctx.resultsDir, `bench-${stamp}${ctx.quick ? '-quick' : ''}.json`), json);
  process.stdout.write(`wrote ${join(ctx.outDir, 'last.json')} (total ${report.seconds.toFixed(1)} s)\n`);
  return crashed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`benchmark harness failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    await killAll();
    process.exit(1);
  },
);
