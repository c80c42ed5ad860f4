import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, createAgent } from '../../src/app/agent.js';
import type { PlatformInstance } from '../../src/app/topology.js';
import type { Bot } from '../../src/bots/bot.js';
import { loadConfig } from '../../src/config/load.js';
import type { Destination } from '../../src/delivery/destination.js';
import type { Logger } from '../../src/log/logger.js';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../../src/plugins/publish/index-builder.js';
import { repoRoot } from './build-fixtures.js';
import { TestBot } from './test-bot.js';
import { createTestLogger, waitFor } from './test-logger.js';

/**
 * Helpers for end-to-end tests through the agent: publish the built-in plugins into a
 * repository directory (once per test file), start an agent from a YAML config with a
 * TestBot as its console platform, and run real servers (Alertmanager) on loopback.
 */

let published: Promise<string> | undefined;

/** Publishes the built-in plugins (plugins/*) into a temp repository directory; memoised. */
export function publishBuiltins(): Promise<string> {
  published ??= (async () => {
    const repo = await mkdtemp(join(tmpdir(), 'sb-e2e-repo-'));
    await buildPlugins({
      pluginsDir: join(repoRoot, 'plugins'),
      outputDir: repo,
      rootDir: repoRoot,
      platforms: [{ os: 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64' }],
      // As the repository's own dist/plugins: plugin-code-cache.test.ts covers the cache.
      codeCache: false,
    });
    await buildIndex({
      binariesPath: repo,
      urlBasePath: '.',
      outputFile: join(repo, 'index.yaml'),
      logger: createTestLogger('silent').logger,
    });
    return repo;
  })();
  return published;
}

export interface RunningAgent {
  agent: Agent;
  bot: TestBot;
  urls: { operationsUrl: string; webhooksUrl?: string };
  lines: Record<string, unknown>[];
  dir: string;
  configFile: string;
}

export interface StartAgentOptions {
  watch?: boolean;
  /** Runtime state directory; default `state` in the agent's own directory. */
  stateDir?: string;
  /** `start --strict`. */
  strict?: boolean;
  /** Platforms other than the console (which is the TestBot); undefined: not implemented. */
  platform?: (instance: PlatformInstance, logger: Logger) => Bot | Destination | undefined;
}

/**
 * Writes `config` (YAML) to a fresh directory, loads it and starts an agent with a TestBot (ports
 * 0). When start fails the agent is stopped (as `switchboard start` does) and the error thrown.
 */
export async function startAgent(
  config: string | ((dir: string) => string),
  options: StartAgentOptions = {},
): Promise<RunningAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-e2e-agent-'));
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, typeof config === 'function' ? config(dir) : config);
  const { config: loaded, locator } = await loadConfig({ files: [configFile] });
  const logger = createTestLogger();
  const bot = new TestBot('default/console');
  const agent = createAgent(loaded, {
    logger: logger.logger,
    version: '0.1.0-test',
    stateDir: options.stateDir ?? join(dir, 'state'),
    configFiles: [configFile],
    createPlatform: (instance) =>
      instance.platform === 'console' ? bot : options.platform?.(instance, logger.logger),
    ports: { operations: 0, webhooks: 0 },
    locator,
    ...(options.watch ? { watch: { files: [configFile] } } : {}),
    ...(options.strict ? { strict: true } : {}),
  });
  let urls: Awaited<ReturnType<Agent['start']>>;
  try {
    urls = await agent.start();
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return { agent, bot, urls, lines: logger.lines, dir, configFile };
}

/** A free loopback port (the OS picks one; a tiny race with other processes is accepted). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const alertmanagerBin = '/usr/bin/prometheus-alertmanager';

/**
 * Starts the real Alertmanager on `port` (loopback) with one webhook receiver at `webhookUrl`
 * (send_resolved, short group waits). Ready when `/-/ready` answers. Returns its URL and stop.
 */
export async function startAlertmanager(
  port: number,
  webhookUrl: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-e2e-am-'));
  const url = `http://127.0.0.1:${port}`;
  await writeFile(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: switchboard',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: switchboard',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    alertmanagerBin,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode})`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
      },
      60_000,
      'alertmanager to be ready',
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nalertmanager stderr:\n${stderr}`);
  }
  return { url, stop };
}
