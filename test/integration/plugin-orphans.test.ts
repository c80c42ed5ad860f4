import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type PidRecord, PluginPidFiles } from '../../src/plugins/host/pid-files.js';
import { readProcIdentity } from '../../src/plugins/host/proc-stat.js';
import { freePort } from '../support/agent-harness.js';
import { spawnCli } from '../support/cli.js';
import { buildIndexWithoutDependencies } from '../support/fixture-index.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/*
 * `switchboard start` as a child process running the Go goecho plugin, which (like every
 * go-plugin plugin) does not notice its host dying. The agent is killed with SIGKILL: the
 * plugin lives on as an orphan; the next start with the same config and state directory
 * stops it, and leaves alone a live process whose pid a stale record names.
 */

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const spawned: ChildProcess[] = [];
const extraPids: number[] = [];

const alive = (pid: number) => readProcIdentity(pid) !== undefined;

function killQuietly(pid: number, group = false) {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

afterAll(() => {
  for (const child of spawned) if (child.pid && child.exitCode === null) killQuietly(child.pid);
  for (const pid of extraPids) killQuietly(pid, true);
});

interface RunningCli {
  child: ChildProcess;
  statusUrl: string;
  stderr: () => string;
}

async function startCli(config: string, stateDir: string): Promise<RunningCli> {
  const { child, stdout, stderr } = spawnCli(['start', '-c', config, '--state-dir', stateDir]);
  spawned.push(child);
  const statusUrl = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`start exited (${child.exitCode}): ${stderr()}`);
      return /Status: +(http:\/\/\S+)/.exec(stdout())?.[1];
    },
    90_000,
    'the agent to start',
  );
  return { child, statusUrl, stderr };
}

/** The pid of the running goecho plugin, from the agent's /status. */
async function pluginPid(statusUrl: string): Promise<number> {
  return waitFor(
    async () => {
      const status = (await (await fetch(statusUrl)).json()) as {
        plugins: { state: string; pid?: number }[];
      };
      const plugin = status.plugins.find((p) => p.state === 'running');
      return plugin?.pid;
    },
    60_000,
    'the plugin to run',
  );
}

describe('plugins left running by an agent killed with SIGKILL', () => {
  let dir: string;
  let config: string;
  let stateDir: string;

  beforeAll(async () => {
    const go = inject('goFixtures');
    if ('error' in go) throw new Error(go.error);
    dir = await mkdtemp(join(tmpdir(), 'sb-orphans-'));
    const repo = join(dir, 'repo');
    await mkdir(repo);
    await copyFile(join(go.dir, 'executor_goecho'), join(repo, `executor_goecho_linux_${arch}`));
    await buildIndexWithoutDependencies(repo);
    stateDir = join(dir, 'state');
    config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `
communications:
  default:
    console:
      enabled: true
      port: ${await freePort()}
      channels:
        ops: {name: ops, bindings: {executors: [go]}}
executors:
  go:
    sb/goecho: {enabled: true}
settings:
  clusterName: orphans
  healthPort: 0
  metricsPort: 0
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
  incomingWebhook: {enabled: false}
`,
    );
  }, 120_000);

  it('are stopped by the next start with the same config; an unrelated process with a recorded pid is not', async () => {
    const first = await startCli(config, stateDir);
    const orphan = await pluginPid(first.statusUrl);
    extraPids.push(orphan);
    const pidDirs = await readdir(join(stateDir, 'plugin-processes'));
    expect(pidDirs).toHaveLength(1);
    const pidDir = join(stateDir, 'plugin-processes', pidDirs[0] as string);
    expect(await readdir(pidDir)).toEqual([`${orphan}.json`]);

    const privateDir = readFileSync(`/proc/${orphan}/environ`, 'utf8')
      .split('\0')
      .find((e) => e.startsWith('PLUGIN_UNIX_SOCKET_DIR='))
      ?.split('=')[1] as string;
    expect(readdirSync(privateDir).length).toBeGreaterThan(0);

    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    // The plugin outlives its host: adopted by init (or a subreaper), no longer the agent's child.
    const adopted = readProcIdentity(orphan);
    expect(adopted).toBeDefined();
    expect(adopted?.ppid).not.toBe(first.child.pid);

    // A record whose pid now belongs to something else (here: a live `sleep` with another
    // start time, as after pid reuse) must not get that process killed.
    const bystander = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    spawned.push(bystander);
    const bystanderPid = bystander.pid as number;
    const stale: PidRecord = {
      plugin: 'sb/goecho',
      pid: bystanderPid,
      startTime: '1',
      binary: (readProcIdentity(orphan)?.cmdline[0] as string) ?? 'executor_goecho',
      agentPid: 1,
    };
    await writeFile(join(pidDir, `${bystanderPid}.json`), JSON.stringify(stale));

    const second = await startCli(config, stateDir);
    const successor = await pluginPid(second.statusUrl);
    extraPids.push(successor);
    await waitFor(() => !alive(orphan), 30_000, 'the orphaned plugin to be stopped');
    expect(successor).not.toBe(orphan);
    expect(alive(successor)).toBe(true);
    expect(second.stderr()).toMatch(
      new RegExp(`stopped a plugin process left running by a previous agent plugin=sb/goecho pid=${orphan} `),
    );
    expect(alive(bystanderPid)).toBe(true);
    // The orphan's private directory (its socket) went with it.
    expect(() => readdirSync(privateDir)).toThrow(/ENOENT/);
    expect(second.stderr()).not.toMatch(new RegExp(`stopped a plugin process .* pid=${bystanderPid} `));
    // Stale records are gone; the running plugin's is there.
    expect(await readdir(pidDir)).toEqual([`${successor}.json`]);

    // A clean stop removes the record along with the plugin.
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    expect(second.child.exitCode).toBe(0);
    expect(alive(successor)).toBe(false);
    expect(await readdir(pidDir)).toEqual([]);
  }, 240_000);
});

describe('plugin pid records', () => {
  it('are kept apart per config, and a record naming another binary is never acted on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-pids-'));
    const { logger } = createTestLogger('silent');
    const sleeper = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    spawned.push(sleeper);
    const pid = sleeper.pid as number;
    // Recorded for real (same start time), but under another agent's key…
    const other = new PluginPidFiles({ dir: join(dir, 'other'), logger });
    other.track({ plugin: 'x/sleep', binary: '/bin/sleep-not-this', pid }, new Promise(() => {}));
    const records = readdirSync(join(dir, 'other'));
    expect(records).toEqual([`${pid}.json`]);
    const record = JSON.parse(readFileSync(join(dir, 'other', records[0] as string), 'utf8')) as PidRecord;
    expect(record.startTime).toBe(readProcIdentity(pid)?.startTime);

    const mine = new PluginPidFiles({ dir: join(dir, 'mine'), logger });
    expect(await mine.reapOrphans()).toEqual([]);
    // …and even its own agent leaves it alone: the process's command line does not name that binary.
    expect(await other.reapOrphans()).toEqual([]);
    expect(alive(pid)).toBe(true);
  });

  it('leave the plugins of another running agent on the same config alone, and stop them once it is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-pids-'));
    const { logger } = createTestLogger('silent');
    const sleep = (seconds: string) => {
      const child = spawn('sleep', [seconds], { detached: true, stdio: 'ignore' });
      spawned.push(child);
      return child;
    };
    const owner = sleep('601');
    const plugin = sleep('602');
    const ownerPid = owner.pid as number;
    const pluginPid = plugin.pid as number;
    const record: PidRecord = {
      plugin: 'x/sleep',
      pid: pluginPid,
      startTime: readProcIdentity(pluginPid)?.startTime as string,
      binary: 'sleep',
      agentPid: ownerPid,
      agentStartTime: readProcIdentity(ownerPid)?.startTime as string,
    };
    await mkdir(join(dir, 'mine'));
    await writeFile(join(dir, 'mine', `${pluginPid}.json`), JSON.stringify(record));
    const files = new PluginPidFiles({ dir: join(dir, 'mine'), logger });

    expect(await files.reapOrphans()).toEqual([]);
    expect(alive(pluginPid)).toBe(true);
    expect(readdirSync(join(dir, 'mine'))).toEqual([`${pluginPid}.json`]);

    owner.kill('SIGKILL');
    await once(owner, 'exit');
    // Listened for first: the kill happens inside reapOrphans, and the exit may be reported before it returns.
    const pluginExit = once(plugin, 'exit');
    expect(await files.reapOrphans()).toEqual([{ plugin: 'x/sleep', pid: pluginPid, binary: 'sleep' }]);
    await pluginExit;
    expect(plugin.signalCode).toBe('SIGKILL');
    expect(readdirSync(join(dir, 'mine'))).toEqual([]);
  });
});
