import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlugins } from '../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../src/plugins/publish/index-builder.js';
import { readPluginManifests } from '../src/plugins/publish/plugin-manifest.js';
import { installPlugins, type RepositoryOptions } from '../src/plugins/repository/index.js';
import { listRecords, verifyInstalled } from '../src/plugins/repository/install-record.js';
import { startStaticServer } from '../test/support/static-server.js';
import { type BenchContext, type BenchResult, silentLogger } from './lib/context.js';
import { type Table, verdict } from './lib/report.js';
import { ms, summarize } from './lib/stats.js';

/**
 * Plugin repository: cold install of every built-in plugin (plugins/*, or the
 * test fixture plugins when there are none) from a loopback HTTP repository,
 * then agent start with a warm cache (target: no request, verification of the
 * cached files under 100 ms).
 */
export async function repoInstall(ctx: BenchContext): Promise<BenchResult> {
  const builtin = join(ctx.repoRoot, 'plugins');
  const pluginsDir =
    (await readPluginManifests(builtin).catch(() => [])).length > 0
      ? builtin
      : join(ctx.repoRoot, 'test/fixtures/repo/plugins');
  const repoDir = await mkdtemp(join(tmpdir(), 'sb-bench-repo-'));
  const caches: string[] = [];
  const server = await startStaticServer(repoDir);
  try {
    const built = await buildPlugins({ pluginsDir, outputDir: repoDir, rootDir: ctx.repoRoot });
    // Fixture plugins take a dependency from the repository itself.
    await rm(join(repoDir, 'deps'), { recursive: true, force: true });
    if (pluginsDir !== builtin) {
      const { cp } = await import('node:fs/promises');
      await cp(join(ctx.repoRoot, 'test/fixtures/repo/deps'), join(repoDir, 'deps'), { recursive: true });
    }
    const { index } = await buildIndex({
      binariesPath: repoDir,
      urlBasePath: '.',
      outputFile: join(repoDir, 'index.yaml'),
      logger: silentLogger,
    });
    // Two repository names over the same index, so the warm start covers >= 10 plugins.
    const repoNames = index.entries.length >= 10 ? ['a'] : ['a', 'b'];
    const repositories: Record<string, RepositoryOptions> = Object.fromEntries(
      repoNames.map((r) => [r, { url: `${server.url}index.yaml` }]),
    );
    const plugins = repoNames.flatMap((r) =>
      index.entries.map((e) => ({ key: `${r}/${e.name}`, type: e.type })),
    );
    const archiveBytes = built.filter((b) => b.platform.os === 'linux' && b.platform.arch === 'amd64').length;

    const runs = ctx.quick ? 3 : 8;
    const cold: number[] = [];
    const coldRequests: number[] = [];
    let cacheDir = '';
    for (let i = 0; i < runs; i++) {
      cacheDir = await mkdtemp(join(tmpdir(), 'sb-bench-cache-'));
      caches.push(cacheDir);
      const t = performance.now();
      const result = await installPlugins({
        cacheDir,
        repositories,
        plugins,
        concurrency: 4,
        logger: silentLogger,
      });
      cold.push(performance.now() - t);
      coldRequests.push(result.httpRequests);
    }
    const warm: number[] = [];
    const verify: number[] = [];
    let warmRequests = 0;
    server.requests.length = 0;
    for (let i = 0; i < runs * 3; i++) {
      const t = performance.now();
      const result = await installPlugins({ cacheDir, repositories, plugins, logger: silentLogger });
      warm.push(performance.now() - t);
      warmRequests += result.httpRequests;
      if (result.plugins.some((p) => p.source !== 'cache'))
        throw new Error('warm start downloaded something');
      const records = (await Promise.all(repoNames.map((r) => listRecords(cacheDir, r)))).flat();
      const v = performance.now();
      const problems = await Promise.all(records.map((r) => verifyInstalled(cacheDir, r)));
      verify.push(performance.now() - v);
      if (problems.some(Boolean)) throw new Error(`cache verification failed: ${problems.find(Boolean)}`);
    }
    const serverSaw = server.requests.length;
    const [c, w, v] = [summarize(cold), summarize(warm), summarize(verify)];
    const installed = plugins.length;
    const files = (await Promise.all(repoNames.map((r) => readdir(join(cacheDir, r))))).flat().length;
    const table: Table = {
      title: `Plugin repository: ${index.entries.length} plugins from ${pluginsDir === builtin ? 'plugins/' : 'test fixtures'}, loopback HTTP`,
      centralHeader: 'p50',
      spreadHeader: 'p90',
      rows: [
        {
          measurement: `cold install, ${installed} plugins (${repoNames.length} repo names), concurrency 4`,
          central: ms(c.p50),
          spread: ms(c.p90),
          max: ms(c.max),
          baseline: '-',
          ratio: '-',
          target: '',
          result: 'info',
        },
        {
          measurement: `warm start (lock, cached index, re-verify ${installed} plugins): requests`,
          central: String(warmRequests + serverSaw),
          spread: '-',
          max: '-',
          baseline: '-',
          ratio: '-',
          target: '0',
          result: verdict(warmRequests + serverSaw === 0),
        },
        {
          measurement: `warm start, whole installPlugins call`,
          central: ms(w.p50),
          spread: ms(w.p90),
          max: ms(w.max),
          baseline: '-',
          ratio: '-',
          target: '',
          result: 'info',
        },
        {
          measurement: `re-verify sha256 of ${installed} cached plugins`,
          central: ms(v.p50),
          spread: ms(v.p90),
          max: ms(v.max),
          baseline: '-',
          ratio: '-',
          target: '< 100 ms',
          result: verdict(v.p90 < 100),
        },
      ],
      notes: [
        `${runs} cold runs (fresh cache each), ${runs * 3} warm runs. Cold requests per run: ${coldRequests.join(', ')} (index once per repo name + one archive per plugin + dependencies).`,
        `${archiveBytes} linux/amd64 archives; ${files} files in the warm cache's repository directories.`,
      ],
    };
    return {
      tables: [table],
      data: {
        cold: c,
        warm: w,
        verify: v,
        warmRequests: warmRequests + serverSaw,
        plugins: installed,
        pass: warmRequests + serverSaw === 0 && v.p90 < 100,
      },
    };
  } finally {
    await server.close();
    await Promise.all([repoDir, ...caches].map((d) => rm(d, { recursive: true, force: true })));
  }
}
