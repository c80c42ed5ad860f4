import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { keepStreaming, type StreamState } from '../../src/bridge/source/stream-keeper.js';
import { parseEvent } from '../../src/contract/event.js';
import { parseMessage } from '../../src/contract/message.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { createSourceClient } from '../../src/plugins/host/source-client.js';
import {
  type PluginStatus,
  PluginSupervisor,
  type SupervisorOptions,
} from '../../src/plugins/host/supervisor.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const fixtures = inject('tsFixtures');
const supervisors: PluginSupervisor[] = [];
const fastBackoff = { initialDelayMs: 50, maxDelayMs: 400, multiplier: 2, jitter: 0 };

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function supervise(
  binary: string,
  options: Partial<SupervisorOptions> & { env?: Record<string, string> } = {},
) {
  const changes: (PluginStatus & { at: number })[] = [];
  const supervisor = new PluginSupervisor({
    launch: {
      name: 'sup/fixture',
      binary,
      autoMtls: false,
      envExtra: options.env ?? {},
      // A launch that times out counts as a crash and skews every count below; spawning Node on a
      // loaded machine can take seconds.
      startTimeoutMs: 15_000,
    },
    logger: createTestLogger().logger,
    healthCheckIntervalMs: 0,
    backoff: fastBackoff,
    ...options,
    onStateChange: (s) => changes.push({ ...s, at: Date.now() }),
  });
  supervisors.push(supervisor);
  return { supervisor, changes };
}

const call = (command: string): ExecuteCall => ({
  command,
  configs: [],
  context: { interactive: false, incomingWebhookBaseUrl: '' },
});
const text = (bytes: Uint8Array) => parseMessage(bytes).baseBody.codeBlock;

describe('PluginSupervisor', () => {
  it('reports status of a running plugin', async () => {
    const { supervisor } = supervise(fixtures['executor-fixture'] as string);
    await supervisor.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(supervisor.status()).toMatchObject({
      name: 'sup/fixture',
      state: 'running',
      pid: expect.any(Number),
      appVersion: 3,
      restarts: 0,
      recentCrashes: 0,
    });
    expect(supervisor.status().uptimeMs).toBeGreaterThan(0);
  });

  it('restarts a plugin that crashes mid-call; the caller gets a clear error', async () => {
    const { supervisor } = supervise(fixtures['executor-fixture'] as string);
    await supervisor.start();
    const client = createExecutorClient(supervisor);
    const firstPid = supervisor.status().pid;
    await expect(client.execute(call('fixture crash'))).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_EXITED',
      message: expect.stringMatching(
        /plugin sup\/fixture exited \(code 2\) during executor.Executor\/Execute; last stderr lines:\n {2}panic: fixture crash requested/,
      ),
    });
    // The next call waits through the restart and reaches the new process.
    expect(text((await client.execute(call('fixture echo again'))).message)).toBe('again');
    const status = supervisor.status();
    expect(status).toMatchObject({
      state: 'running',
      restarts: 1,
      lastError: expect.stringContaining('exited (code 2)'),
    });
    expect(status.pid).not.toBe(firstPid);
  });

  it('keeps a healthy plugin running through many health checks (TS and Go plugins)', async () => {
    const go = inject('goFixtures');
    if ('error' in go) throw new Error(go.error);
    for (const binary of [fixtures['executor-fixture'] as string, join(go.dir, 'executor_goecho')]) {
      const { supervisor } = supervise(binary, {
        healthCheckIntervalMs: 50,
        // One slow answer restarts the plugin (failures: 1), and a loaded machine can hold a healthy
        // plugin's answer past a second; what is tested is that healthy plugins are left alone.
        healthCheckTimeoutMs: 5000,
        healthCheckFailures: 1,
      });
      await supervisor.start();
      const pid = supervisor.status().pid;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(supervisor.status()).toMatchObject({ state: 'running', restarts: 0, pid });
      expect(supervisor.status().lastError).toBeUndefined();
    }
  });

  it('restarts a hung plugin found by health checks', async () => {
    const { supervisor } = supervise(fixtures['executor-fixture'] as string, {
      healthCheckIntervalMs: 100,
      healthCheckTimeoutMs: 150,
      healthCheckFailures: 2,
    });
    await supervisor.start();
    const client = createExecutorClient(supervisor);
    await expect(client.execute(call('fixture hang'), { deadlineMs: 300 })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_DEADLINE',
    });
    await waitFor(
      () => supervisor.status().restarts === 1 && supervisor.status().state === 'running',
      20_000,
      'restart',
    );
    expect(supervisor.status().lastError).toMatch(/stopped answering health checks \(2 failed/);
    expect(text((await client.execute(call('fixture echo alive'))).message)).toBe('alive');
  });

  it('backs off exponentially and quarantines a crash loop with the reason', async () => {
    const crashFlag = join(await mkdtemp(join(tmpdir(), 'sb-crash-')), 'crash');
    await writeFile(crashFlag, '');
    const { supervisor, changes } = supervise(fixtures['executor-fixture'] as string, {
      // Long enough for each launch to connect first even on a loaded machine: every crash is then
      // a crash of a running plugin, the case this test is about.
      env: { FIXTURE_EXIT_AFTER_MS: '1000', FIXTURE_EXIT_WHILE_FILE: crashFlag },
      quarantine: { maxCrashes: 4, windowMs: 60_000 },
    });
    await supervisor.start();
    // Four launches of a Node process, each living a second.
    await waitFor(() => supervisor.status().state === 'quarantined', 25_000, 'quarantine');
    const status = supervisor.status();
    expect(status.restarts).toBe(3);
    expect(status.quarantineReason).toMatch(
      /crashed 4 times within 60 s; last: exited \(code 7\): panic: fixture exit timer fired/,
    );
    await expect(supervisor.acquire(100)).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_QUARANTINED' });
    // The wait between a crash being recorded (first 'restarting') and the next launch
    // attempt (second 'restarting') doubles: 50, 100, 200 ms with no jitter.
    const waits: number[] = [];
    for (let i = 1; i < changes.length; i++) {
      const [before, now] = [changes[i - 1], changes[i]];
      if (before?.state === 'restarting' && now?.state === 'restarting') waits.push(now.at - before.at);
    }
    expect(waits).toHaveLength(3);
    waits.forEach((wait, i) => {
      const nominal = 50 * 2 ** i;
      expect(wait).toBeGreaterThanOrEqual(nominal - 2);
      expect(wait).toBeLessThan(nominal + 1000);
    });
    // An operator fixes the cause and reactivates it.
    await rm(crashFlag);
    await expect(supervisor.reactivate()).resolves.toBeUndefined();
    expect(supervisor.status().state).toBe('running');
  });

  it('rejects the first start when the plugin cannot start, and quarantines after retries', async () => {
    const { supervisor } = supervise(fixtures['executor-fixture'] as string, {
      env: { FIXTURE_EXIT_AT_START: '5' },
      quarantine: { maxCrashes: 3, windowMs: 60_000 },
    });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_EXITED' });
    await waitFor(() => supervisor.status().state === 'quarantined', 20_000, 'quarantine');
    expect(supervisor.status().quarantineReason).toContain('before printing its handshake');
  });

  it('is unavailable once stopped', async () => {
    const { supervisor } = supervise(fixtures['executor-fixture'] as string);
    await supervisor.start();
    const pid = supervisor.status().pid as number;
    await supervisor.stop();
    expect(supervisor.status().state).toBe('stopped');
    await expect(supervisor.acquire(100)).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_UNAVAILABLE' });
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('keepStreaming', () => {
  const context = {
    interactive: false,
    clusterName: 'c1',
    sourceName: 'ticks',
    incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
  };

  it('re-opens the stream after the plugin crashes and restarts', async () => {
    const { supervisor } = supervise(fixtures['source-fixture'] as string);
    await supervisor.start();
    const events: number[] = [];
    const states: string[] = [];
    const controller = new AbortController();
    const done = keepStreaming({
      client: createSourceClient(supervisor),
      call: { config: new TextEncoder().encode('count: 2\n'), context },
      onEvent: (e) => void events.push((parseEvent(e).rawObject as { i: number }).i),
      onState: (state: StreamState, reason?: string) =>
        void states.push(reason ? `${state}: ${reason}` : state),
      backoff: fastBackoff,
      signal: controller.signal,
    });
    await waitFor(() => events.length === 2, 5000, 'first events');
    process.kill(supervisor.status().pid as number, 'SIGKILL');
    await waitFor(() => events.length === 4, 20_000, 'events after restart');
    controller.abort();
    await done;
    expect(events).toEqual([1, 2, 1, 2]);
    expect(states.some((s) => /^waiting: plugin sup\/fixture exited \(signal SIGKILL\)/.test(s))).toBe(true);
    expect(supervisor.status().restarts).toBe(1);
  });

  it('re-opens a stream the plugin ended normally', async () => {
    const { supervisor } = supervise(fixtures['source-fixture'] as string);
    await supervisor.start();
    const events: number[] = [];
    const controller = new AbortController();
    const done = keepStreaming({
      client: createSourceClient(supervisor),
      call: { config: new TextEncoder().encode('count: 1\nclose: true\n'), context },
      onEvent: (e) => void events.push((parseEvent(e).rawObject as { i: number }).i),
      backoff: fastBackoff,
      signal: controller.signal,
    });
    await waitFor(() => events.length >= 3, 5000, 'three stream openings');
    controller.abort();
    await done;
    expect(supervisor.status().restarts).toBe(0);
  });
});
