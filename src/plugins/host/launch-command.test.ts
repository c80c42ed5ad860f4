import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../../../test/support/temp-dir.js';
import { launchCommand } from './launch-command.js';

describe('launchCommand', () => {
  test('starts an extensionless Node program with this Node, as CommonJS, by absolute path', async ({
    dir,
  }) => {
    const file = await dir.write('executor_v1.0.0_hello', '#!/usr/bin/env node\nconsole.log(1);\n');
    await chmod(file, 0o755);
    const launch = launchCommand(file, ['--flag']);
    expect(launch.command).toBe(process.execPath);
    expect(launch.args[0]).toBe('-e');
    expect(launch.args.slice(2)).toEqual([file, '--flag']);
  });

  test('recognises node and env -S node interpreter lines', async ({ dir }) => {
    for (const [name, line] of [
      ['a_1.0_x', '#!/usr/local/bin/node'],
      ['b_1.0_x', '#!/usr/bin/env -S node --no-warnings'],
    ] as const) {
      const file = await dir.write(name, `${line}\n`);
      await chmod(file, 0o755);
      expect(launchCommand(file, []).command).toBe(process.execPath);
    }
  });

  test('executes everything else as it is', async ({ dir }) => {
    const mjs = await dir.write('plugin.mjs', '#!/usr/bin/env node\nawait 1;\n');
    await chmod(mjs, 0o755);
    const shell = await dir.write('executor_v1.0.0_sh', '#!/bin/sh\necho\n');
    await chmod(shell, 0o755);
    const notExecutable = await dir.write('executor_v1.0.0_ro', '#!/usr/bin/env node\n');
    const elf = join(dir.path, 'executor_v1.0.0_native');
    await copyFile('/bin/true', elf);
    for (const file of [mjs, shell, notExecutable, elf, join(dir.path, 'missing')]) {
      expect(launchCommand(file, ['x'])).toEqual({ command: file, args: ['x'] });
    }
  });
});
