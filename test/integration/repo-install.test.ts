import { appendFile, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/message.js';
import { createExecutorClient } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin } from '../../src/plugins/host/plugin-instance.js';
import { type InstallOptions, installPlugins, refreshIndexes } from '../../src/plugins/repository/index.js';
import {
  type InstalledDigests,
  type InstallRecord,
  verifyDigests,
} from '../../src/plugins/repository/install-record.js';
import { indexCachePaths } from '../../src/plugins/repository/repository-index.js';
import { buildOwnRepository } from '../fixtures/repo/build-repo.js';
import { type StaticServer, startStaticServer } from '../support/static-server.js';
import { createTestLogger } from '../support/test-logger.js';

let repoDir: string;
let server: StaticServer;
const linux = { os: 'linux', arch: 'amd64' };

beforeAll(async () => {
  repoDir = await mkdtemp(join(tmpdir(), 'sb-repo-'));
  await buildOwnRepository(repoDir);
  server = await startStaticServer(repoDir);
});
afterAll(async () => {
  await server.close();
  await rm(repoDir, { recursive: true, force: true });
});

async function options(extra: Partial<InstallOptions> = {}): Promise<InstallOptions> {
  return {
    cacheDir: await mkdtemp(join(tmpdir(), 'sb-cache-')),
    repositories: { own: { url: `${server.url}index.yaml` } },
    plugins: ['own/greet'],
    platform: linux,
    ...extra,
  };
}

describe('installing from our own repository over HTTP', () => {
  it('downloads, verifies and installs a plugin with its dependency, which then runs', async () => {
    server.requests.length = 0;
    const { logger, lines } = createTestLogger('info');
    const result = await installPlugins(await options({ logger }));
    const [greet] = result.plugins;
    expect(greet).toMatchObject({
      key: 'own/greet',
      type: 'executor',
      name: 'greet',
      version: 'v1.0.0',
      source: 'download',
    });
    expect(greet?.binary).toMatch(/own\/executor_v1\.0\.0_greet$/);
    expect(greet?.dependencyDir).toBe(`${greet?.binary}_deps`);
    expect(greet?.entry.jsonSchema?.value).toContain('"name"');
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/deps/greeting-1.0.tar.gz',
      '/executor_greet_linux_amd64.tar.gz',
      '/index.yaml',
    ]);
    expect(lines.some((l) => l.msg === 'plugin installed and verified')).toBe(true);

    const instance = await launchPlugin({
      name: 'own/greet',
      binary: greet?.binary as string,
      dependencyDir: greet?.dependencyDir,
      logger,
      hostEnv: { PATH: process.env.PATH },
    });
    try {
      const answer = await createExecutorClient(instanceHandle(instance)).execute({
        command: 'greet',
        configs: [new TextEncoder().encode('name: Ada\n')],
        context: { interactive: false, incomingWebhookBaseUrl: '' },
      });
      expect(parseMessage(answer.message).baseBody.codeBlock).toBe('hello from the greeting dependency, Ada');
    } finally {
      await instance.stop();
    }
  });

  it('makes no network request at all with a warm cache, and re-verifies the cached files', async () => {
    const opts = await options({ plugins: ['own/greet', 'own/ticker@0.2.0'] });
    const first = await installPlugins(opts);
    expect(first.plugins.map((p) => p.source)).toEqual(['download', 'download']);
    server.requests.length = 0;
    const second = await installPlugins(opts);
    expect(second.plugins.map((p) => p.source)).toEqual(['cache', 'cache']);
    expect(second.httpRequests).toBe(0);
    expect(server.requests).toEqual([]);
    expect(second.plugins.map((p) => p.binary)).toEqual(first.plugins.map((p) => p.binary));
  });

  it('re-downloads a cached binary that was tampered with', async () => {
    const { logger, lines } = createTestLogger('info');
    const opts = await options({ logger });
    const [installed] = (await installPlugins(opts)).plugins;
    const original = await readFile(installed?.binary as string);
    await writeFile(installed?.binary as string, '#!/bin/sh\necho evil\n');
    server.requests.length = 0;
    const [again] = (await installPlugins(opts)).plugins;
    expect(again?.source).toBe('download');
    expect(lines.some((l) => l.msg === 'cached plugin changed since it was installed; reinstalling')).toBe(
      true,
    );
    // The program as published again (its code is packed after a loader, so compare bytes).
    expect((await readFile(again?.binary as string)).equals(original)).toBe(true);
    expect(server.requests.map((r) => r.path)).toContain('/executor_greet_linux_amd64.tar.gz');
  });

  it('refuses a tampered cached pinned plugin when the repository is unreachable', async () => {
    const opts = await options({ plugins: ['own/greet@v1.0.0'] });
    const [installed] = (await installPlugins(opts)).plugins;
    await writeFile(`${installed?.dependencyDir}/greeting`, '#!/bin/sh\necho evil\n');
    const offline = {
      ...opts,
      repositories: { own: { url: 'http://127.0.0.1:9/index.yaml' } },
      http: { retries: 0 },
    };
    await expect(installPlugins(offline)).rejects.toMatchObject({ code: 'SB_ERR_REPO_FETCH' });
    expect(await readdir(join(opts.cacheDir, 'own'))).not.toContainEqual(expect.stringMatching(/^\.tmp-/));
  });

  it('uses the cached index while it is fresh, refreshes it after the interval, and falls back to it with a warning', async () => {
    const { logger, lines } = createTestLogger('info');
    const opts = await options({ logger, refreshIntervalMs: 60_000 });
    await installPlugins(opts);
    server.requests.length = 0;
    await installPlugins(opts);
    expect(server.requests).toEqual([]);
    // Age the cache past the interval: the index is fetched again (and nothing else).
    const meta = indexCachePaths(opts.cacheDir, 'own').meta;
    const m = JSON.parse(await readFile(meta, 'utf8'));
    await writeFile(meta, JSON.stringify({ ...m, fetchedAt: Date.now() - 120_000 }));
    await installPlugins(opts);
    expect(server.requests.map((r) => r.path)).toEqual(['/index.yaml']);
    // Repository down: the stale copy is used, with a warning.
    await writeFile(meta, JSON.stringify({ ...m, fetchedAt: Date.now() - 120_000 }));
    server.fault('/index.yaml', { status: 503 });
    try {
      const result = await installPlugins({ ...opts, http: { retries: 1, retryBaseMs: 10 } });
      expect(result.plugins[0]?.source).toBe('cache');
      expect(lines.find((l) => l.msg === 'repository unreachable; using the cached index')).toMatchObject({
        level: 40,
        repo: 'own',
      });
    } finally {
      server.clearFaults();
    }
  });

  it('installs exactly the pinned version, and lists what exists for an unknown name or version', async () => {
    const opts = await options({ plugins: ['own/ticker@v0.2.0'] });
    expect((await installPlugins(opts)).plugins[0]).toMatchObject({ type: 'source', version: '0.2.0' });
    await expect(installPlugins({ ...opts, plugins: ['own/ticker@0.3.0'] })).rejects.toThrow(
      /repository own has no version 0\.3\.0 of ticker; it offers source 0\.2\.0/,
    );
    await expect(installPlugins({ ...opts, plugins: ['own/nope'] })).rejects.toThrow(
      /repository own has no plugin named "nope".*it offers: executor greet \(v1\.0\.0\), source ticker \(0\.2\.0\)/,
    );
    await expect(installPlugins({ ...opts, plugins: ['other/greet'] })).rejects.toMatchObject({
      code: 'SB_ERR_REPO_CONFIG',
    });
  });

  it('installs from a file:// repository, and the downloads happen in parallel within the limit', async () => {
    server.requests.length = 0;
    const events: string[] = [];
    const result = await installPlugins(
      await options({
        repositories: { own: { url: pathToFileURL(join(repoDir, 'index.yaml')).toString() } },
        plugins: ['own/greet', 'own/ticker'],
        concurrency: 2,
        onProgress: (e) => events.push(`${e.key}:${e.phase}`),
      }),
    );
    expect(result.plugins.map((p) => p.name)).toEqual(['greet', 'ticker']);
    expect(result.httpRequests).toBe(0);
    expect(server.requests).toEqual([]);
    expect(events).toContain('own/greet:installed');
    expect(events).toContain('own/ticker:download');
  });

  it('goes through HTTP_PROXY when configured, and sends repository headers to the index origin only', async () => {
    server.requests.length = 0;
    const opts = await options({
      repositories: {
        own: { url: 'http://repo.example.invalid/index.yaml', headers: { authorization: 'Bearer t0k' } },
      },
      http: { proxy: { httpProxy: server.url } },
    });
    const [p] = (await installPlugins(opts)).plugins;
    expect(p?.source).toBe('download');
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.proxied)).toBe(true);
    expect(server.requests.find((r) => r.path === '/index.yaml')?.headers.authorization).toBe('Bearer t0k');
    // Relative artifact URLs share the index origin, so they get the header too.
    expect(
      server.requests.find((r) => r.path === '/executor_greet_linux_amd64.tar.gz')?.headers.authorization,
    ).toBe('Bearer t0k');
  });

  it('takes over a lock left by a dead process', async () => {
    const opts = await options();
    await writeFile(
      join(opts.cacheDir, '.lock'),
      JSON.stringify({ pid: 999_999_999, host: (await import('node:os')).hostname(), token: 'x' }),
    );
    await utimes(join(opts.cacheDir, '.lock'), new Date(), new Date());
    const result = await installPlugins(opts);
    expect(result.plugins).toHaveLength(1);
    expect(await readdir(opts.cacheDir)).not.toContain('.lock');
  });
});

describe('warm start without hashing or requests (deferHashing, cachedIndexFirst)', () => {
  const recordOf = async (binary: string) =>
    JSON.parse(await readFile(`${binary}.install.json`, 'utf8')) as InstallRecord;

  it('trusts files whose install fingerprint is unchanged and hands back their digests to check later', async () => {
    const opts = await options({ plugins: ['own/greet'] });
    const [first] = (await installPlugins(opts)).plugins;
    const binary = first?.binary as string;
    expect(first?.unverified).toBeUndefined();
    expect((await recordOf(binary)).fingerprints?.dependencies).toHaveProperty('greeting');

    // Without the option every start hashes, as before.
    expect((await installPlugins(opts)).plugins[0]?.unverified).toBeUndefined();
    const [trusted] = (await installPlugins({ ...opts, deferHashing: true })).plugins;
    expect(trusted?.source).toBe('cache');
    expect(Object.keys(trusted?.unverified?.files ?? {}).sort()).toEqual(
      [binary, join(`${binary}_deps`, 'greeting')].sort(),
    );
    expect(await verifyDigests(trusted?.unverified as InstalledDigests)).toBeUndefined();

    // Bytes changed behind a fingerprint that was trusted: only the later hashing can tell.
    const original = await readFile(binary);
    await appendFile(binary, '\n// changed\n');
    expect(await verifyDigests(trusted?.unverified as InstalledDigests)).toMatch(
      new RegExp(`^${binary} has sha256 [0-9a-f]{64}, recorded [0-9a-f]{64}$`),
    );
    // The next start sees another fingerprint, hashes now, and reinstalls.
    const { logger, lines } = createTestLogger('info');
    const [again] = (await installPlugins({ ...opts, deferHashing: true, logger })).plugins;
    expect(again?.source).toBe('download');
    expect(again?.unverified).toBeUndefined();
    expect(lines.some((l) => l.msg === 'cached plugin changed since it was installed; reinstalling')).toBe(
      true,
    );
    // Buffer.equals: a deep toEqual over a 1.4 MB buffer takes seconds.
    expect((await readFile(binary)).equals(original)).toBe(true);
  });

  it('hashes files that were touched or have no fingerprint, and records a fingerprint when they are intact', async () => {
    const opts = await options({ plugins: ['own/greet@v1.0.0'], deferHashing: true });
    const [first] = (await installPlugins(opts)).plugins;
    const binary = first?.binary as string;
    // Same bytes, new times (a copy, a restore from backup): hashed now, then trusted again.
    await utimes(binary, new Date(), new Date(Date.now() - 60_000));
    const [touched] = (await installPlugins(opts)).plugins;
    expect(touched?.source).toBe('cache');
    expect(touched?.unverified).toBeUndefined();
    expect((await installPlugins(opts)).plugins[0]?.unverified).toBeDefined();

    // A record written before fingerprints existed.
    const { fingerprints: _dropped, ...legacy } = await recordOf(binary);
    await writeFile(`${binary}.install.json`, JSON.stringify(legacy));
    const [old] = (await installPlugins(opts)).plugins;
    expect(old?.source).toBe('cache');
    expect(old?.unverified).toBeUndefined();
    expect((await recordOf(binary)).fingerprints).toBeDefined();
    expect((await installPlugins(opts)).plugins[0]?.unverified).toBeDefined();
  });

  it('serves a stale cached index without a request, and refreshIndexes fetches it afterwards', async () => {
    const opts = await options({ plugins: ['own/greet'], refreshIntervalMs: 60_000, deferHashing: true });
    await installPlugins(opts);
    const meta = indexCachePaths(opts.cacheDir, 'own').meta;
    const age = async () => {
      const m = JSON.parse(await readFile(meta, 'utf8'));
      await writeFile(meta, JSON.stringify({ ...m, fetchedAt: Date.now() - 120_000 }));
    };
    await age();
    server.requests.length = 0;
    const stale = await installPlugins({ ...opts, cachedIndexFirst: true });
    expect(stale.plugins[0]?.source).toBe('cache');
    expect(stale.httpRequests).toBe(0);
    expect(server.requests).toEqual([]);
    expect(stale.staleIndexes).toEqual(['own']);

    expect(await refreshIndexes(opts, stale.staleIndexes)).toEqual([]);
    expect(server.requests.map((r) => r.path)).toEqual(['/index.yaml']);
    expect(JSON.parse(await readFile(meta, 'utf8')).fetchedAt).toBeGreaterThan(Date.now() - 10_000);
    const fresh = await installPlugins({ ...opts, cachedIndexFirst: true });
    expect(fresh.staleIndexes).toEqual([]);

    // A stale index that does not list a requested plugin is fetched anew rather than failing.
    const { index } = indexCachePaths(opts.cacheDir, 'own');
    const text = await readFile(index, 'utf8');
    await writeFile(index, text.replace(/name: ticker/g, 'name: ticker-old'));
    await age();
    server.requests.length = 0;
    const more = await installPlugins({
      ...opts,
      plugins: ['own/greet', 'own/ticker'],
      cachedIndexFirst: true,
    });
    expect(more.plugins.map((p) => p.name)).toEqual(['greet', 'ticker']);
    expect(server.requests.filter((r) => r.path === '/index.yaml')).toHaveLength(1);
    expect(more.staleIndexes).toEqual([]);
  });

  it('reports a repository whose index cannot be refreshed and has no cached copy', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'sb-cache-'));
    server.fault('/index.yaml', { status: 503 });
    try {
      const failures = await refreshIndexes(
        { cacheDir, repositories: { own: { url: `${server.url}index.yaml` } }, http: { retries: 0 } },
        ['own'],
      );
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ repo: 'own', error: { code: 'SB_ERR_REPO_FETCH' } });
      expect(failures[0]?.error.message).toContain('503');
    } finally {
      server.clearFaults();
    }
  });
});
