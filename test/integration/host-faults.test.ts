import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { launchPlugin } from '../../src/plugins/host/plugin-instance.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const fixture = inject('tsFixtures')['executor-fixture'] as string;

function launchWith(
  env: Record<string, string>,
  options: { startTimeoutMs?: number; autoMtls?: boolean; binary?: string } = {},
) {
  return launchPlugin({
    name: 'faulty',
    binary: options.binary ?? fixture,
    logger: createTestLogger().logger,
    envExtra: env,
    // Generous: a loaded machine may need seconds to start the plugin's Node process.
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
    ...(options.autoMtls === undefined ? {} : { autoMtls: options.autoMtls }),
  });
}

async function script(body: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'sb-script-')), 'plugin.sh');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that has exited stays a zombie until whoever adopted it reaps it: it is gone too.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('plugin start failures', () => {
  it('refuses a garbage handshake, quoting what the plugin printed', async () => {
    await expect(launchWith({ FIXTURE_HANDSHAKE: 'hello world' })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_HANDSHAKE',
      message: expect.stringContaining('plugin faulty: unrecognised handshake line "hello world"'),
    });
  });

  it('refuses a wrong app version, naming the announced and the accepted versions', async () => {
    await expect(launchWith({ FIXTURE_HANDSHAKE: '1|9|unix|/tmp/nowhere|grpc|' })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_VERSION',
      message: expect.stringContaining('announced app protocol version "9", but this host accepts [1, 2, 3]'),
    });
  });

  it('refuses a wrong core version and a netrpc plugin', async () => {
    await expect(launchWith({ FIXTURE_HANDSHAKE: '2|3|unix|/tmp/x|grpc|' })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_VERSION',
    });
    await expect(launchWith({ FIXTURE_HANDSHAKE: '1|3|unix|/tmp/x|netrpc|' })).rejects.toMatchObject({
      message: expect.stringContaining('speaks protocol "netrpc"'),
    });
  });

  it('times out a slow start, kills the plugin and shows its stderr', async () => {
    // The timeout leaves the plugin's Node process time to print its stderr line even on a
    // loaded machine; the delay is far past both the timeout and the test's own timeout.
    const started = Date.now();
    const error = await launchWith({ FIXTURE_START_DELAY_MS: '60000' }, { startTimeoutMs: 5000 }).catch(
      (e) => e,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error).toMatchObject({
      code: 'SB_ERR_PLUGIN_START_TIMEOUT',
      message: expect.stringMatching(
        /printed no handshake within 5000 ms and was killed; last stderr lines:\n {2}warming up slowly/,
      ),
    });
    // SIGKILL is sent as the launch fails; the process is gone a moment later, not at once.
    await waitFor(() => !alive(error.details.pid), 10_000, 'the timed-out plugin to die');
  });

  it('reports a plugin that exits before its handshake, with exit code and stderr', async () => {
    await expect(launchWith({ FIXTURE_EXIT_AT_START: '3' })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_EXITED',
      message: expect.stringMatching(
        /exited \(code 3\) before printing its handshake; last stderr lines:\n {2}panic: fixture asked/,
      ),
    });
  });

  it('recognises a plugin that refuses the magic cookie', async () => {
    const binary = await script(
      "echo 'This binary is a plugin. These are not meant to be executed directly.' >&2\nexit 1",
    );
    await expect(launchWith({}, { binary })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_NOT_PLUGIN',
      message: expect.stringContaining('did not accept the Botkube magic cookie'),
    });
  });

  it('says why a binary cannot be started', async () => {
    await expect(launchWith({}, { binary: '/nonexistent/plugin' })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_SPAWN',
      message: 'could not start plugin faulty from /nonexistent/plugin: the file does not exist',
    });
    const notExecutable = join(await mkdtemp(join(tmpdir(), 'sb-noexec-')), 'plugin');
    await writeFile(notExecutable, '#!/bin/sh\n');
    await expect(launchWith({}, { binary: notExecutable })).rejects.toMatchObject({
      message: expect.stringContaining('is not executable'),
    });
  });

  it('refuses a plugin that ignores the AutoMTLS request, and reports an unreachable socket', async () => {
    await expect(
      launchWith({ FIXTURE_HANDSHAKE: '1|3|unix|/tmp/sb-no-such-socket|grpc|' }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_TLS',
      message: expect.stringContaining('set autoMtls: false for this plugin'),
    });
    await expect(
      launchWith(
        { FIXTURE_HANDSHAKE: '1|3|unix|/tmp/sb-no-such-socket|grpc|' },
        // The connection attempt lasts until the start deadline; a shorter one could expire
        // before a slow machine has even started the plugin (a start timeout, not this error).
        { autoMtls: false, startTimeoutMs: 5000 },
      ),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_HANDSHAKE',
      message: expect.stringContaining('could not be reached'),
    });
  });

  it('reports a plugin that exits after its handshake at once, not at the start timeout', async () => {
    const startedAt = Date.now();
    await expect(
      launchWith(
        { FIXTURE_HANDSHAKE: '1|3|unix|/tmp/sb-no-such-socket|grpc|', FIXTURE_EXIT_AFTER_MS: '200' },
        { autoMtls: false, startTimeoutMs: 20_000 },
      ),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_EXITED',
      message: expect.stringMatching(
        /exited \(code 7\) before its gRPC server answered; last stderr lines:\n {2}panic: fixture exit timer fired/,
      ),
    });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});

describe('a TypeScript plugin run without the host', () => {
  it('exits 1 with a notice on stderr and nothing on stdout', () => {
    const result = spawnSync(fixture, [], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^This binary is a plugin\. These are not meant to be executed directly/);
  });
});

describe('a plugin whose host dies', () => {
  it('exits by itself instead of lingering as an orphan', async () => {
    const cli = spawn(
      join(process.cwd(), 'bin/run.js'),
      ['plugin', 'run', fixture, 'execute', 'fixture sleep 60000'],
      {
        stdio: 'ignore',
      },
    );
    const childOf = (ppid: number) =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .find((d) => {
          try {
            return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(ppid);
          } catch {
            return false;
          }
        });
    const pluginPid = Number(await waitFor(() => childOf(cli.pid as number), 15_000, 'plugin process'));
    // The plugin notes its parent right after binding its socket; a host killed before that
    // would leave it nothing to compare with. So wait for the socket in the dir the host gave it.
    const socketBound = () => {
      try {
        const env = readFileSync(`/proc/${pluginPid}/environ`, 'utf8').split('\0');
        const dir = env.find((e) => e.startsWith('PLUGIN_UNIX_SOCKET_DIR='))?.split('=')[1];
        return dir !== undefined && readdirSync(dir).some((f) => f.startsWith('plugin'));
      } catch {
        return false;
      }
    };
    await waitFor(socketBound, 15_000, 'plugin to bind its socket');
    await new Promise((r) => setTimeout(r, 300));
    cli.kill('SIGKILL');
    // The plugin checks its parent once a second.
    await waitFor(() => !alive(pluginPid), 15_000, 'orphaned plugin to exit');
  });
});
