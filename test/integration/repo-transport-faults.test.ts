import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/switchboard-error.js';
import { type InstallOptions, installPlugins } from '../../src/plugins/repository/index.js';
import { indexCachePaths } from '../../src/plugins/repository/repository-index.js';
import { buildOwnRepository } from '../fixtures/repo/build-repo.js';
import { runCli } from '../support/cli.js';
import { type StaticServer, startStaticServer } from '../support/static-server.js';

let built: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'sb-transport-built-'));
  await buildOwnRepository(built);
}, 120_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await rm(built, { recursive: true, force: true });
});

const tmp = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

async function staticServer(dir: string): Promise<StaticServer> {
  const server = await startStaticServer(dir);
  cleanups.push(() => server.close());
  return server;
}

function installOptions(cacheDir: string, url: string, extra: Partial<InstallOptions> = {}): InstallOptions {
  return {
    cacheDir,
    repositories: { own: { url } },
    plugins: ['own/greet'],
    platform: { os: 'linux', arch: 'amd64' },
    http: { retries: 2, retryBaseMs: 10 },
    ...extra,
  };
}

/** Runs `fn` and returns what it threw (failing the test when it did not throw). */
async function failure(fn: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a failure, got success');
}

/**
 * Python's `http.server`, as users run it: HTTP/1.0, so every response ends by the server
 * closing the connection. Port 0 makes it pick a free port, which it prints.
 */
async function pythonServer(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    'python3',
    ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill();
      await once(child, 'exit');
    }
  });
  let out = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /port (\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}): ${out}`)));
  });
  // Its access log goes to stderr; drain it so a full pipe never stalls the server.
  child.stderr?.resume();
  return { url: `http://127.0.0.1:${port}/`, child };
}

/** A loopback server whose every request is answered by `handle`. */
async function rawServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return server;
}
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

describe('an HTTP/1.0 server that closes every connection (python3 -m http.server)', () => {
  it('50 installs, 10 of them through the CLI, all succeed and none crashes the process', async () => {
    const { url, child } = await pythonServer(built);
    // In process: an undici assertion here would be an uncaught exception and fail the run.
    for (let i = 0; i < 40; i++) {
      const result = await installPlugins(
        installOptions(await tmp('sb-cache-py-'), `${url}index.yaml`, {
          plugins: ['own/greet', 'own/ticker'],
        }),
      );
      expect(result.plugins.map((p) => [p.key, p.source])).toEqual([
        ['own/greet', 'download'],
        ['own/ticker', 'download'],
      ]);
    }
    for (let i = 0; i < 10; i++) {
      const cache = await tmp('sb-cache-py-cli-');
      const res = await runCli([
        'plugin',
        'install',
        'own/greet',
        'own/ticker',
        '--repo',
        `own=${url}index.yaml`,
        '--cache-dir',
        cache,
        '--platform',
        'linux/amd64',
        '--json',
      ]);
      expect(res.stderr).not.toContain('AssertionError');
      expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(res.stdout).plugins).toHaveLength(2);
    }
    expect(child.exitCode).toBe(null);
  }, 300_000);
});

describe('overall deadlines', () => {
  /** Headers at once, then one byte every 100 ms: never idle long enough for the idle timeout. */
  const trickle = (res: ServerResponse, length: number) => {
    res.writeHead(200, { 'content-length': length });
    const timer = setInterval(() => res.write('#'), 100);
    res.on('close', () => clearInterval(timer));
  };

  it('a trickling index fails at the index deadline, naming URL, deadline and setting', async () => {
    const server = await rawServer((_req, res) => trickle(res, 100_000));
    const url = `${urlOf(server)}index.yaml`;
    const cacheDir = await tmp('sb-cache-trickle-');
    const started = Date.now();
    const err = await failure(async () =>
      installPlugins({
        ...installOptions(cacheDir, url),
        repositories: { own: { url, indexDeadlineMs: 1500 } },
      }),
    );
    expect(err.code).toBe('SB_ERR_REPO_DEADLINE');
    expect(err.message).toContain(`repository own: index: ${url} did not finish within its deadline of 1.5s`);
    expect(err.message).toContain('raise plugins.repositories.own.indexDeadline (CLI: --index-deadline)');
    // Without the deadline this runs until the 100 kB have trickled in (about 3 hours).
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await readdir(cacheDir)).not.toContain('own.yaml');
  });

  it('a trickling archive fails at the download deadline; the index is served normally', async () => {
    const repo = await tmp('sb-repo-trickle-');
    await cp(built, repo, { recursive: true });
    const files = await staticServer(repo);
    const archive = `${files.url}executor_greet_linux_amd64.tar.gz`;
    const server = await rawServer((_req, res) => trickle(res, 1_000_000));
    files.fault('/executor_greet_linux_amd64.tar.gz', { redirectTo: `${urlOf(server)}slow.tar.gz` });
    const err = await failure(async () =>
      installPlugins({
        ...installOptions(await tmp('sb-cache-trickle-'), `${files.url}index.yaml`),
        repositories: { own: { url: `${files.url}index.yaml`, downloadDeadlineMs: 1500 } },
      }),
    );
    expect(err.code).toBe('SB_ERR_REPO_DEADLINE');
    expect(err.message).toContain(
      `repository own: executor greet v1.0.0 (linux/amd64): ${archive} did not finish within its deadline of 1.5s`,
    );
    expect(err.message).toContain('plugins.repositories.own.downloadDeadline (CLI: --download-deadline)');
  });

  it('plugin install: --index-deadline on the command line, indexDeadline in a --config', async () => {
    const server = await rawServer((_req, res) => trickle(res, 100_000));
    const url = `${urlOf(server)}index.yaml`;
    const flag = await runCli([
      'plugin',
      'install',
      'own/greet',
      '--repo',
      `own=${url}`,
      '--cache-dir',
      await tmp('sb-cache-'),
      '--index-deadline',
      '1s',
    ]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain(
      `Error: repository own: index: ${url} did not finish within its deadline of 1s`,
    );

    const dir = await tmp('sb-config-');
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `plugins:\n  cacheDir: ${join(dir, 'cache')}\n  repositories:\n    own:\n      url: ${url}\n      indexDeadline: 1200ms\n`,
    );
    const fromConfig = await runCli(['plugin', 'install', 'own/greet', '-c', config]);
    expect(fromConfig.code).toBe(1);
    expect(fromConfig.stderr).toContain('did not finish within its deadline of 1.2s');
  }, 120_000);
});

describe('redirects', () => {
  /** Origin A (the repository, with headers configured) and origin B (another port). */
  async function twoOrigins() {
    const repo = await tmp('sb-repo-a-');
    await cp(built, repo, { recursive: true });
    await mkdir(join(repo, 'deps-real'));
    await copyFile(join(repo, 'deps/greeting-1.0.tar.gz'), join(repo, 'deps-real/greeting-1.0.tar.gz'));
    const a = await staticServer(repo);
    const b = await staticServer(repo);
    return { a, b };
  }
  const headers = { Authorization: 'Bearer s3cret', 'X-Custom': 'custom-secret' };

  it('configured headers go to their own origin only, hop by hop', async () => {
    const { a, b } = await twoOrigins();
    // Archive: A -> B. Dependency: A -> B -> back to A.
    a.fault('/executor_greet_linux_amd64.tar.gz', {
      redirectTo: `${b.url}executor_greet_linux_amd64.tar.gz`,
    });
    a.fault('/deps/greeting-1.0.tar.gz', { redirectTo: `${b.url}hop` });
    b.fault('/hop', { redirectTo: `${a.url}deps-real/greeting-1.0.tar.gz`, status: 307 });
    const result = await installPlugins({
      ...installOptions(await tmp('sb-cache-'), `${a.url}index.yaml`),
      repositories: { own: { url: `${a.url}index.yaml`, headers } },
    });
    expect(result.plugins[0]?.source).toBe('download');
    const seen = (s: StaticServer) =>
      s.requests.map((r) => [r.path, r.headers.authorization ?? null, r.headers['x-custom'] ?? null]);
    expect(seen(a).sort()).toEqual(
      [
        ['/deps-real/greeting-1.0.tar.gz', 'Bearer s3cret', 'custom-secret'],
        ['/deps/greeting-1.0.tar.gz', 'Bearer s3cret', 'custom-secret'],
        ['/executor_greet_linux_amd64.tar.gz', 'Bearer s3cret', 'custom-secret'],
        ['/index.yaml', 'Bearer s3cret', 'custom-secret'],
      ].sort(),
    );
    expect(seen(b).sort()).toEqual([
      ['/executor_greet_linux_amd64.tar.gz', null, null],
      ['/hop', null, null],
    ]);
  });

  it('a redirect loop fails at once, naming the chain, without retries', async () => {
    const { a, b } = await twoOrigins();
    a.fault('/index.yaml', { redirectTo: `${b.url}elsewhere.yaml` });
    b.fault('/elsewhere.yaml', { redirectTo: `${a.url}index.yaml`, status: 301 });
    const err = await failure(async () =>
      installPlugins(installOptions(await tmp('sb-cache-'), `${a.url}index.yaml`)),
    );
    expect(err.code).toBe('SB_ERR_REPO_FETCH');
    expect(err.message).toBe(
      `repository own: index: download of ${a.url}index.yaml failed: redirect loop: ${a.url}index.yaml -> ${b.url}elsewhere.yaml -> ${a.url}index.yaml`,
    );
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
  });

  it('a redirect to file: fails at once and reads nothing', async () => {
    const { a } = await twoOrigins();
    a.fault('/index.yaml', { redirectTo: 'file:///etc/passwd' });
    const err = await failure(async () =>
      installPlugins(installOptions(await tmp('sb-cache-'), `${a.url}index.yaml`)),
    );
    expect(err.code).toBe('SB_ERR_REPO_FETCH');
    expect(err.message).toBe(
      `repository own: index: download of ${a.url}index.yaml failed: ${a.url}index.yaml redirected to file:///etc/passwd; only http(s) redirects are followed`,
    );
    expect(a.requests).toHaveLength(1);
  });
});

describe('index size cap', () => {
  /** An index that never ends (no Content-Length); records how much was written before the client left. */
  async function endlessIndex() {
    const state = { written: 0, closed: undefined as Promise<void> | undefined };
    const server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      const line = Buffer.from(`# ${'x'.repeat(1021)}\n`);
      state.closed = new Promise((resolve) => res.on('close', () => resolve()));
      const pump = () => {
        while (!res.destroyed && res.write(line)) state.written += line.length;
        if (!res.destroyed) {
          state.written += line.length;
          res.once('drain', pump);
        }
      };
      pump();
    });
    return { url: `${urlOf(server)}index.yaml`, state };
  }

  it('stops reading at the default 32 MiB cap, says how to raise it, and caches nothing', async () => {
    const { url, state } = await endlessIndex();
    const cacheDir = await tmp('sb-cache-cap-');
    const err = await failure(async () => installPlugins(installOptions(cacheDir, url)));
    expect(err.code).toBe('SB_ERR_REPO_SIZE_LIMIT');
    expect(err.message).toMatch(
      new RegExp(
        `^repository own: index: ${url.replace(/[.]/g, '\\.')} is larger than the cap of 32 MiB \\(\\d+ bytes\\); to accept it, raise plugins\\.repositories\\.own\\.maxIndexBytes \\(CLI: --max-index-bytes\\)$`,
      ),
    );
    await state.closed;
    // The connection was dropped at the cap: what the server got out is the cap plus socket buffers.
    expect(state.written).toBeLessThan(48 * 1024 * 1024);
    expect(await readdir(cacheDir)).not.toContain('own.yaml');
  });

  it('a configured cap applies; an over-cap cached index is not used', async () => {
    const { url } = await endlessIndex();
    const cacheDir = await tmp('sb-cache-cap-');
    const err = await failure(async () =>
      installPlugins({
        ...installOptions(cacheDir, url),
        repositories: { own: { url, maxIndexBytes: 64 * 1024 } },
      }),
    );
    expect(hasCode(err, 'SB_ERR_REPO_SIZE_LIMIT')).toBe(true);
    expect(err.message).toContain('is larger than the cap of 65536 bytes');

    // A good repository whose cached index (from before a cap was set) is over the cap: fetched again.
    const repo = await tmp('sb-repo-cap-');
    await cp(built, repo, { recursive: true });
    const files = await staticServer(repo);
    const opts = installOptions(cacheDir, `${files.url}index.yaml`);
    await installPlugins(opts);
    const paths = indexCachePaths(cacheDir, 'own');
    const size = (await stat(paths.index)).size;
    files.requests.length = 0;
    await installPlugins({
      ...opts,
      plugins: ['own/ticker'],
      repositories: { own: { url: `${files.url}index.yaml`, maxIndexBytes: size - 1 } },
    }).catch(() => undefined);
    expect(files.requests.map((r) => r.path)).toContain('/index.yaml');
  });
});
