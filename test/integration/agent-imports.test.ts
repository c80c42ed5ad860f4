import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

/** Reports every module Node loads (through the ESM loader) on stderr, one `LOAD <url>` line each. */
const hooks = `export async function load(url, context, next) {
  const result = await next(url, context);
  process.stderr.write('LOAD ' + url + '\\n');
  return result;
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

/** The module URLs an entry module pulls in through the ESM loader (dist/, as `switchboard start` runs it). */
async function modulesLoadedBy(entry: string): Promise<string[]> {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(pathToFileURL(join(repoRoot, entry)).href)});`,
    ],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('LOAD '))
    .map((line) => line.slice('LOAD '.length));
}

/** The packages an entry module pulls in when imported. */
async function packagesLoadedBy(entry: string): Promise<Set<string>> {
  const packages = new Set<string>();
  for (const url of await modulesLoadedBy(entry)) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) packages.add(match[1] as string);
  }
  return packages;
}

/**
 * Idle memory (docs/benchmarks.md, agent idle memory): what the agent never needs while idle
 * is imported where it is used. A static import of one of these from any module the agent
 * imports brings it back into every agent process for good.
 */
describe('modules the agent loads at start-up', () => {
  it('has the plugin host, HTTP server and config schema, but no downloader, unpacker, bundler or platform SDK', async () => {
    const loaded = await packagesLoadedBy('dist/app/agent.js');
    // The hook sees the packages the agent needs: the check below cannot pass by seeing nothing.
    for (const needed of ['@grpc/grpc-js', 'fastify', 'zod']) expect(loaded).toContain(needed);
    const unwanted = [
      'undici',
      'tar',
      'yauzl',
      'esbuild',
      '@slack/bolt',
      '@elastic/elasticsearch',
      'playwright-core',
    ];
    expect([...loaded].filter((name) => unwanted.includes(name))).toEqual([]);
  });

  it("has prom-client's metric classes but not its index, which loads its default metrics and @opentelemetry/api", async () => {
    const prom = (await modulesLoadedBy('dist/app/agent.js')).filter((url) =>
      url.includes('/node_modules/prom-client/'),
    );
    expect(prom.some((url) => url.endsWith('/prom-client/lib/counter.js'))).toBe(true);
    expect(prom.filter((url) => url.endsWith('/prom-client/index.js'))).toEqual([]);
  });
});
