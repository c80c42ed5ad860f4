import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Agent, createAgent } from '../src/app/agent.js';
import { loadConfig } from '../src/config/load.js';
import { buildPlugins } from '../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../src/plugins/publish/index-builder.js';
import { encodeEvent, plaintextMessage } from '../src/sdk/index.js';
import type { BenchBot } from './lib/bench-bot.js';
import { silentLogger } from './lib/context.js';

/** What the agent benchmarks share: the published repository, configs, and an in-process agent. */

export const group = 'ticks';
export const targetEventBytes = 256;
const machinePlatform = { os: 'linux' as const, arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };

/**
 * Padding that makes the fixture's event JSON about 256 B (as bench/stream-throughput.ts
 * computes it), counting the emit timestamp the fixture stamps for latency.
 */
export function paddingFor(count: number, sourceName: string): number {
  const i = Math.floor(count / 2);
  const message = plaintextMessage(`tick ${i} from ${sourceName}`);
  message.timestamp = new Date();
  const bare = encodeEvent({
    message,
    rawObject: { i, source: sourceName, cluster: 'bench', padding: '' },
    analyticsLabels: { kind: 'tick' },
  }).length;
  return Math.max(0, targetEventBytes - bare);
}

/**
 * Publishes the source fixture and the echo, webhook and schedule plugins into a
 * temporary repository with the real publish functions (buildPlugins + buildIndex).
 */
export async function publishRepository(repoRoot: string): Promise<{ dir: string; index: string }> {
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

export interface AgentYaml {
  index: string;
  cacheDir: string;
  /** Executor entries of the `tools` group (YAML lines), or '' for none. */
  executors: string;
  /** The `sources:` body (YAML lines). */
  sources: string;
  /** Source groups bound to the channel. */
  groups: string[];
  /** `settings.delivery.groupWait`; the default (250ms) when absent. */
  groupWait?: string;
}

/** An agent config with one console channel (the bench bot takes its place) bound to `groups`. */
export function configYaml(opts: AgentYaml): string {
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
${opts.groupWait ? `  delivery: {groupWait: ${opts.groupWait}}\n` : ''}plugins:
  cacheDir: ${opts.cacheDir}
  repositories:
    bench: {url: "file://${opts.index}"}
`;
}

/** The fixture source in the `ticks` group: `count` events, stamped with their emit time. */
export function fixtureSource(opts: { count: number; intervalMs: number; padding: number }): string {
  return `  ${group}:\n    bench/fixture-source: {enabled: true, config: {count: ${opts.count}, intervalMs: ${opts.intervalMs}, close: false, payloadBytes: ${opts.padding}, timestamps: true}}`;
}

/** Loads `yaml` with the real loader and starts an agent whose console platform is `bot`. */
export async function startAgent(yaml: string, dir: string, bot: BenchBot): Promise<Agent> {
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
