import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { launchPlugin } from '../src/plugins/host/plugin-instance.js';
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
    const launchAll = async () => {
      const t = performance.now();
      const instances = await Promise.all(
        binaries.map((binary, i) =>
          launchPlugin({
            name: `bench/${names[i]}`,
            binary,
            logger: silentLogger,
            autoMtls: true,
            hostEnv: { PATH: process.env.PATH ?? '' },
          }),
        ),
      );
      const elapsed = performance.now() - t;
      await Promise.all(instances.map((i) => i.stop()));
      return elapsed;
    };

    const rounds = ctx.quick ? 2 : 5;
    const samples = { launch: [] as number[], agent: [] as number[] };
    for (let round = -1; round < rounds; round++) {
      const order = round % 2 === 0 ? (['launch', 'agent'] as const) : (['agent', 'launch'] as const);
      for (const row of order) {
        const elapsed = row === 'launch' ? await launchAll() : await agentStart();
        if (round >= 0) samples[row].push(elapsed);
      }
    }
    const [l, a] = [summarize(samples.launch), summarize(samples.agent)];
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
        {
          measurement: `agent start() → ready, ${count} executors bound to one channel`,
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
        `${rounds} timed rounds after one warm-up round, the two rows alternating. The agent runs in the harness process with a silent logger and the bench bot as its console; every plugin was running at ready in every round.`,
        'Both rows use AutoMTLS (the agent default). The agent installs from its warm cache (file:// repository).',
      ],
    };
    return { tables: [table], data: { launch: l, agent: a, rounds } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
