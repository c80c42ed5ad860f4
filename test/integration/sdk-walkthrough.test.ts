import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

/*
 * docs/sdk.md, followed by a new author in an empty folder, from the packed tarballs of both
 * packages: install the CLI, scaffold, install, test, build, sign and index, serve the folder over
 * HTTP, run an agent whose plugin cache is inside the author's ("type": "module") project, and
 * have the plugin answer a command typed into the console. Every command the page shows is run
 * here, in the page's order.
 *
 * npm installs with --prefer-offline (the machine's npm cache has every dependency of this
 * repository) and --ignore-scripts (no native build of better-sqlite3: the agent here keeps its
 * delivery queue in memory, as the page's development config does).
 */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'];
let work: string;
const children: ChildProcess[] = [];

function run(cwd: string, command: string, args: string[], timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a step and fails with its whole output when it does not exit 0. */
async function step(cwd: string, command: string, args: string[], timeoutMs?: number): Promise<Run> {
  const result = await run(cwd, command, args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  return result;
}

/** Starts a long-running program and resolves once its stdout matches `ready`. */
function background(cwd: string, command: string, args: string[], ready: RegExp): Promise<RegExpMatchArray> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`${command} ${args.join(' ')} not ready in 60 s\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = ready.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${command} exited ${code} before it was ready\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sb-walkthrough-'));
});

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
});

describe('docs/sdk.md walkthrough from the packed packages', () => {
  let sdkTarball: string;
  let agentTarball: string;
  const tools = () => join(work, 'tools');
  const hello = () => join(work, 'hello');
  const cliIn = (dir: string) => join(dir, 'node_modules/switchboard/bin/run.js');

  it('packs both packages cleanly', async () => {
    const sdk = await step(join(repoRoot, 'packages/sdk'), 'npm', [
      'pack',
      '--ignore-scripts',
      '--pack-destination',
      work,
    ]);
    sdkTarball = join(work, sdk.stdout.trim().split('\n').pop() ?? '');
    const agent = await step(repoRoot, 'npm', ['pack', '--ignore-scripts', '--pack-destination', work]);
    agentTarball = join(work, agent.stdout.trim().split('\n').pop() ?? '');
    expect(sdkTarball).toMatch(/switchboard-sdk-\d+\.\d+\.\d+\.tgz$/);
    expect(agentTarball).toMatch(/switchboard-\d+\.\d+\.\d+\.tgz$/);
    // What each package ships.
    const listing = await step(join(repoRoot, 'packages/sdk'), 'npm', [
      'pack',
      '--dry-run',
      '--json',
      '--ignore-scripts',
    ]);
    const files = (JSON.parse(listing.stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'dist/index.js', 'dist/types/sdk/index.d.ts']),
    );
    // `npm publish --dry-run` has nothing to warn about but the missing login (no credentials here).
    for (const dir of [join(repoRoot, 'packages/sdk'), repoRoot]) {
      const dry = await step(dir, 'npm', ['publish', '--dry-run', '--ignore-scripts']);
      const warnings = dry.stderr.split('\n').filter((l) => /^npm (warn|error)/i.test(l));
      expect(warnings.filter((l) => !l.includes('requires you to be logged in'))).toEqual([]);
      expect(dry.stdout).toMatch(/^\+ switchboard(-sdk)?@\d+\.\d+\.\d+$/m);
    }
    const agentFiles = await step(repoRoot, 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const agentPaths = (JSON.parse(agentFiles.stdout) as [{ files: { path: string }[] }])[0].files.map(
      (f) => f.path,
    );
    expect(agentPaths).toEqual(
      // bin/run.js runs dist/bundle/; oclif.manifest.json saves it importing every command module.
      expect.arrayContaining([
        'LICENSE',
        'lib/sdk.js',
        'lib/sdk.d.ts',
        'bin/run.js',
        'dist/bundle/commands/start.js',
        'oclif.manifest.json',
      ]),
    );
  }, 300_000);

  it('the SDK alone installs into an empty folder with only the protobuf runtime', async () => {
    const dir = join(work, 'sdk-only');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), '{"name": "sdk-only", "private": true, "type": "module"}\n');
    await step(dir, 'npm', ['install', ...npmFlags, sdkTarball], 300_000);
    const tree = JSON.parse((await step(dir, 'npm', ['ls', '--all', '--json'])).stdout) as {
      dependencies: Record<string, { dependencies?: Record<string, unknown> }>;
    };
    expect(Object.keys(tree.dependencies)).toEqual(['switchboard-sdk']);
    // The gRPC server is the SDK's own, over node:http2: @grpc/grpc-js is not needed to serve.
    expect(Object.keys(tree.dependencies['switchboard-sdk']?.dependencies ?? {})).toEqual([
      '@bufbuild/protobuf',
    ]);
    const installed = (await step(dir, 'npm', ['ls', '--all', '--parseable'])).stdout;
    for (const heavy of [
      '@slack/bolt',
      'fastify',
      '@elastic/elasticsearch',
      'better-sqlite3',
      'pino',
      'zod',
      'yaml',
      '@grpc/grpc-js',
    ])
      expect(installed).not.toContain(`/node_modules/${heavy}\n`);
    const loaded = await step(dir, process.execPath, [
      '--input-type=module',
      '-e',
      "const sdk = await import('switchboard-sdk'); console.log(typeof sdk.serveExecutor, sdk.mergeConfigs(['a: 1', 'b: [x]']).b[0]);",
    ]);
    expect(loaded.stdout.trim()).toBe('function x');
  }, 300_000);

  it('installs the CLI and scaffolds an executor project', async () => {
    await mkdir(tools());
    await writeFile(join(tools(), 'package.json'), '{"name": "tools", "private": true}\n');
    await step(tools(), 'npm', ['install', ...npmFlags, sdkTarball, agentTarball], 600_000);
    const created = await step(work, process.execPath, [
      cliIn(tools()),
      'plugin',
      'new',
      'hello',
      '--type',
      'executor',
    ]);
    expect(created.stdout).toContain('created hello/plugins/hello/main.ts');
  }, 600_000);

  it("the project's own tests pass: type check, build, run through the host", async () => {
    // `npm install` once the packages are published; here, from the tarballs.
    await step(hello(), 'npm', ['install', ...npmFlags, sdkTarball, agentTarball], 600_000);
    const tested = await step(hello(), 'npm', ['test'], 300_000);
    expect(tested.stdout).toMatch(/# pass 2\n# fail 0/);
    expect((await stat(join(hello(), 'dist/executor_hello_linux_amd64.tar.gz'))).size).toBeGreaterThan(1000);
  }, 900_000);

  it('indexes with a signature, is served over HTTP and answers through the console of an agent', async () => {
    const cli = cliIn(hello());
    const publicKey = (
      await step(hello(), process.execPath, [cli, 'plugin', 'keygen', '--output', 'release'])
    ).stdout.trim();
    const indexed = await step(hello(), 'npm', ['run', 'index', '--', '--sign-key', 'release.key']);
    expect(indexed.stdout).toContain('executor hello 0.1.0: 4 platform(s)');
    expect(await readFile(join(hello(), 'dist/index.yaml.sig'), 'utf8')).not.toBe('');

    const served = await background(
      hello(),
      'python3',
      ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', 'dist'],
      /port (\d+)/,
    );
    await writeFile(
      join(hello(), 'switchboard.yaml'),
      `communications:
  default:
    console:
      enabled: true
      port: 0
      channels:
        ops: {name: ops, bindings: {executors: [greetings], sources: []}}
executors:
  greetings:
    mine/hello:
      enabled: true
      config: {greeting: Hi}
plugins:
  cacheDir: .switchboard/plugins
  repositories:
    mine:
      url: http://127.0.0.1:${served[1]}/index.yaml
      publicKeys: [${publicKey}]
  incomingWebhook: {enabled: false}
settings:
  healthPort: 0
  metricsPort: 0
  delivery:
    store: {type: memory}
`,
    );
    const started = await background(
      hello(),
      process.execPath,
      [cli, 'start', '--config', 'switchboard.yaml'],
      /switchboard chat --url (\S+)/,
    );
    // The cache is inside a "type": "module" project; the installed plugin is executor_0.1.0_hello.
    expect(JSON.parse(await readFile(join(hello(), 'package.json'), 'utf8')).type).toBe('module');
    expect((await stat(join(hello(), '.switchboard/plugins/mine/executor_0.1.0_hello'))).isFile()).toBe(true);

    const chat = spawn(
      process.execPath,
      [cli, 'chat', '--url', started[1] as string, '--channel', 'ops', '--no-color'],
      {
        cwd: hello(),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    children.push(chat);
    let out = '';
    chat.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    chat.stdin.end('hello Ada\n');
    const code = await new Promise<number | null>((resolve) => chat.on('exit', resolve));
    expect(out).toMatch(/#ops Switchboard:\n {4}Hi, Ada!\n/);
    expect(code).toBe(0);
  }, 180_000);

  it("a source project's own tests pass too", async () => {
    await step(work, process.execPath, [cliIn(tools()), 'plugin', 'new', 'beat', '--type', 'source']);
    // Same dependencies as the executor project: reuse its install.
    await symlink(join(hello(), 'node_modules'), join(work, 'beat/node_modules'));
    const tested = await step(join(work, 'beat'), 'npm', ['test'], 300_000);
    expect(tested.stdout).toMatch(/# pass 2\n# fail 0/);
  }, 300_000);
});
