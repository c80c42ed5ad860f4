import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import { test } from '../support/temp-dir.js';

/*
 * bin/run.js in a source checkout that `npm ci` has not built yet: a copy of bin/ and
 * package.json, with or without the dependencies (a link to this repo's node_modules).
 */

function run(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(dir, 'bin/run.js'), ...args],
      { timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

async function checkout(dir: string, options: { dependencies: boolean; built: boolean }): Promise<void> {
  await mkdir(join(dir, 'bin'));
  await copyFile(join(repoRoot, 'bin/run.js'), join(dir, 'bin/run.js'));
  await copyFile(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  if (options.dependencies) await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  if (options.built) await cp(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
}

describe('bin/run.js in a checkout', () => {
  test('says that npm ci builds it when dist/ is missing', async ({ dir }) => {
    await checkout(dir.path, { dependencies: true, built: false });
    const result = await run(dir.path, ['start']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cannot run yet: it is not built (dist/ is missing)');
    expect(result.stderr).toContain(
      'Run `npm ci` in it first: it installs the dependencies and builds dist/',
    );
  });

  test('says so when the dependencies are not installed', async ({ dir }) => {
    await checkout(dir.path, { dependencies: false, built: true });
    const result = await run(dir.path, ['--version']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot run yet: its dependencies are not installed');
  });

  test('runs once built, without a warning when output is not a terminal', async ({ dir }) => {
    await checkout(dir.path, { dependencies: true, built: true });
    const result = await run(dir.path, ['--version']);
    expect(result).toEqual({ code: 0, stdout: expect.stringMatching(/^switchboard\/0\.1\.0 /), stderr: '' });
  });

  test('warns a person at a terminal when src/ changed since the build', async ({ dir }) => {
    await checkout(dir.path, { dependencies: true, built: true });
    const later = new Date(Date.now() + 60_000);
    await dir.write('src/core/changed.ts', 'export {};\n');
    await utimes(join(dir.path, 'src/core/changed.ts'), later, later);
    // script(1) gives the CLI a terminal, as a person running it has.
    const result = await new Promise<string>((resolve, reject) =>
      execFile(
        'script',
        ['-qec', `${process.execPath} ${join(dir.path, 'bin/run.js')} --version`, '/dev/null'],
        { timeout: 30_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(result).toContain(
      'switchboard: warning: dist/ is older than src/core/changed.ts; this runs the code of the last build. Run `npm run build` to use your changes.',
    );
    expect(result).toMatch(/switchboard\/0\.1\.0 /);
  });
});
