import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

interface Run {
  code: number;
  stdout: string;
  /** stderr with oclif's ` ›   ` prefixes and line wrapping undone. */
  stderr: string;
}

/** Runs the built CLI (global setup compiles dist/) with stdin closed, as a script would. */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(repoRoot, 'bin/run.js'), ...args],
      { timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({
          code,
          stdout,
          stderr: stderr
            .replace(/\s*›\s+/g, ' ')
            .replace(/\s+/g, ' ')
            .trim(),
        });
      },
    );
    child.stdin?.end();
  });
}

/** Every command id (`plugin list`), from the compiled command files; `<dir>/index.js` is `<dir>`, as oclif reads it. */
async function commandIds(): Promise<string[]> {
  const root = join(repoRoot, 'dist/cli/commands');
  const entries = await readdir(root, { recursive: true });
  return entries
    .filter((f) => f.endsWith('.js'))
    .map((f) =>
      f
        .replace(/\.js$/, '')
        .replace(/\/index$/, '')
        .split('/')
        .join(' '),
    )
    .sort();
}

describe('switchboard help', () => {
  it('lists a topic’s commands with `help <topic>`', async () => {
    const result = await cli(['help', 'plugin']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('$ switchboard plugin COMMAND');
    for (const command of ['plugin run', 'plugin list', 'plugin install', 'plugin build']) {
      expect(result.stdout).toContain(command);
    }
  });

  it('shows a command’s help with `help <command>`', async () => {
    const result = await cli(['help', 'config', 'validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('$ switchboard config validate');
  });

  it('accepts -h on every command', async () => {
    const ids = await commandIds();
    expect(ids).toEqual(expect.arrayContaining(['chat', 'start', 'plugin run', 'config validate']));
    for (const id of ids) {
      const result = await cli([...id.split(' '), '-h']);
      expect({ id, code: result.code, stderr: result.stderr }).toEqual({ id, code: 0, stderr: '' });
      expect(result.stdout).toContain(`$ switchboard ${id}`);
    }
    // One CLI start per command (about 15, 1-3 s each on a loaded 2-core machine): this checks
    // that every command takes -h, not how fast the CLI starts (bench/ measures that).
  }, 120_000);
});

describe('a mistyped command', () => {
  it.each([
    ['plugn', 'switchboard plugin', 'switchboard help'],
    ['strat', 'switchboard start', 'switchboard help'],
    ['plugin lst', 'switchboard plugin list', 'switchboard help plugin'],
    ['config valdate', 'switchboard config validate', 'switchboard help config'],
  ])('`%s` suggests "%s" and exits 127', async (typed, suggestion, help) => {
    const result = await cli(typed.split(' '));
    expect(result.code).toBe(127);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `Warning: ${typed} is not a switchboard command. Did you mean "${suggestion}"? ` +
        `Error: Run "${help}" for a list of available commands.`,
    );
  });

  it('suggests nothing when nothing is close', async () => {
    const result = await cli(['xyzzy']);
    expect(result.code).toBe(127);
    expect(result.stderr).toBe(
      'Warning: xyzzy is not a switchboard command. Error: Run "switchboard help" for a list of available commands.',
    );
  });
});
