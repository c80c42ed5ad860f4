import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect } from 'vitest';
import { createExecutorClient } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { bundlePluginProgram } from '../../src/plugins/publish/build-plugins.js';
import { repoRoot } from '../support/build-fixtures.js';
import { executeCall, messageText } from '../support/builtin-plugins.js';
import { test } from '../support/temp-dir.js';
import { createTestLogger } from '../support/test-logger.js';

/*
 * A plugin cache inside a `"type": "module"` project (an author's folder): the installed file
 * `executor_v1.0.0_echo` has the "extension" `.0_echo`, which Node refuses to load in a module
 * scope. The host must start it all the same.
 */

async function installInModuleProject(root: string): Promise<string> {
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'author', type: 'module' }));
  const cache = join(root, '.switchboard/plugins/repo');
  await mkdir(cache, { recursive: true });
  const binary = join(cache, 'executor_v1.0.0_echo');
  // The program exactly as `plugin build` ships it in the archive.
  const program = await bundlePluginProgram(
    join(repoRoot, 'plugins/echo/main.ts'),
    repoRoot,
    join(root, 'bundle.mjs'),
    'executor echo',
  );
  await writeFile(binary, program, { mode: 0o755 });
  await chmod(binary, 0o755);
  return binary;
}

describe('a Node plugin installed inside a "type": "module" project', () => {
  const running: PluginInstance[] = [];
  afterEach(() => Promise.all(running.splice(0).map((p) => p.stop())));

  test('cannot be executed directly by that name (the clash this guards against)', async ({ dir }) => {
    const binary = await installInModuleProject(dir.path);
    expect((await readFile(binary, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const failure = await promisify(execFile)(binary, [], { env: { PATH: process.env.PATH } }).then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(failure).toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  test('starts through the host and answers a command', async ({ dir }) => {
    const binary = await installInModuleProject(dir.path);
    const { logger } = createTestLogger();
    const instance = await launchPlugin({
      name: 'executor/echo',
      binary,
      logger,
      hostEnv: { PATH: process.env.PATH },
    });
    running.push(instance);
    const client = createExecutorClient(instanceHandle(instance));
    const answer = await client.execute(executeCall('echo hello from a module project'));
    expect(messageText(answer.message)).toContain('hello from a module project');
  });
});
