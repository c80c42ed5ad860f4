import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { installPlugins, pullBundle } from '../../src/plugins/repository/index.js';
import { buildOwnRepository, fixturePluginsDir } from '../fixtures/repo/build-repo.js';
import { repoRoot } from '../support/build-fixtures.js';
import { type StaticServer, startStaticServer } from '../support/static-server.js';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(repoRoot, 'bin/run.js'), args, {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const tmp = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

// Bundling plugins and running the CLI are process- and CPU-bound: on a loaded 2-core machine a
// test here takes well over the default 30 s timeout.
describe('publishing', { timeout: 90_000 }, () => {
  it('builds byte-identical archives twice (reproducible), one file of mode 0755 per archive', async () => {
    const [a, b] = await Promise.all([tmp('sb-build-a-'), tmp('sb-build-b-')]);
    const first = await buildPlugins({ pluginsDir: fixturePluginsDir, outputDir: a, rootDir: repoRoot });
    const second = await buildPlugins({ pluginsDir: fixturePluginsDir, outputDir: b, rootDir: repoRoot });
    expect(first.map((x) => x.sha256)).toEqual(second.map((x) => x.sha256));
    expect(first).toHaveLength(8);
    for (const x of first) expect(await sha256(x.path)).toBe(x.sha256);
    const listing = await promisify(execFile)('tar', ['tzvf', join(a, 'executor_greet_linux_amd64.tar.gz')]);
    expect(listing.stdout.trim()).toMatch(/^-rwxr-xr-x 0\/0 +\d+ 2000-01-01 00:00 executor_greet$/);
  });

  it('indexes with metadata from the plugins, checksums, per-platform dependencies, and a signature', async () => {
    const dir = await tmp('sb-own-');
    const keyDir = await tmp('sb-keys-');
    const keygen = await cli('plugin', 'keygen', '--output', join(keyDir, 'release'));
    expect(keygen.code).toBe(0);
    const publicKey = keygen.stdout.trim();
    expect(Buffer.from(publicKey, 'base64')).toHaveLength(32);
    await buildOwnRepository(dir, { signKeyPem: await readFile(join(keyDir, 'release.key'), 'utf8') });
    const index = parse(await readFile(join(dir, 'index.yaml'), 'utf8'));
    expect(index.entries.map((e: { name: string }) => e.name)).toEqual(['greet', 'ticker']);
    expect(index.entries[0]).toMatchObject({
      name: 'greet',
      type: 'executor',
      version: 'v1.0.0',
      description: 'Greets, using a dependency binary',
      jsonSchema: { value: expect.stringContaining('draft-07') },
    });
    const linux = index.entries[0].urls.find(
      (u: { platform: { architecture: string; os: string } }) =>
        u.platform.os === 'linux' && u.platform.architecture === 'amd64',
    );
    expect(linux).toEqual({
      url: 'executor_greet_linux_amd64.tar.gz',
      checksum: await sha256(join(dir, 'executor_greet_linux_amd64.tar.gz')),
      platform: { os: 'linux', architecture: 'amd64' },
      dependencies: {
        greeting: {
          url: expect.stringMatching(
            /^deps\/greeting-1\.0\.tar\.gz\/\/greeting-1\.0\?checksum=sha256:4113313e/,
          ),
          checksum: '4113313ec75ac39b9ac5fc260d73769f404eb3d3cb21297c78070d3f808ffdc8',
        },
      },
    });
    expect(index.entries[1].externalRequest).toEqual({
      payload: { jsonSchema: { value: expect.stringContaining('"text"') } },
    });
    // The signature verifies with the printed public key, through the installer.
    const result = await installPlugins({
      cacheDir: await tmp('sb-cache-'),
      repositories: { own: { url: join(dir, 'index.yaml'), publicKeys: [publicKey] } },
      plugins: ['own/ticker'],
      platform: { os: 'linux', arch: 'amd64' },
    });
    expect(result.plugins[0]?.version).toBe('0.2.0');
    // keygen never overwrites a key.
    expect((await cli('plugin', 'keygen', '--output', join(keyDir, 'release'))).code).not.toBe(0);
  });

  it('refuses to publish a plugin whose schema is not valid draft-07, naming plugin and field', async () => {
    const plugins = await tmp('sb-bad-plugins-');
    await cp(join(fixturePluginsDir, 'ticker'), join(plugins, 'ticker'), { recursive: true });
    const main = join(plugins, 'ticker/main.ts');
    const source = (await readFile(main, 'utf8'))
      .replace("jsonSchema: { type: 'object' }", "jsonSchema: { type: 'banana' }")
      .replaceAll('../../../../../src/', `${repoRoot}/src/`);
    await writeFile(main, source);
    const out = await tmp('sb-bad-out-');
    expect(
      (await cli('plugin', 'build', '--plugins-dir', plugins, '--output', out, '--platforms', 'linux/amd64'))
        .code,
    ).toBe(0);
    const res = await cli('plugin', 'index', '--binaries-path', out, '--output', join(out, 'index.yaml'));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /source\/ticker: invalid metadata:\n\s+jsonSchema: \/type must be equal to one of the allowed values/,
    );
    expect(existsSync(join(out, 'index.yaml'))).toBe(false);
  });
});

describe('CLI: list, install, pull, and an air-gapped install from the bundle', { timeout: 90_000 }, () => {
  let repoDir: string;
  let server: StaticServer;
  beforeAll(async () => {
    repoDir = await tmp('sb-own-');
    await buildOwnRepository(repoDir);
    server = await startStaticServer(repoDir);
  });
  afterAll(async () => {
    await server?.close();
    await rm(repoDir, { recursive: true, force: true });
  });

  it('lists what a repository offers', async () => {
    const res = await cli(
      'plugin',
      'list',
      '--repo',
      `own=${server.url}index.yaml`,
      '--cache-dir',
      await tmp('sb-cache-'),
      '--json',
    );
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).own).toEqual([
      expect.objectContaining({
        type: 'executor',
        name: 'greet',
        versions: ['v1.0.0'],
        platforms: ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64'],
      }),
      expect.objectContaining({ type: 'source', name: 'ticker', versions: ['0.2.0'] }),
    ]);
  });

  it('installs, and reports errors without a stack trace', async () => {
    const cache = await tmp('sb-cache-');
    const res = await cli(
      'plugin',
      'install',
      'own/greet@1.0.0',
      'own/ticker',
      '--repo',
      `own=${server.url}index.yaml`,
      '--cache-dir',
      cache,
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`own/greet@1.0.0\texecutor v1.0.0\t${cache}/own/executor_v1.0.0_greet`);
    expect(res.stderr).toContain('own/greet@1.0.0: downloaded, verified, installed');
    const bad = await cli(
      'plugin',
      'install',
      'own/greet@9',
      '--repo',
      `own=${server.url}index.yaml`,
      '--cache-dir',
      cache,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Error: repository own has no version 9 of greet; it offers executor v1.0.0\n');
  });

  it('two agents installing into one cache at once (separate processes) end with one good install', async () => {
    const cache = await tmp('sb-cache-');
    server.requests.length = 0;
    const args = [
      'plugin',
      'install',
      'own/greet',
      'own/ticker',
      '--repo',
      `own=${server.url}index.yaml`,
      '--cache-dir',
      cache,
      '--json',
    ];
    const [a, b] = await Promise.all([cli(...args), cli(...args)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [pa, pb] = [JSON.parse(a.stdout).plugins, JSON.parse(b.stdout).plugins];
    expect(pa.map((p: { binary: string }) => p.binary)).toEqual(pb.map((p: { binary: string }) => p.binary));
    // One of them downloaded; the other waited for the lock and found a verified cache.
    expect([...pa, ...pb].filter((p: { source: string }) => p.source === 'download')).toHaveLength(2);
    expect(server.requests.filter((r) => r.path === '/executor_greet_linux_amd64.tar.gz')).toHaveLength(1);
    expect((await readdir(join(cache, 'own'))).sort()).toEqual([
      'executor_v1.0.0_greet',
      'executor_v1.0.0_greet.install.json',
      'executor_v1.0.0_greet_deps',
      'source_0.2.0_ticker',
      'source_0.2.0_ticker.install.json',
      'source_0.2.0_ticker_deps',
    ]);
    expect(existsSync(join(cache, '.lock'))).toBe(false);
  });

  it('pulls what an agent config enables and binds, from its repositories', async () => {
    const dir = await tmp('sb-pullcfg-');
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      [
        'communications:',
        '  default:',
        '    console:',
        '      enabled: true',
        '      channels:',
        '        ops: {name: ops, bindings: {executors: [tools], sources: []}}',
        'executors:',
        '  tools:',
        '    own/greet: {enabled: true}',
        '  unused:',
        '    own/ticker: {enabled: true}',
        'plugins:',
        '  repositories:',
        `    own: {url: "${server.url}index.yaml"}`,
        '',
      ].join('\n'),
    );
    const bundle = await tmp('sb-bundle-');
    const res = await cli(
      'plugin',
      'pull',
      '--config',
      config,
      '--platforms',
      'linux/amd64',
      '--output',
      bundle,
      '--cache-dir',
      await tmp('sb-cache-'),
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const index = parse(await readFile(join(bundle, 'own/index.yaml'), 'utf8'));
    // Only the bound plugin: the unbound group's ticker is not bundled.
    expect(index.entries.map((e: { name: string }) => e.name)).toEqual(['greet']);
    const nothing = await cli('plugin', 'pull', '--output', bundle);
    expect([nothing.code, nothing.stderr]).toEqual([
      2,
      'Error: nothing to bundle: give --config, or --repo with --plugin\n',
    ]);
  });

  it('pulls a bundle that installs with the network gone', async () => {
    const bundle = await tmp('sb-bundle-');
    const res = await cli(
      'plugin',
      'pull',
      '--repo',
      `own=${server.url}index.yaml`,
      '--plugin',
      'own/greet',
      '--plugin',
      'own/ticker@0.2.0',
      '--platforms',
      'linux/amd64,linux/arm64',
      '--output',
      bundle,
      '--cache-dir',
      await tmp('sb-cache-'),
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`own\tfile://${bundle}/own/index.yaml`);
    const index = parse(await readFile(join(bundle, 'own/index.yaml'), 'utf8'));
    expect(
      index.entries.flatMap((e: { urls: Array<{ url: string }> }) => e.urls.map((u) => u.url)).sort(),
    ).toEqual([
      'greet/v1.0.0/linux_amd64/executor_greet_linux_amd64.tar.gz',
      'greet/v1.0.0/linux_arm64/executor_greet_linux_arm64.tar.gz',
      'ticker/0.2.0/linux_amd64/source_ticker_linux_amd64.tar.gz',
      'ticker/0.2.0/linux_arm64/source_ticker_linux_arm64.tar.gz',
    ]);
    expect(index.entries[0].urls[0].dependencies.greeting).toEqual({
      url: 'deps/greeting/linux_amd64/greeting-1.0.tar.gz//greeting-1.0',
      checksum: '4113313ec75ac39b9ac5fc260d73769f404eb3d3cb21297c78070d3f808ffdc8',
    });
    // Air gap: the repository server is gone; the bundle is all there is.
    const offline = await tmp('sb-offline-');
    await cp(bundle, offline, { recursive: true });
    await server.close();
    const result = await installPlugins({
      cacheDir: await tmp('sb-cache-'),
      repositories: { own: { url: `file://${offline}/own/index.yaml` } },
      plugins: ['own/greet', 'own/ticker@0.2.0'],
      platform: { os: 'linux', arch: 'amd64' },
    });
    expect(result.httpRequests).toBe(0);
    expect(result.plugins.map((p) => [p.name, p.source, Object.keys(p.dependencies)])).toEqual([
      ['greet', 'download', ['greeting']],
      ['ticker', 'download', []],
    ]);
    // The library call does the same, and signs when asked.
    await expect(
      pullBundle({
        cacheDir: await tmp('sb-cache-'),
        repositories: { own: { url: `file://${offline}/own/index.yaml` } },
        plugins: ['own/nope'],
        outputDir: await tmp('sb-b2-'),
      }),
    ).rejects.toMatchObject({ code: 'SB_ERR_REPO_NOT_FOUND' });
  });
});
