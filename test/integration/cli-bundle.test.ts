import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

/** Reports every module Node loads through the ESM loader on stderr, one `LOAD <url>` line each. */
const hooks = `export async function load(url, context, next) {
  const result = await next(url, context);
  process.stderr.write('LOAD ' + url + '\\n');
  return result;
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

/** The lazily imported parts, by the chunk names esbuild gives them (scripts/bundle-agent.mjs). */
const lazy = [
  'discord',
  'slack',
  'rocketchat',
  'elasticsearch',
  'undici',
  'yauzl',
  'jetstream-store',
  'leadership',
];

/**
 * `switchboard start` runs dist/bundle/commands/start.js (bin/run.js, oclif.manifest.json). The
 * bundle must keep what the agent imports only when configured (chat platforms, sinks, the plugin
 * download code, JetStream, HA) out of what that entry loads, as tsc's module tree does
 * (agent-imports.test.ts): bundled into a shared chunk, it would be in every agent's memory.
 */
describe('the bundle switchboard start runs', () => {
  it('loads no chunk of a lazily imported part, and those chunks exist', async () => {
    const chunks = await readdir(join(repoRoot, 'dist/bundle/chunks'));
    // Each lazy part is a chunk of its own: the check below cannot pass by a renamed chunk.
    for (const name of lazy)
      expect(chunks.filter((f) => f.startsWith(`${name}-`) && f.endsWith('.js'))).toHaveLength(1);

    const entry = pathToFileURL(join(repoRoot, 'dist/bundle/commands/start.js')).href;
    const { stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(entry)});`,
      ],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
    );
    const loaded = stderr
      .split('\n')
      .filter((line) => line.startsWith('LOAD file:'))
      .map((line) => line.slice('LOAD '.length));
    expect(loaded).toContain(entry);
    expect(loaded.filter((url) => url.includes('/dist/bundle/chunks/')).length).toBeGreaterThan(5);
    const chunkName = (url: string) => url.slice(url.lastIndexOf('/') + 1);
    expect(loaded.map(chunkName).filter((f) => lazy.some((name) => f.startsWith(`${name}-`)))).toEqual([]);
    // Dependencies are inside the bundle; of the externals, the delivery queue's SQLite is used
    // at start, esbuild (plugin build) is not.
    const fromNodeModules = loaded.filter((url) => url.includes('/node_modules/'));
    expect(fromNodeModules.map((url) => /\/node_modules\/([^/]+)\//.exec(url)?.[1])).toEqual([
      'better-sqlite3',
    ]);
  });

  it('a dynamic import of a CommonJS package keeps its names, compiled from ESM or not (esbuild plugin of both bundlers)', async () => {
    const { build } = await import('esbuild');
    // @ts-expect-error: a build script without types
    const { dynamicCommonJsNames } = await import('../../scripts/lib/esbuild-dynamic-cjs.mjs');
    const dir = await mkdtemp(join(tmpdir(), 'sb-dyn-cjs-'));
    try {
      // The shapes the agent uses: @nats-io/kv is CommonJS compiled from ESM (__esModule), undici
      // plain CommonJS read by name, yauzl plain CommonJS read as the default.
      await writeFile(
        join(dir, 'entry.mjs'),
        `export async function load() {
  const { Kvm } = await import('@nats-io/kv');
  const { EnvHttpProxyAgent } = await import('undici');
  const { default: yauzl } = await import('yauzl');
  return [typeof Kvm, typeof EnvHttpProxyAgent, typeof yauzl.open];
}
`,
      );
      await build({
        entryPoints: [join(dir, 'entry.mjs')],
        outdir: join(dir, 'out'),
        absWorkingDir: repoRoot,
        nodePaths: [join(repoRoot, 'node_modules')],
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        logLevel: 'error',
        banner: {
          js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);",
        },
        plugins: [dynamicCommonJsNames([])],
      });
      const bundled = (await import(pathToFileURL(join(dir, 'out/entry.js')).href)) as {
        load(): Promise<string[]>;
      };
      expect(await bundled.load()).toEqual(['function', 'function', 'function']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
