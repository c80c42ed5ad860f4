import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { type Agent, createAgent } from '../../src/app/agent.js';
import type { PortOverrides } from '../../src/app/listeners.js';
import { hasCode } from '../../src/errors/switchboard-error.js';
import { freePort } from '../support/agent-harness.js';
import { runCli, spawnCli } from '../support/cli.js';
import { configFrom } from '../support/config-from.js';
import { type TempDir, test } from '../support/temp-dir.js';
import { createTestLogger } from '../support/test-logger.js';

/*
 * The agent's HTTP listeners on real sockets: loopback unless an address is set, reachable
 * from the network only when told, IPv6 literals bound and printed bracketed, and a port or
 * address that cannot be used named with the setting and variable that change it, by
 * `switchboard start` run as a child process.
 */

/** An address of this machine that is not loopback; 127.0.0.2 (also not 127.0.0.1) without one. */
const otherAddress =
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address ?? '127.0.0.2';

/** Resolves 'connected' or the connection error's code. */
async function tryConnect(host: string, port: number): Promise<string> {
  const socket = new Socket();
  const result = new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  socket.connect({ host, port });
  const outcome = await result;
  socket.destroy();
  return outcome;
}

const portOf = (url: string) => Number(new URL(url).port);

const agents: Agent[] = [];
const servers: Server[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** An agent with no plugins or platforms, only its listeners, on the given config. */
async function startListeners(
  dir: TempDir,
  yaml: string,
  ports: PortOverrides = { operations: 0, metrics: 0, webhooks: 0 },
) {
  const agent = createAgent(configFrom(yaml), {
    logger: createTestLogger('silent').logger,
    version: '0.1.0-test',
    stateDir: join(dir.path, 'state'),
    createPlatform: () => undefined,
    ports,
  });
  agents.push(agent);
  return agent.start();
}

/** A loopback port held by another program for the test's length. */
async function occupiedPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('listener addresses', () => {
  test('without an address setting every listener binds 127.0.0.1 only', async ({ dir }) => {
    const urls = await startListeners(dir, '');
    const all = [urls.operationsUrl, urls.metricsUrl, urls.webhooksUrl as string];
    expect(all.map((url) => new URL(url).hostname)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(new Set(all.map(portOf)).size).toBe(3);
    for (const url of all) {
      expect(await tryConnect('127.0.0.1', portOf(url))).toBe('connected');
      expect(await tryConnect(otherAddress, portOf(url))).toBe('ECONNREFUSED');
    }
    expect((await fetch(`${urls.operationsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${urls.metricsUrl}/metrics`)).status).toBe(200);
    // Each listener serves its own routes only.
    expect((await fetch(`${urls.operationsUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${urls.metricsUrl}/healthz`)).status).toBe(404);
  });

  test('an address of 0.0.0.0 accepts connections from the network, and its URL says so', async ({ dir }) => {
    const urls = await startListeners(
      dir,
      `settings: { healthAddress: 0.0.0.0, metricsAddress: 0.0.0.0 }
plugins: { incomingWebhook: { address: 0.0.0.0 } }`,
    );
    for (const url of [urls.operationsUrl, urls.metricsUrl, urls.webhooksUrl as string]) {
      expect(new URL(url).hostname).toBe('0.0.0.0');
      expect(await tryConnect(otherAddress, portOf(url))).toBe('connected');
    }
    const health = await fetch(`http://${otherAddress}:${portOf(urls.operationsUrl)}/healthz`);
    expect(health.status).toBe(200);
  });

  test('IPv6 addresses bind and print bracketed', async ({ dir }) => {
    const urls = await startListeners(
      dir,
      `settings: { healthAddress: "::1", metricsAddress: "[::1]" }
plugins: { incomingWebhook: { enabled: false } }`,
    );
    expect(urls.operationsUrl).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect(urls.metricsUrl).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await fetch(`${urls.operationsUrl}/healthz`)).status).toBe(200);
    expect(await tryConnect('127.0.0.1', portOf(urls.operationsUrl))).toBe('ECONNREFUSED');
  });

  test('the IPv6 wildcard prints as [::] and accepts IPv6 connections', async ({ dir }) => {
    const urls = await startListeners(
      dir,
      `settings: { healthAddress: "::" }
plugins: { incomingWebhook: { enabled: false } }`,
    );
    expect(urls.operationsUrl).toMatch(/^http:\/\/\[::\]:\d+$/);
    expect((await fetch(`http://[::1]:${portOf(urls.operationsUrl)}/healthz`)).status).toBe(200);
  });

  test('metrics on the health port share its server', async ({ dir }) => {
    const port = await freePort();
    const urls = await startListeners(
      dir,
      `settings: { healthPort: ${port}, metricsPort: ${port} }
plugins: { incomingWebhook: { enabled: false } }`,
      {},
    );
    expect([urls.operationsUrl, urls.metricsUrl]).toEqual([
      `http://127.0.0.1:${port}`,
      `http://127.0.0.1:${port}`,
    ]);
    expect((await fetch(`${urls.metricsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${urls.operationsUrl}/healthz`)).status).toBe(200);
  });
});

describe('listener failures', () => {
  test('a taken webhook port names the listener, address:port, setting and variable', async ({ dir }) => {
    const port = await occupiedPort();
    const failure = startListeners(dir, `plugins: { incomingWebhook: { port: ${port} } }`, {
      operations: 0,
      metrics: 0,
    });
    const err = await failure.catch((e: unknown) => e);
    expect(hasCode(err, 'SB_ERR_LISTEN')).toBe(true);
    expect((err as Error).message).toBe(
      `the incoming webhook server cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another Switchboard or program?); change plugins.incomingWebhook.port (or environment variable SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_PORT), or stop the other program`,
    );
  });

  test('an address that is not this machine’s names the address setting', async ({ dir }) => {
    const err = await startListeners(dir, 'settings: { metricsAddress: 192.0.2.123 }').catch(
      (e: unknown) => e,
    );
    expect(hasCode(err, 'SB_ERR_LISTEN')).toBe(true);
    expect((err as Error).message).toMatch(
      /^the metrics server cannot listen on 192\.0\.2\.123:0: 192\.0\.2\.123 is not an address of this machine; change settings\.metricsAddress \(or environment variable SWITCHBOARD_SETTINGS_METRICS__ADDRESS\)$/,
    );
  });
});

describe('switchboard start (child process)', () => {
  const config = (dir: TempDir, healthPort: number) =>
    dir.write(
      'config.yaml',
      `settings: { healthPort: ${healthPort}, metricsPort: 0 }
plugins:
  cacheDir: ${JSON.stringify(join(dir.path, 'plugins'))}
  incomingWebhook: { port: 0 }
`,
    );

  test('a taken health port exits 1 with SB_ERR_LISTEN naming the setting and variable, no stack trace', async ({
    dir,
  }) => {
    const port = await occupiedPort();
    const file = await config(dir, port);
    const result = await runCli(['start', '-c', file, '--state-dir', join(dir.path, 'state')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `switchboard: could not start: SB_ERR_LISTEN: the health server cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another Switchboard or program?); change settings.healthPort (or environment variable SWITCHBOARD_SETTINGS_HEALTH__PORT), or stop the other program`,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  // Ports below ip_unprivileged_port_start need privileges; as root the agent runs as nobody.
  const unprivilegedFrom = Number(
    (() => {
      try {
        return readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8');
      } catch {
        return '0';
      }
    })(),
  );
  test('a privileged port exits 1 with SB_ERR_LISTEN saying so, naming the setting and variable', async ({
    dir,
  }) => {
    // Linux's default is 1024; a machine that lets anyone listen on 81 cannot show this failure.
    expect(
      unprivilegedFrom,
      'net.ipv4.ip_unprivileged_port_start must leave port 81 privileged',
    ).toBeGreaterThan(81);
    await chmod(dir.path, 0o777);
    const file = await config(dir, 81);
    await chmod(file, 0o644);
    const asRoot = process.getuid?.() === 0;
    const { child, stderr } = spawnCli(['start', '-c', file, '--state-dir', join(dir.path, 'state')], {
      env: { PATH: process.env.PATH, HOME: dir.path },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    children.push(child);
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr()).toContain(
      'switchboard: could not start: SB_ERR_LISTEN: the health server cannot listen on 127.0.0.1:81: not permitted to listen on port 81 (ports below 1024 need privileges); change settings.healthPort (or environment variable SWITCHBOARD_SETTINGS_HEALTH__PORT)',
    );
    expect(stderr()).not.toMatch(/^\s+at /m);
  });

  test('the variable named moves the listener, and the printed URLs are the bound ones', async ({ dir }) => {
    const port = await occupiedPort();
    const file = await config(dir, port);
    const cli = spawnCli(['start', '-c', file, '--state-dir', join(dir.path, 'state')], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SWITCHBOARD_SETTINGS_HEALTH__PORT: '0' },
    });
    const { child } = cli;
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', () => {
        if (cli.stdout().includes('Press Ctrl-C to stop.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`start exited ${code}: ${cli.stderr()}`)));
    });
    const stdout = cli.stdout();
    const status = /Status: +(http:\/\/\S+)\/status/.exec(stdout)?.[1] as string;
    const metrics = /Metrics: +(http:\/\/\S+)\/metrics/.exec(stdout)?.[1] as string;
    const webhooks = /Webhooks: +(http:\/\/\S+)\/sources\/v1/.exec(stdout)?.[1] as string;
    for (const url of [status, metrics, webhooks]) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(portOf(url)).not.toBe(port);
      expect(await tryConnect(otherAddress, portOf(url))).toBe('ECONNREFUSED');
    }
    expect((await fetch(`${status}/healthz`)).status).toBe(200);
    expect((await fetch(`${metrics}/metrics`)).status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
