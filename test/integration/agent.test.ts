import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/app/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../../src/plugins/publish/index-builder.js';
import { repoRoot } from '../support/build-fixtures.js';
import { TestBot } from '../support/test-bot.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

let agent: Agent;
let bot: TestBot;
let urls: { operationsUrl: string; webhooksUrl?: string };
let lines: Record<string, unknown>[];

beforeAll(async () => {
  // Publish the built-in plugins into a repository directory, as a release does.
  const repo = await mkdtemp(join(tmpdir(), 'sb-agent-repo-'));
  await buildPlugins({
    pluginsDir: join(repoRoot, 'plugins'),
    outputDir: repo,
    rootDir: repoRoot,
    platforms: [{ os: 'linux', arch: process.arch === 'arm64' ? 'arm64' : 'amd64' }],
  });
  const silent = createTestLogger('silent').logger;
  await buildIndex({
    binariesPath: repo,
    urlBasePath: '.',
    outputFile: join(repo, 'index.yaml'),
    logger: silent,
  });

  const dir = await mkdtemp(join(tmpdir(), 'sb-agent-'));
  const configFile = join(dir, 'config.yaml');
  await writeFile(
    configFile,
    `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [hooks, github]}}
        quiet: {name: quiet, notification: {disabled: true}, bindings: {executors: [], sources: [hooks]}}
executors:
  tools:
    sb/echo: {enabled: true, config: {prefix: "echo: "}}
sources:
  hooks:
    sb/webhook: {enabled: true}
  github:
    sb/webhook: {enabled: true, config: {signature: {secret: gh-secret}}}
actions:
  echo-ref:
    enabled: true
    displayName: Echo ref
    command: "echo pushed {{ .Event.ref | upper }}"
    bindings: {sources: [hooks], executors: [tools]}
aliases:
  e: {command: echo}
settings:
  clusterName: test-cluster
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
  incomingWebhook:
    auth:
      hooks: {type: hmac, secret: s3cret}
`,
  );
  const { config } = await loadConfig({ files: [configFile] });
  const logger = createTestLogger();
  lines = logger.lines;
  bot = new TestBot('default/console');
  agent = createAgent(config, {
    logger: logger.logger,
    version: '0.1.0-test',
    stateDir: join(dir, 'state'),
    createPlatform: (instance) => (instance.platform === 'console' ? bot : undefined),
    ports: { operations: 0, webhooks: 0 },
  });
  urls = await agent.start();
}, 120_000);

afterAll(() => agent?.stop());

const signed = (body: string) => ({
  method: 'POST',
  body,
  headers: {
    'content-type': 'application/json',
    'x-hub-signature-256': `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`,
  },
});

describe('agent end to end (built-in plugins from a repository, test platform)', () => {
  it('installs and runs the bound plugins and reports ready', async () => {
    const status = (await (await fetch(`${urls.operationsUrl}/status`)).json()) as {
      ready: boolean;
      plugins: { name: string; state: string }[];
    };
    expect(status.ready).toBe(true);
    expect(status.plugins.map((p) => [p.name, p.state]).sort()).toEqual([
      ['sb/echo', 'running'],
      ['sb/webhook', 'running'],
    ]);
    expect((await fetch(`${urls.operationsUrl}/readyz`)).status).toBe(200);
  });

  it('answers a chat command through the executor plugin, with aliases', async () => {
    bot.say('@Switchboard echo hello there');
    bot.say('e via alias');
    await waitFor(() => bot.finalTexts('ops').length >= 2, 20_000, 'two replies');
    expect(bot.finalTexts('ops').join('\n')).toContain('hello there');
    expect(bot.finalTexts('ops').join('\n')).toContain('via alias');
  });

  it('answers built-in commands and keeps unconfigured channels silent', async () => {
    const before = bot.received.length;
    const ignored = () =>
      lines.filter((l) => l.msg === 'command in an unconfigured channel ignored' && l.channel === 'random')
        .length;
    const ignoredBefore = ignored();
    bot.say('ping');
    bot.say('echo anyone?', 'random');
    await waitFor(() => bot.received.length > before, 20_000, 'pong');
    // The handler logs that it dropped the command where it would otherwise have answered it.
    await waitFor(() => ignored() > ignoredBefore, 20_000, 'the command in #random to be ignored');
    const replies = bot.received.slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.message.baseBody.plaintext ?? replies[0]?.message.baseBody.codeBlock).toMatch(/^pong/);
  });

  it('turns a signed incoming webhook into a notification and runs the bound action', async () => {
    const before = bot.received.filter((o) => o.address.channelId === 'ops').length;
    const response = await fetch(`${urls.webhooksUrl}/sources/v1/hooks`, signed('{"ref":"refs/heads/main"}'));
    expect(response.status).toBe(200);
    await waitFor(
      () => bot.received.filter((o) => o.address.channelId === 'ops').length >= before + 2,
      20_000,
      'notification and action',
    );
    const texts = bot.received
      .filter((o) => o.address.channelId === 'ops')
      .slice(before)
      .map((o) => JSON.stringify(o.message));
    expect(texts.some((t) => t.includes('refs/heads/main'))).toBe(true);
    expect(
      texts.some((t) => t.includes('pushed REFS/HEADS/MAIN') && t.includes('by Automation \\"Echo ref\\"')),
    ).toBe(true);
    // The muted channel gets no notification (actions answer in the source's channels too). The
    // action's answer there comes after the event would have been handed to that channel.
    await waitFor(
      () =>
        bot.received.some(
          (o) =>
            o.address.channelId === 'quiet' &&
            JSON.stringify(o.message).includes('pushed REFS/HEADS/MAIN') &&
            JSON.stringify(o.message).includes('Automation'),
        ),
      20_000,
      "the action's answer in the muted channel",
    );
    expect(
      bot.received.filter(
        (o) =>
          o.address.channelId === 'quiet' &&
          JSON.stringify(o.message).includes('refs/heads/main') &&
          !JSON.stringify(o.message).includes('Automation'),
      ),
    ).toHaveLength(0);
  });

  it("fits a long action answer once to the channel's destination, with the whole answer attached", async () => {
    const ref = `refs/heads/${'x'.repeat(6000)}`;
    const response = await fetch(`${urls.webhooksUrl}/sources/v1/hooks`, signed(JSON.stringify({ ref })));
    expect(response.status).toBe(200);
    const answer = await waitFor(
      () => bot.received.find((o) => o.address.channelId === 'ops' && o.file?.name === 'output.txt'),
      20_000,
      'the long action answer',
    );
    // The answer and the command quoted above it (12,000 characters) exceed what the test
    // platform shows (4,000): one line says so, once, and the file holds the whole answer.
    const text = JSON.stringify(answer.message);
    expect(text.match(/too many to show here; the whole text is attached/g)).toHaveLength(1);
    expect(text).not.toContain('earlier characters not shown');
    const file = new TextDecoder().decode(answer.file?.content);
    expect(file).toContain(`pushed ${ref.toUpperCase()}`);
    expect(file).toContain('Automation "Echo ref"');
  });

  it('refuses a webhook with a bad signature (401) and an unknown source (404)', async () => {
    const bad = await fetch(`${urls.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
    });
    expect(bad.status).toBe(401);
    expect((await fetch(`${urls.webhooksUrl}/sources/v1/nope`, signed('{}'))).status).toBe(404);
  });

  it('passes headers to a source that verifies GitHub signatures itself', async () => {
    const body = '{"ref":"refs/heads/gh-signed","commits":[]}';
    const good = createHmac('sha256', 'gh-secret').update(body).digest('hex');
    const before = bot.received.length;
    const ok = await fetch(`${urls.webhooksUrl}/sources/v1/github`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${good}`,
        'x-github-event': 'push',
      },
    });
    expect(ok.status).toBe(200);
    await waitFor(
      () => bot.received.slice(before).some((o) => JSON.stringify(o.message).includes('gh-signed')),
      20_000,
      'signed notification',
    );
    const bad = await fetch(`${urls.webhooksUrl}/sources/v1/github`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    });
    expect(bad.status).toBe(401);
  });

  it('toggles notifications from chat and exposes metrics', async () => {
    bot.say('disable notifications');
    await waitFor(() => bot.finalTexts('ops').some((t) => /disabled/i.test(t)), 20_000, 'toggle reply');
    const before = bot.received.length;
    await fetch(`${urls.webhooksUrl}/sources/v1/hooks`, signed('{"ref":"muted"}'));
    // The bound action still answers; it runs after the event would have been handed to the channel.
    await waitFor(
      () => bot.received.slice(before).some((o) => JSON.stringify(o.message).includes('pushed MUTED')),
      20_000,
      "the action's answer to the muted event",
    );
    const after = bot.received.slice(before).map((o) => JSON.stringify(o.message));
    expect(after.some((t) => t.includes('"muted"') && !t.includes('Automation'))).toBe(false);
    const metrics = await (await fetch(`${urls.operationsUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_commands_total\{executor="echo",result="ok"\} [1-9]/);
    expect(metrics).toContain('switchboard_source_events_total{source="hooks"}');
    expect(metrics).toContain('switchboard_platform_connected{platform="default/console"} 1');
    expect(metrics).toContain('switchboard_platform_reconnects_total');
    expect(lines.some((l) => l.audit === true && l.command === 'echo hello there')).toBe(true);
  });
});
