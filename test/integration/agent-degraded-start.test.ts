/**
 * Degraded start, with real failures over loopback: a repository that refuses connections or
 * answers 500, a plugin binary that cannot start, a Slack that refuses the token or is down, and
 * enabled platforms Switchboard does not run. The agent starts with what works, names each
 * failure in /status with its reason and next retry, and picks the failed part up without a
 * restart once it is back; `strict` fails start instead.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { AgentStatus } from '../../src/app/agent.js';
import type { PlatformInstance } from '../../src/app/topology.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { SocketSlack } from '../../src/config/schema.js';
import type { Logger } from '../../src/log/logger.js';
import { freePort, publishBuiltins, type RunningAgent, startAgent } from '../support/agent-harness.js';
import { launchBrowser, openConsolePage } from '../support/browser.js';
import { repoRoot } from '../support/build-fixtures.js';
import { runCli } from '../support/cli.js';
import { startConsoleAgent } from '../support/console-harness.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack-emulator/index.js';
import { startStaticServer } from '../support/static-server.js';
import { forwardPort } from '../support/tcp-forward.js';
import type { TestBot } from '../support/test-bot.js';
import { waitFor } from '../support/test-logger.js';

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
/** Short retries so a part that comes back is picked up within the test's time. */
const fastRetry = 'startRetry: {initialBackoff: 200ms, maxBackoff: 1s}';

let builtins: string;
/** A repository whose one executor exits at once, printing why. */
let brokenRepo: string;

beforeAll(async () => {
  builtins = await publishBuiltins();
  brokenRepo = await mkdtemp(join(tmpdir(), 'sb-degraded-broken-'));
  // Written by hand: the index builder runs each binary for its metadata, which this one cannot give.
  const script = '#!/bin/sh\necho "broken: cannot read /nonexistent/config" >&2\nexit 3\n';
  await writeFile(join(brokenRepo, `executor_broken_linux_${arch}`), script, { mode: 0o755 });
  await writeFile(
    join(brokenRepo, 'index.yaml'),
    [
      'entries:',
      '  - name: broken',
      '    type: executor',
      '    description: Exits at once.',
      '    version: 1.0.0',
      '    urls:',
      `      - url: executor_broken_linux_${arch}`,
      `        checksum: ${createHash('sha256').update(script).digest('hex')}`,
      `        platform: {os: linux, architecture: ${arch}}`,
      '',
    ].join('\n'),
  );
}, 180_000);

/** Everything a test started, stopped after it whatever happened. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
const track = <T extends { close?: () => Promise<unknown> }>(thing: T): T => {
  cleanups.push(() => thing.close?.() ?? Promise.resolve());
  return thing;
};
const run = async (...args: Parameters<typeof startAgent>): Promise<RunningAgent> => {
  const started = await startAgent(...args);
  cleanups.push(() => started.agent.stop());
  return started;
};

const getStatus = async (r: RunningAgent) =>
  (await (await fetch(`${r.urls.operationsUrl}/status`)).json()) as AgentStatus;
/** Polls /status until `accept` holds for it, and resolves with that status. */
const statusWhen = (r: RunningAgent, accept: (s: AgentStatus) => unknown, timeoutMs: number, what: string) =>
  waitFor(
    async () => {
      const s = await getStatus(r);
      return accept(s) ? s : undefined;
    },
    timeoutMs,
    what,
  );
const readyz = async (r: RunningAgent) => (await fetch(`${r.urls.operationsUrl}/readyz`)).status;

/** Says `text` in `channel` and waits for one more final reply there. */
async function ask(bot: TestBot, text: string, channel = 'ops'): Promise<string> {
  const before = bot.finalTexts(channel).length;
  bot.say(text, channel);
  await waitFor(() => bot.finalTexts(channel).length > before, 30_000, `a reply to ${text}`);
  return bot.finalTexts(channel)[before] ?? '';
}

/** Console channels `ops` (built-in echo from a file repository) and `later` (echo from `late`). */
const twoRepos = (lateUrl: string) => (dir: string) =>
  `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools]}}
        later: {name: later, bindings: {executors: [lateTools]}}
executors:
  tools:
    sb/echo: {enabled: true}
  lateTools:
    late/echo: {enabled: true}
settings:
  ${fastRetry}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${builtins}/index.yaml"}
    late: {url: "${lateUrl}"}
`;

describe('a repository that cannot be reached at start', () => {
  it('starts with the other repository, names it in /status, and installs its plugins once it is up', async () => {
    const port = await freePort();
    const r = await run(twoRepos(`http://127.0.0.1:${port}/index.yaml`));

    expect((await ask(r.bot, 'echo still serving')).trim()).toBe('still serving');
    expect(await readyz(r)).toBe(200);
    // The retry runs in the background; a status read between attempts shows the next one.
    const degraded = await statusWhen(
      r,
      (s) => s.repositories.find((repo) => repo.name === 'late')?.nextRetryAt,
      30_000,
      'the unavailable repository with its next retry',
    );
    expect(degraded.degraded).toBe(true);
    expect(degraded.repositories).toContainEqual(
      expect.objectContaining({
        name: 'late',
        state: 'unavailable',
        plugins: ['late/echo'],
        lastError: expect.stringContaining(`127.0.0.1:${port}`),
      }),
    );
    expect(degraded.repositories).toContainEqual({ name: 'sb', state: 'ok', plugins: [] });
    expect(degraded.problems).toEqual([
      expect.objectContaining({
        kind: 'repository',
        id: 'late',
        state: 'unavailable',
        plugins: ['late/echo'],
      }),
    ]);
    expect(degraded.plugins).toContainEqual(
      expect.objectContaining({
        name: 'late/echo',
        state: 'not installed',
        lastError: expect.stringMatching(/^repository late is unavailable: /),
      }),
    );
    expect(r.lines).toContainEqual(
      expect.objectContaining({
        msg: 'plugin repository unavailable; its plugins start once it is back',
        repository: 'late',
        plugins: ['late/echo'],
      }),
    );

    const server = track(await startStaticServer(builtins));
    track(await forwardPort(port, Number(new URL(server.url).port)));
    await waitFor(
      async () => (await getStatus(r)).plugins.find((p) => p.name === 'late/echo')?.state === 'running',
      60_000,
      'late/echo installed and running without a restart',
    );
    expect((await ask(r.bot, 'echo from later', 'later')).trim()).toBe('from later');
    const healed = await getStatus(r);
    expect(healed.degraded).toBe(false);
    expect(healed.problems).toEqual([]);
    expect(healed.repositories).toContainEqual({ name: 'late', state: 'ok', plugins: [] });
  }, 120_000);

  it('retries a repository that answers 500, and installs from it when it recovers', async () => {
    const server = track(await startStaticServer(builtins));
    // The fetcher's own retries (3 after the first try) all get 500; the agent's next attempt works.
    server.fault('/index.yaml', { status: 500, times: 4 });
    const r = await run(twoRepos(`${server.url}index.yaml`));
    expect(r.lines).toContainEqual(
      expect.objectContaining({
        msg: 'plugin repository unavailable; its plugins start once it is back',
        repository: 'late',
        err: expect.stringContaining('500'),
        nextRetryAt: expect.any(String),
      }),
    );
    await waitFor(
      async () => (await getStatus(r)).plugins.find((p) => p.name === 'late/echo')?.state === 'running',
      60_000,
      'late/echo running after the repository recovered',
    );
    expect((await ask(r.bot, 'echo recovered', 'later')).trim()).toBe('recovered');
  }, 120_000);

  it('takes a reload that fixes the repository URL at once, without waiting for the retry', async () => {
    const port = await freePort();
    const r = await run((dir) =>
      twoRepos(`http://127.0.0.1:${port}/index.yaml`)(dir).replace(
        fastRetry,
        'startRetry: {initialBackoff: 10m, maxBackoff: 10m}',
      ),
    );
    expect((await getStatus(r)).repositories.find((repo) => repo.name === 'late')?.state).toBe('unavailable');
    await writeFile(r.configFile, twoRepos(`file://${builtins}/index.yaml`)(r.dir));
    const { config } = await loadConfig({ files: [r.configFile] });
    const report = await r.agent.reload(config);
    expect(report.pluginsStarted).toEqual(['late/echo']);
    const s = await getStatus(r);
    expect(s.problems).toEqual([]);
    expect((await ask(r.bot, 'echo reloaded', 'later')).trim()).toBe('reloaded');
  }, 120_000);

  it('fails only the plugin a working repository cannot provide; the rest of it installs', async () => {
    const r = await run((dir) =>
      twoRepos(`file://${builtins}/index.yaml`)(dir).replace(
        'late/echo: {enabled: true}',
        'sb/nosuch: {enabled: true}',
      ),
    );
    expect((await ask(r.bot, 'echo same repository')).trim()).toBe('same repository');
    const s = await getStatus(r);
    expect(s.repositories).toEqual([{ name: 'sb', state: 'ok', plugins: ['sb/nosuch'] }]);
    expect(s.problems).toEqual([
      expect.objectContaining({
        kind: 'plugin',
        id: 'sb/nosuch',
        state: 'not installed',
        reason: expect.stringContaining('nosuch'),
      }),
    ]);
    expect(s.plugins.find((p) => p.name === 'sb/echo')?.state).toBe('running');
  }, 60_000);

  it('fails only the plugin whose dependency cannot be downloaded; the rest of its repository installs', async () => {
    // The built-in index with every dependency (helm's) moved to a port nothing listens on; the
    // plugin archives stay where they are, so the repository itself works.
    const deadPort = await freePort();
    const index = parse(await readFile(join(builtins, 'index.yaml'), 'utf8')) as {
      entries: { urls: { dependencies?: Record<string, { url: string }> }[] }[];
    };
    for (const entry of index.entries)
      for (const url of entry.urls)
        for (const [name, dep] of Object.entries(url.dependencies ?? {}))
          dep.url = `http://127.0.0.1:${deadPort}/${name}.tar.gz`;
    const indexName = `index-dead-dependencies-${deadPort}.yaml`;
    await writeFile(join(builtins, indexName), stringify(index));
    const r = await run((dir) =>
      twoRepos(`file://${builtins}/${indexName}`)(dir).replace(
        'late/echo: {enabled: true}',
        'late/echo: {enabled: true}\n    late/helm: {enabled: true}',
      ),
    );
    expect((await ask(r.bot, 'echo beside helm', 'later')).trim()).toBe('beside helm');
    const s = await getStatus(r);
    expect(s.repositories).toContainEqual({ name: 'late', state: 'ok', plugins: ['late/helm'] });
    expect(s.problems).toEqual([
      expect.objectContaining({
        kind: 'plugin',
        id: 'late/helm',
        state: 'not installed',
        reason: expect.stringContaining('dependency helm'),
      }),
    ]);
    expect(s.plugins.find((p) => p.name === 'late/echo')?.state).toBe('running');
  }, 90_000);

  it('with strict, fails start naming the repository and the reason', async () => {
    const port = await freePort();
    const failure = await run(twoRepos(`http://127.0.0.1:${port}/index.yaml`), { strict: true }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(failure?.code).toBe('SB_ERR_START_STRICT');
    expect(failure?.message).toMatch(new RegExp(`repository late: .*127\\.0\\.0\\.1:${port}`));
  }, 60_000);
});

/** `ops` has the built-in echo and the broken executor from its own repository. */
const withBrokenPlugin = (dir: string) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools, bad]}}
executors:
  tools:
    sb/echo: {enabled: true}
  bad:
    broken/broken: {enabled: true}
plugins:
  cacheDir: ${join(dir, 'cache')}
  restartPolicy: {threshold: 2, window: 1m}
  repositories:
    sb: {url: "file://${builtins}/index.yaml"}
    broken: {url: "file://${brokenRepo}/index.yaml"}
`;

describe('a plugin whose binary fails to start', () => {
  it('does not stop the rest; /status shows it as a problem with its stderr, then quarantined', async () => {
    const r = await run(withBrokenPlugin);
    expect((await ask(r.bot, 'echo fine')).trim()).toBe('fine');
    const s = await statusWhen(
      r,
      (status) => status.plugins.find((p) => p.name === 'broken/broken')?.state === 'quarantined',
      60_000,
      'the broken plugin quarantined',
    );
    expect(s.ready).toBe(true);
    expect(s.problems).toEqual([
      expect.objectContaining({
        kind: 'plugin',
        id: 'broken/broken',
        state: 'quarantined',
        reason: expect.stringContaining('cannot read /nonexistent/config'),
      }),
    ]);
    expect(s.problems[0]?.nextRetryAt).toBeUndefined();
  }, 120_000);

  it('with strict, fails start naming the plugin and its stderr', async () => {
    const failure = await run(withBrokenPlugin, { strict: true }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(failure?.code).toBe('SB_ERR_START_STRICT');
    expect(failure?.message).toMatch(/plugin broken\/broken: [\s\S]*cannot read \/nonexistent\/config/);
  }, 60_000);
});

describe('a chat platform that cannot connect at start', () => {
  let emu: SlackEmulator;
  let prodOps: { id: string; name: string };
  beforeAll(async () => {
    emu = await startSlackEmulator({ rateLimit: { ratePerSecond: 50, burst: 50 }, serverPingIntervalMs: 0 });
    prodOps = emu.addChannel('prod-ops');
    return () => emu.close();
  });

  const slackConfig = (apiUrl: string, withConsole: boolean) => (dir: string) =>
    `
communications:
  default:
${withConsole ? '    console: {enabled: true, channels: {ops: {name: ops, bindings: {executors: [tools]}}}}\n' : ''}    socketSlack:
      enabled: true
      botToken: ${emu.botToken}
      appToken: ${emu.appToken}
      apiUrl: ${apiUrl}
      apiRetries: 0
      pingTimeout: 5s
      channels:
        ops: {name: prod-ops, bindings: {executors: [tools]}}
executors:
  tools:
    sb/echo: {enabled: ${withConsole}}
settings:
  ${fastRetry}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${builtins}/index.yaml"}
`;
  const slack = (instance: PlatformInstance, logger: Logger) =>
    instance.platform === 'socketSlack'
      ? createSlackBot({
          id: instance.id,
          settings: instance.settings as SocketSlack,
          logger,
          connectTimeoutMs: 10_000,
        })
      : undefined;

  it('serves the console while Slack refuses the token, and connects on a retry once it accepts it', async () => {
    emu.faults.errorNext('auth.test', 'invalid_auth', 1);
    const r = await run(slackConfig(emu.apiUrl, true), { platform: slack });
    expect((await ask(r.bot, 'echo console works')).trim()).toBe('console works');
    expect(r.lines).toContainEqual(
      expect.objectContaining({
        msg: 'platform could not start',
        platform: 'default/socketSlack',
        err: expect.stringContaining('invalid_auth'),
        nextRetryAt: expect.any(String),
      }),
    );
    await waitFor(
      async () =>
        (await getStatus(r)).platforms.find((p) => p.id === 'default/socketSlack')?.state === 'connected',
      60_000,
      'Slack connected after a retry',
    );
    expect((await getStatus(r)).problems).toEqual([]);
  }, 120_000);

  it('is not ready while nothing serves (Slack down, no plugins), and ready once Slack is up', async () => {
    const port = await freePort();
    const r = await run(slackConfig(`http://127.0.0.1:${port}/api/`, false), { platform: slack });
    expect(await readyz(r)).toBe(503);
    const down = await statusWhen(
      r,
      (s) => s.platforms.find((p) => p.id === 'default/socketSlack' && p.nextRetryAt),
      30_000,
      'the failed platform with its next retry',
    );
    expect(down.ready).toBe(false);
    expect(down.problems).toEqual([
      expect.objectContaining({
        kind: 'platform',
        id: 'default/socketSlack',
        state: 'failed',
        reason: expect.stringContaining(`127.0.0.1:${port}`),
      }),
    ]);
    track(await forwardPort(port, Number(new URL(emu.apiUrl).port)));
    await waitFor(async () => (await readyz(r)) === 200, 60_000, 'ready once Slack connects');
    expect((await getStatus(r)).platforms).toContainEqual(
      expect.objectContaining({ id: 'default/socketSlack', state: 'connected' }),
    );
  }, 120_000);

  it('keeps the events for a platform that is down and delivers them once it connects', async () => {
    const port = await freePort();
    const r = await run(
      (dir) =>
        slackConfig(
          `http://127.0.0.1:${port}/api/`,
          false,
        )(dir)
          .replace('bindings: {executors: [tools]}}', 'bindings: {executors: [tools], sources: [hooks]}}')
          .replace(
            'settings:',
            'sources:\n  hooks:\n    sb/webhook: {enabled: true, config: {template: generic}}\nsettings:',
          ),
      { platform: slack },
    );
    const posted = await fetch(`${r.urls.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'held while slack was down' }),
    });
    expect(posted.status).toBe(200);
    expect((await getStatus(r)).platforms).toContainEqual(
      expect.objectContaining({ id: 'default/socketSlack', state: 'failed' }),
    );
    track(await forwardPort(port, Number(new URL(emu.apiUrl).port)));
    await emu.waitFor(
      () => emu.messages(prodOps.id).find((m) => JSON.stringify(m).includes('held while slack was down')),
      60_000,
    );
  }, 120_000);

  it('forgets a failing platform that a reload removes (no problem left, the rest serves)', async () => {
    const port = await freePort();
    const r = await run(
      (dir) =>
        slackConfig(
          `http://127.0.0.1:${port}/api/`,
          true,
        )(dir).replace(fastRetry, 'startRetry: {initialBackoff: 10m, maxBackoff: 10m}'),
      { platform: slack },
    );
    expect((await getStatus(r)).problems.map((p) => p.id)).toEqual(['default/socketSlack']);
    // Chat's `status` names it too, with the reason.
    await ask(r.bot, 'status');
    expect(r.bot.allText('ops')).toMatch(/default\/socketSlack +failed +0 +.*127\.0\.0\.1/);
    const withoutSlack = (await readFile(r.configFile, 'utf8')).replace(
      / {4}socketSlack:[\s\S]*?(?=^executors:)/m,
      '',
    );
    await writeFile(r.configFile, withoutSlack);
    const { config } = await loadConfig({ files: [r.configFile] });
    const report = await r.agent.reload(config);
    expect(report.platformsRestarted).toEqual([]);
    const s = await getStatus(r);
    expect(s.problems).toEqual([]);
    expect(s.platforms.map((p) => p.id)).toEqual(['default/console']);
    expect((await ask(r.bot, 'echo after reload')).trim()).toBe('after reload');
  }, 60_000);

  it('with strict, fails start naming the platform and the reason', async () => {
    emu.faults.errorNext('auth.test', 'invalid_auth', 1);
    const failure = await run(slackConfig(emu.apiUrl, true), { platform: slack, strict: true }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(failure?.code).toBe('SB_ERR_START_STRICT');
    expect(failure?.message).toMatch(/platform default\/socketSlack: .*invalid_auth/);
  }, 60_000);
});

describe('enabled platforms Switchboard does not run', () => {
  const config = (dir: string) => `
communications:
  default:
    console: {enabled: true, channels: {ops: {name: ops}}}
    teams: {enabled: true}
  other:
    mattermost: {enabled: true}
plugins:
  cacheDir: ${join(dir, 'cache')}
`;

  it('are named in the log and in /status as not supported, never silently skipped', async () => {
    const r = await run(config);
    const s = await getStatus(r);
    expect(s.platforms).toContainEqual(
      expect.objectContaining({
        id: 'default/teams',
        state: 'not supported',
        lastError: expect.stringContaining('Teams'),
      }),
    );
    expect(s.platforms).toContainEqual(
      expect.objectContaining({ id: 'other/mattermost', state: 'not supported' }),
    );
    expect(s.problems.map((p) => `${p.kind} ${p.id} ${p.state}`)).toEqual([
      'platform default/teams not supported',
      'platform other/mattermost not supported',
    ]);
    const warned = r.lines
      .filter((l) => l.msg === 'platform is not supported; it does not run')
      .map((l) => l.platform);
    expect(warned).toEqual(['default/teams', 'other/mattermost']);
    expect(await readyz(r)).toBe(200);
  }, 60_000);

  it('with strict, fail start', async () => {
    const failure = await run(config, { strict: true }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(failure?.code).toBe('SB_ERR_START_STRICT');
    expect(failure?.message).toContain('platform default/teams is not supported');
    expect(failure?.message).toContain('platform other/mattermost is not supported');
  }, 60_000);
});

describe('the CLI', () => {
  it('switchboard status prints the problems first and exits 2 while degraded; --json gives the document', async () => {
    const port = await freePort();
    const r = await run(twoRepos(`http://127.0.0.1:${port}/index.yaml`));
    await waitFor(
      async () => (await getStatus(r)).repositories.find((repo) => repo.name === 'late')?.nextRetryAt,
      30_000,
      'the unavailable repository with its next retry',
    );
    const human = await runCli(['status', '--url', r.urls.operationsUrl]);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(
      /^Switchboard at http:\/\/127\.0\.0\.1:\d+: ready, degraded: 1 part\(s\) not serving\n\nProblems\n {2}repository late: unavailable; (retrying now|next retry (in \d+ s|due now) \(\d\d:\d\d:\d\d UTC\))\n/,
    );
    expect(human.stdout).toContain(`127.0.0.1:${port}`);
    expect(human.stdout).toContain('    waiting plugins: late/echo');
    const json = await runCli(['status', '--url', r.urls.operationsUrl, '--json']);
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as AgentStatus).problems[0]).toMatchObject({
      kind: 'repository',
      id: 'late',
    });

    const closed = await freePort();
    const unreachable = await runCli(['status', '--url', `http://127.0.0.1:${closed}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `cannot read the agent's status at http://127.0.0.1:${closed}/status: ECONNREFUSED`,
    );
  }, 120_000);

  it('switchboard status exits 0 when everything serves', async () => {
    const r = await run(twoRepos(`file://${builtins}/index.yaml`));
    const result = await runCli(['status', '--url', r.urls.operationsUrl]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: ready, everything serving\n/);
  }, 60_000);

  it('switchboard start --strict exits 1 with the code and every reason, before listening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-degraded-cli-'));
    const [closed, health, metrics] = [await freePort(), await freePort(), await freePort()];
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      `
communications:
  default:
    webhook: {enabled: true, url: "http://127.0.0.1:${closed}/hook", bindings: {sources: [s]}}
sources:
  s:
    late/webhook: {enabled: true}
settings:
  healthPort: ${health}
  metricsPort: ${metrics}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    late: {url: "http://127.0.0.1:${closed}/index.yaml"}
`,
    );
    const strict = await runCli(['start', '--strict', '-c', file, '--state-dir', join(dir, 'state')]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      new RegExp(
        `could not start: SB_ERR_START_STRICT: strict start: [^\\n]*\\n  - repository late: .*127\\.0\\.0\\.1:${closed}`,
      ),
    );
  }, 60_000);
});

describe('a repository that holds start', () => {
  it('health answers while start waits on it: /healthz 200, /readyz 503, /status starting, webhooks 503', async () => {
    // Accepts connections and never answers: the index fetch waits for its deadline.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const silentPort = (silent.address() as AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'sb-degraded-held-'));
    const [health, webhooks] = [await freePort(), await freePort()];
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      `
communications:
  default:
    console: {enabled: true, port: 0, channels: {ops: {name: ops, bindings: {executors: [tools], sources: [hooks]}}}}
executors:
  tools:
    late/echo: {enabled: true}
sources:
  hooks:
    late/webhook: {enabled: true}
settings:
  healthPort: ${health}
  metricsPort: ${health}
plugins:
  cacheDir: ${join(dir, 'cache')}
  incomingWebhook: {enabled: true, port: ${webhooks}}
  repositories:
    late: {url: "http://127.0.0.1:${silentPort}/index.yaml", indexDeadline: 60s}
`,
    );
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/run.js'), 'start', '-c', file, '--state-dir', join(dir, 'state')],
      {
        stdio: 'ignore',
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      },
    );
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    });
    const base = `http://127.0.0.1:${health}`;
    await waitFor(() => sockets.size > 0, 30_000, 'start asking the silent repository for its index');
    // The index deadline (60 s) is far off: start is still waiting on the silent repository.
    await waitFor(
      async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200,
      30_000,
      '/healthz while the repository holds start',
    );
    expect(sockets.size).toBeGreaterThan(0);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const status = (await (await fetch(`${base}/status`)).json()) as AgentStatus;
    expect(status).toMatchObject({ ready: false, starting: true });
    const hook = await fetch(`http://127.0.0.1:${webhooks}/sources/v1/nothing`, {
      method: 'POST',
      body: '{}',
    });
    expect(hook.status).toBe(404);
    expect(child.exitCode).toBeNull();
  }, 90_000);
});

describe('the console status panel (Chromium)', () => {
  it('shows the problems first: the repository and the unsupported platform, with their reasons', async () => {
    const consoleRun = await startConsoleAgent(`
communications:
  default:
    console:
      enabled: true
      port: 0
      channels:
        ops: {name: ops, bindings: {executors: [tools]}}
        later: {name: later, bindings: {executors: [lateTools]}}
  other:
    mattermost: {enabled: true}
executors:
  tools:
    sb/echo: {enabled: true}
  lateTools:
    late/echo: {enabled: true}
`);
    cleanups.push(() => consoleRun.agent.stop());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const pageProblems: string[] = [];
    const { page } = await openConsolePage(browser, consoleRun.url, { problems: pageProblems });
    const panel = page.locator('#status-panel [data-section="Problems"]');
    await panel.waitFor({ timeout: 15_000 });
    await expect(panel.locator('h3').textContent()).resolves.toBe('Problems (2)');
    const rows = await panel.locator('tbody tr').allTextContents();
    expect(rows[0]).toMatch(/^repositorylateunavailable.*late.*not configured/);
    expect(rows[1]).toMatch(/^platformother\/mattermostnot supported.*Mattermost/);
    await expect(page.locator('#status-panel .status-summary .state').textContent()).resolves.toBe(
      'degraded: 2 not serving',
    );
    await expect(
      page
        .locator('#status-panel [data-section="Repositories"] tr', { hasText: 'late' })
        .locator('td.state')
        .textContent(),
    ).resolves.toBe('unavailable');
    expect(pageProblems).toEqual([]);
  }, 120_000);
});
