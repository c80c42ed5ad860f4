import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildOwnRepository } from '../fixtures/repo/build-repo.js';
import { runCli } from '../support/cli.js';

let built: string;
const dirs: string[] = [];

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'sb-cli-built-'));
  await buildOwnRepository(built);
}, 120_000);
afterAll(async () => {
  await Promise.all([built, ...dirs].map((d) => rm(d, { recursive: true, force: true })));
});

async function tmp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A working directory holding `bundle/own/`, a file repository (relative URLs) of the fixture plugins. */
async function workspace(): Promise<string> {
  const cwd = await tmp('sb-cli-ws-');
  await mkdir(join(cwd, 'bundle'));
  await cp(built, join(cwd, 'bundle/own'), { recursive: true });
  return cwd;
}

// Each case runs the CLI as a child process a few times; on a loaded 2-core machine that is slow.
describe('plugin commands, first use', { timeout: 120_000 }, () => {
  it('`plugin index` is the command; `plugin generate-index` still runs but is not listed', async () => {
    const help = await runCli(['plugin', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+plugin index\s+Generate index\.yaml/m);
    expect(help.stdout).not.toContain('generate-index');

    const out = await tmp('sb-cli-index-');
    for (const file of (await readdir(built)).filter((f) => f.endsWith('_linux_amd64.tar.gz')))
      await cp(join(built, file), join(out, file));
    const viaIndex = await runCli([
      'plugin',
      'index',
      '--binaries-path',
      out,
      '--output',
      join(out, 'a.yaml'),
    ]);
    expect(viaIndex.code).toBe(0);
    const viaAlias = await runCli([
      'plugin',
      'generate-index',
      '--binaries-path',
      out,
      '--output',
      join(out, 'b.yaml'),
    ]);
    expect(viaAlias.code).toBe(0);
    expect(await readFile(join(out, 'b.yaml'), 'utf8')).toBe(await readFile(join(out, 'a.yaml'), 'utf8'));
  });

  it('--repo takes a path relative to the working directory, to a folder or to its index.yaml', async () => {
    const cwd = await workspace();
    for (const location of ['bundle/own', './bundle/own/index.yaml']) {
      const cache = join(cwd, `cache-${dirs.length}-${location.length}`);
      const res = await runCli(
        ['plugin', 'install', 'own/greet', '--repo', `own=${location}`, '--cache-dir', cache, '--json'],
        { cwd },
      );
      expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(res.stdout).plugins[0]).toMatchObject({ key: 'own/greet', version: 'v1.0.0' });
    }
    const missing = await runCli(['plugin', 'install', 'own/greet', '--repo', 'own=nowhere'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`Error: repository own: index: file://${cwd}/nowhere does not exist\n`);
  });

  it('plugin install -c config.yaml installs what the config uses, from its repositories, into its cache', async () => {
    const cwd = await workspace();
    const cache = join(cwd, 'agent-cache');
    await writeFile(
      join(cwd, 'config.yaml'),
      `communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [greeting], sources: []}}
executors:
  greeting:
    own/greet: {enabled: true, config: {name: Ada}}
sources:
  unused:
    own/ticker: {enabled: true}
plugins:
  cacheDir: ${cache}
  repositories:
    own: {url: ${join(cwd, 'bundle/own/index.yaml')}}
`,
    );
    const res = await runCli(['plugin', 'install', '-c', 'config.yaml'], { cwd });
    expect({ code: res.code, stderr: res.stderr }).toEqual({
      code: 0,
      stderr: 'own/greet: downloaded, verified, installed\n',
    });
    expect(res.stdout).toBe(`own/greet\texecutor v1.0.0\t${cache}/own/executor_v1.0.0_greet\n`);

    // Keys given: those, still from the config's repositories.
    const named = await runCli(['plugin', 'install', '-c', 'config.yaml', 'own/ticker'], { cwd });
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(/^own\/ticker\tsource 0\.2\.0\t/);

    const invalid = await runCli(['plugin', 'install', '-c', 'missing.yaml'], { cwd });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('missing.yaml');
  });

  it('stable beats a higher pre-release when unpinned; a pinned pre-release installs', async () => {
    const cwd = await workspace();
    const indexPath = join(cwd, 'bundle/own/index.yaml');
    const index = parse(await readFile(indexPath, 'utf8')) as {
      entries: Array<{ name: string; version: string }>;
    };
    const greet = index.entries.find((e) => e.name === 'greet');
    if (!greet) throw new Error('fixture repository has no greet');
    index.entries = [
      ...index.entries.filter((e) => e !== greet),
      { ...greet, version: '0.9.0' },
      { ...greet, version: '1.0.0-rc.1' },
    ];
    await writeFile(indexPath, stringify(index));
    const install = (key: string) =>
      runCli(['plugin', 'install', key, '--repo', 'own=bundle/own', '--cache-dir', 'cache'], { cwd });
    const unpinned = await install('own/greet');
    expect(unpinned.code).toBe(0);
    expect(unpinned.stdout).toBe(`own/greet\texecutor 0.9.0\t${cwd}/cache/own/executor_0.9.0_greet\n`);
    const pinned = await install('own/greet@1.0.0-rc.1');
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toBe(
      `own/greet@1.0.0-rc.1\texecutor 1.0.0-rc.1\t${cwd}/cache/own/executor_1.0.0-rc.1_greet\n`,
    );
  });

  it('plugin build without a plugins/ folder says what it expected, where, and which flag to use', async () => {
    const cwd = await tmp('sb-cli-empty-');
    const res = await runCli(['plugin', 'build'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      `Error: no plugins directory at ${cwd}/plugins (it does not exist): plugin build expects <dir>/<plugin>/plugin.json, <dir> being ./plugins of the current directory unless --plugins-dir names another; run it from the project root or pass --plugins-dir <dir>\n`,
    );
    expect(res.stderr).not.toContain('ENOENT');
  });
});
