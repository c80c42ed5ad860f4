import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { launchPlugin } from '../../src/plugins/host/plugin-instance.js';
import { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { startAgent } from '../support/agent-harness.js';
import { publishExecutorFixture } from '../support/console-harness.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/*
 * A real plugin process (the TypeScript executor fixture) that floods its stderr with
 * 100-byte lines: the agent log gets at most the plugin's log limit, the rest is counted,
 * reported in warnings and in the plugin's status, and the panic that explains a crash
 * still reaches the log and the error.
 */

const fixture = inject('tsFixtures')['executor-fixture'] as string;
const limit = { linesPerSecond: 100, bytesPerSecond: 1024 * 1024 };

type Line = Record<string, unknown>;
const floodLines = (lines: Line[]) => lines.filter((l) => /^flood /.test(String(l.msg))).length;
const dropWarnings = (lines: Line[]) =>
  lines.filter((l) => l.msg === 'plugin log output over its limit; lines dropped');
const droppedLines = (lines: Line[]) =>
  dropWarnings(lines).reduce((sum, l) => sum + Number(l.droppedLines), 0);
/** Lines the limit can have let through in `ms`: its rate, plus the two-second burst. */
const allowance = (ms: number) => Math.ceil((limit.linesPerSecond * ms) / 1000) + 2 * limit.linesPerSecond;

describe('a plugin flooding its stderr', () => {
  it('gets its log limit into the agent log; the rest is counted in warnings and its status', async () => {
    const { logger, lines } = createTestLogger('debug');
    const flood = 100_000;
    const supervisor = new PluginSupervisor({
      launch: {
        name: 'local/flood',
        binary: fixture,
        autoMtls: false,
        // Generous: a loaded machine may need seconds to start Node and read 10 MB.
        startTimeoutMs: 60_000,
        envExtra: { FIXTURE_STDERR_FLOOD: String(flood) },
        logLimit: limit,
        logDropReportMs: 200,
      },
      logger,
      healthCheckIntervalMs: 0,
    });
    const started = performance.now();
    try {
      await supervisor.start();
      // Every line is accounted for: relayed (the flood lines and `flood done`) or reported dropped.
      const relayed = () => floodLines(lines) + lines.filter((l) => l.msg === 'flood done').length;
      await waitFor(
        () => relayed() + droppedLines(lines) === flood + 1,
        60_000,
        'all flood lines accounted for',
      );
      const elapsed = performance.now() - started;

      expect(floodLines(lines)).toBeLessThanOrEqual(allowance(elapsed));
      expect(droppedLines(lines)).toBeGreaterThan(flood / 2);
      expect(dropWarnings(lines)[0]).toMatchObject({
        level: 40,
        plugin: 'local/flood',
        linesPerSecond: 100,
        droppedBytes: expect.any(Number),
      });
      expect(supervisor.status()).toMatchObject({
        state: 'running',
        logDropped: { lines: droppedLines(lines), bytes: expect.any(Number) },
      });
      // Each flood line is 100 bytes with its newline.
      expect(supervisor.status().logDropped?.bytes).toBeGreaterThanOrEqual(droppedLines(lines) * 100 - 100);
    } finally {
      await supervisor.stop();
    }
  }, 120_000);

  it('still logs the panic of a plugin that dies after a flood, and keeps it in the error', async () => {
    const { logger, lines } = createTestLogger('debug');
    const flood = 50_000;
    const started = performance.now();
    const launch = launchPlugin({
      name: 'local/flood-panic',
      binary: fixture,
      autoMtls: false,
      startTimeoutMs: 60_000,
      envExtra: { FIXTURE_STDERR_FLOOD: String(flood), FIXTURE_EXIT_AT_START: '3' },
      logger,
      logLimit: limit,
    });
    await expect(launch).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_EXITED',
      message: expect.stringContaining('panic: fixture asked to exit at start'),
    });
    const elapsed = performance.now() - started;
    expect(
      lines.some((l) => l.plugin === 'local/flood-panic' && /^panic: fixture asked/.test(String(l.msg))),
    ).toBe(true);
    expect(floodLines(lines)).toBeLessThanOrEqual(allowance(elapsed));
    // The last report is made when the process ends, not at the next 10 s tick.
    const relayedDone = lines.filter((l) => l.msg === 'flood done').length;
    expect(floodLines(lines) + relayedDone + droppedLines(lines)).toBe(flood + 1);
  }, 120_000);

  it('through the agent: plugins.runtime.logLimit applies, and drops show in /status and /metrics', async () => {
    // The executor fixture, published as the agent installs plugins.
    const repo = await publishExecutorFixture();

    const run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [fx]}}
executors:
  fx:
    sb/fixture: {enabled: true}
settings:
  metricsPort: 0
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${join(repo, 'index.yaml')}"}
  incomingWebhook: {enabled: false}
  runtime:
    startTimeout: 60s
    logLimit: {linesPerSecond: 50}
    env: {extra: {FIXTURE_STDERR_FLOOD: '20000'}}
`,
    );
    try {
      // The first report comes at the 10 s tick after the flood.
      const dropped = await waitFor(
        () => run.agent.status().plugins.find((p) => p.name === 'sb/fixture')?.logDropped,
        60_000,
        'logDropped in the plugin status',
      );
      expect(dropped.lines).toBeGreaterThan(10_000);
      expect(
        run.lines.filter((l) => l.plugin === 'sb/fixture' && /^flood /.test(String(l.msg))).length,
      ).toBeLessThan(10_000);
      const metricsUrl = (run.urls as { metricsUrl?: string }).metricsUrl as string;
      const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
      const counted = /switchboard_plugin_log_dropped_lines_total\{plugin="sb\/fixture"\} (\d+)/.exec(
        metrics,
      )?.[1];
      expect(Number(counted)).toBeGreaterThanOrEqual(dropped.lines);
      expect(metrics).toMatch(/switchboard_plugin_log_dropped_bytes_total\{plugin="sb\/fixture"\} \d+/);
    } finally {
      await run.agent.stop();
    }
  }, 180_000);
});
