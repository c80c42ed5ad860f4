import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Logger } from '../../src/log/logger.js';
import type { PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import type { Table } from './report.js';

export const benchmarkNames = [
  'cold-start',
  'execute',
  'stream',
  'repo-install',
  'agent',
  'slack',
  'discord',
  'rocketchat',
  'storm',
  'console',
  'queue',
  'warm-start',
  'many-plugins',
  'stream-fanout',
  'kube',
  'ha',
  'ha-agents',
  'stream-cursors',
] as const;
export type BenchmarkName = (typeof benchmarkNames)[number];

/** What bench/run.mjs built and chose, handed to the harness as JSON. */
export interface BenchContext {
  repoRoot: string;
  /** .cache/bench: bundles, Go binaries, last.json. */
  outDir: string;
  /** bench/results: timestamped raw output (gitignored). */
  resultsDir: string;
  quick: boolean;
  selected: BenchmarkName[];
  command: string;
  fixtures: {
    /** test/fixtures/plugins/executor-fixture.ts, bundled like a real plugin. */
    executor: string;
    source: string;
    /** Prints a go-plugin handshake line with `writeSync` and nothing else. */
    handshakeOnly: string;
    /** Loads the bundled `@grpc/grpc-js`, then prints the same line. */
    grpcHandshake: string;
    /** Experiment: the executor fixture as a CommonJS bundle. */
    executorCjs: string;
    /** Experiment: that bundle compiled through vm.Script with a V8 code cache (written by the benchmark). */
    executorCodeCache: string;
  };
  /** The go-plugin executor fixture, or why it is missing. */
  go: { executor: string } | { error: string };
}

export function readContext(path: string): BenchContext {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchContext;
}

/** What one benchmark hands back: printed tables plus raw numbers for last.json. */
export interface BenchResult {
  tables: Table[];
  data: Record<string, unknown>;
}

/** The host logger: a real pino logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Plugins started by the harness, killed if a benchmark crashes. */
export const livePlugins = new Set<PluginInstance>();

export function track(instance: PluginInstance): PluginInstance {
  livePlugins.add(instance);
  instance.exited.then(() => livePlugins.delete(instance));
  return instance;
}

export async function killAll(): Promise<void> {
  await Promise.all([...livePlugins].map((p) => p.kill()));
}

/** User + system CPU time of a process in milliseconds, from /proc (Linux only; NaN elsewhere). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ; 100 on every mainstream Linux build. */
const clockTicksPerSecond = 100;

export const sleep = (msDelay: number) => new Promise<void>((resolve) => setTimeout(resolve, msDelay));

/** CPU accounting at one instant, to tell how busy the machine was apart from the benchmark. */
export interface CpuSnapshot {
  wallMs: number;
  /** Busy time of all CPUs (user, nice, system, irq, softirq), from /proc/stat. */
  busyMs: number;
  stealMs: number;
  /** This process plus its reaped children (the plugins it ran), from /proc/self/stat. */
  ownMs: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const wallMs = performance.now();
  try {
    const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const own = (fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0);
    const tick = 1000 / clockTicksPerSecond;
    return {
      wallMs,
      busyMs: (user + nice + system + irq + softirq) * tick,
      stealMs: steal * tick,
      ownMs: own * tick,
    };
  } catch {
    return { wallMs, busyMs: Number.NaN, stealMs: Number.NaN, ownMs: Number.NaN };
  }
}

/** Share of the machine's CPUs used by other processes (and stolen by the hypervisor) between two snapshots. */
export function contention(
  a: CpuSnapshot,
  b: CpuSnapshot,
  cpuCount: number,
): { othersPct: number; stealPct: number } {
  const capacity = (b.wallMs - a.wallMs) * cpuCount;
  return {
    othersPct: (100 * Math.max(0, b.busyMs - a.busyMs - (b.ownMs - a.ownMs))) / capacity,
    stealPct: (100 * (b.stealMs - a.stealMs)) / capacity,
  };
}
