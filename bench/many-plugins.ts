import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startConcurrency } from '../src/app/plugin-processes.js';
import { launchPlugin, type PluginInstance } from '../src/plugins/host/plugin-instance.js';
import { currentPlatform } from '../src/plugins/repository/index-format.js';
import { startAgent } from './agent-setup.js';
import { BenchBot } from './lib/bench-bot.js';
import { type BenchContext, type BenchResult, silentLogger } from './lib/context.js';
import { infoRow, type Table, verdict } from './lib/report.js';
import { ms, ratio, summarize } from './lib/stats.js';

const count = 50;

/**
 * Time to ready with 50 plugins: the go-plugin executor fixture published under 50 names, a
 * real agent (warm cache) from `start()` to ready, against launching the same 50 binaries
 * with the host's launchPlugin, all at once, in the same run.
 */
export async function manyPlugins(ctx: BenchContext): Promise<BenchResult> {
  const title = `Time to ready with ${count} plugins (go-plugin executor fixture), warm cache`;
  if ('error' in ctx.go) {
    return {
      tables: [
        {
          title,
          centralHeader: 'p50',
          spreadHeader: 'p90',
          rows: [infoRow(`skipped: ${ctx.go.error}`, '-', '-', '-', { result: 'SKIP' })],
          notes: [],
        },
      ],
      data: { skipped: ctx.go.error },
    };
  }
  const goBinary = ctx.go.executor;
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-many-'));
  try {
    const platform = currentPlatform();
    const checksum = createHash('sha256')
      .update(await readFile(goBinary))
      .digest('hex');
    await copyFile(goBinary, join(work, 'goecho'));
    const names = Array.from({ length: count }, (_, i) => `g${String(i).padStart(2, '0')}`);
    const index = join(work, 'index.yaml');
    await writeFile(
      index,
      stringify({
        entries: names.map((name) => ({
          name,
          type: 'executor',
          version: '1.0.0',
          urls: [
            {
              url: 'goecho',
              checksum: `sha256:${checksum}`,
              platform: { os: platform.os, architecture: platform.arch },
            },
          ],
        })),
      }),
    );
    const yaml = `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: []}}
executors:
  tools:
${names.map((n) => `    bench/${n}: {enabled: true}`).join('\n')}
plugins:
  cacheDir: ${join(work, 'cache')}
  repositories:
    bench: {url: "file://${index}"}
`;
    const agentStart = async () => {
      const bot = new BenchBot('default/console');
      const t = performance.now();
      const agent = await startAgent(yaml, work, bot);
      const elapsed = performance.now() - t;
      const running = agent.status().plugins.filter((p) => p.state === 'running').length;
      await agent.stop();
      if (running !== count) throw new Error(`only ${running} of ${count} plugins were running at ready`);
      return elapsed;
    };
    // The cold start installs; it is not timed.
    await agentStart();
    const binaries = names.map((n) => join(work, 'cache', 'bench', `executor_1.0.0_${n}`));
    const limit = startConcurrency();
    /** Launches all 50 with at most `width` launches in flight; time until the last is ready. */
    const launchAll = async (width: number) => {
      const t = performance.now();
      const instances: PluginInstance[] = [];
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < binaries.length; i = next++) {
          instances.push(
            await launchPlugin({
              name: `bench/${names[i]}`,
              binary: binaries[i] as string,
              logger: silentLogger,
              autoMtls: true,
              hostEnv: { PATH: process.env.PATH ?? '' },
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(width, binaries.length) }, worker));
      const elapsed = performance.now() - t;
      await Promise.all(instances.map((i) => i.stop()));
      return elapsed;
    };

    const rounds = ctx.quick ? 2 : 5;
    const samples = { launch: [] as number[], bounded: [] as number[], agent: [] as number[] };
    const rows = ['launch', 'bounded', 'agent'] as const;
    for (let round = -1; round < rounds; round++) {
      // Rotating order, so that no row always follows the same one.
      for (let k = 0; k < rows.length; k++) {
        const row = rows[(k + round + rows.length) % rows.length] as (typeof rows)[number];
        const elapsed =
          row === 'launch'
            ? await launchAll(count)
            : row === 'bounded'
              ? await launchAll(limit)
              : await agentStart();
        if (round >= 0) samples[row].push(elapsed);
      }
    }
    const [l, b, a] = [summarize(samples.launch), summarize(samples.bounded), summarize(samples.agent)];
    const table: Table = {
      title,
      centralHeader: 'p50',
      spreadHeader: 'p90',
      rows: [
        infoRow(
          `baseline: launchPlugin × ${count} at once (spawn, AutoMTLS, handshake, ready)`,
          ms(l.p50),
          ms(l.p90),
          ms(l.max),
          {
            baseline: '(baseline)',
          },
        ),
        infoRow(
          `launchPlugin × ${count}, ${limit} at a time (the agent's bound)`,
          ms(b.p50),
          ms(b.p90),
          ms(b.max),
          {
            baseline: ms(l.p50),
            ratio: ratio(b.p50 / l.p50),
          },
        ),
        {
          measurement: `agent start() → ready, ${count} executors bound to one channel (${limit} launches at a time)`,
          central: ms(a.p50),
          spread: ms(a.p90),
          max: ms(a.max),
          baseline: ms(l.p50),
          ratio: ratio(a.p50 / l.p50),
          target: '≤ 2 s',
          result: verdict(a.p50 <= 2000),
        },
      ],
      notes: [
        `${rounds} timed rounds after one warm-up round, rows rotating. The agent runs in the harness process with a silent logger and the bench bot as its console; every plugin was running at ready in every round.`,
        'Both rows use AutoMTLS (the agent default). The agent installs from its warm cache (file:// repository).',
      ],
    };
    return { tables: [table], data: { launch: l, bounded: b, agent: a, limit, rounds } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
