import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import { runCli } from '../support/cli.js';
import { test } from '../support/temp-dir.js';

/*
 * `switchboard plugin new` from the built CLI: what it writes and what it refuses. That the
 * generated projects build, pass their own tests and run under an agent is the walkthrough's
 * job (sdk-walkthrough.test.ts).
 */

const rootPackage = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

describe('switchboard plugin new', () => {
  test('writes an ESM executor project that depends on the SDK and this CLI', async ({ dir }) => {
    const result = await runCli(['plugin', 'new', 'disk-usage', '--type', 'executor'], { cwd: dir.path });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('created disk-usage/plugins/disk-usage/main.ts');
    const project = join(dir.path, 'disk-usage');
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      type: 'module',
      dependencies: { 'switchboard-sdk': '^0.1.0' },
      devDependencies: {
        switchboard: `^${rootPackage.version}`,
        typescript: rootPackage.devDependencies.typescript,
        '@types/node': rootPackage.devDependencies['@types/node'],
      },
    });
    expect(JSON.parse(await readFile(join(project, 'plugins/disk-usage/plugin.json'), 'utf8'))).toEqual([
      { type: 'executor', name: 'disk-usage', entry: 'main.ts' },
    ]);
    const main = await readFile(join(project, 'plugins/disk-usage/main.ts'), 'utf8');
    expect(main).toContain("from 'switchboard-sdk'");
    expect(main).toContain('await serveExecutor(');
    expect(await readFile(join(project, 'test/disk-usage.test.mjs'), 'utf8')).toContain(
      "'plugin', 'run', plugin",
    );
  });

  test('writes a source project with a stream and a webhook', async ({ dir }) => {
    const result = await runCli(['plugin', 'new', 'beat', '--type', 'source', '--dir', 'src-beat'], {
      cwd: dir.path,
    });
    expect(result.code).toBe(0);
    const main = await readFile(join(dir.path, 'src-beat/plugins/beat/main.ts'), 'utf8');
    expect(main).toContain('await serveSource(');
    expect(main).toContain('handleExternalRequest(input)');
    expect((await readdir(join(dir.path, 'src-beat'))).sort()).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'plugins',
      'test',
      'tsconfig.json',
    ]);
  });

  test('refuses a name Botkube would not accept, naming the value and the rule', async ({ dir }) => {
    for (const name of ['my_plugin', 'Hello', '1st']) {
      const result = await runCli(['plugin', 'new', name, '--type', 'executor'], { cwd: dir.path });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`plugin name "${name}" is not valid: expected lowercase letters`);
    }
    expect(await readdir(dir.path)).toEqual([]);
  });

  test('refuses an unknown type and a folder that is not empty, writing nothing', async ({ dir }) => {
    const badType = await runCli(['plugin', 'new', 'x', '--type', 'sink'], { cwd: dir.path });
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/Expected --type=sink to be one of: executor, source/);
    await dir.write('taken/notes.txt', 'mine\n');
    const taken = await runCli(['plugin', 'new', 'x', '--type', 'executor', '--dir', 'taken'], {
      cwd: dir.path,
    });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain(`${join(dir.path, 'taken')} already exists and is not empty`);
    expect(await readdir(join(dir.path, 'taken'))).toEqual(['notes.txt']);
  });
});
