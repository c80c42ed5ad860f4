/**
 * The whole path on Slack: the agent with the built-in plugins (echo, exec, webhook) from a
 * repository, the Slack platform, and the Slack emulator that the unchanged bolt client talks to
 * over loopback. People are the emulator's scripted users.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/app/agent.js';
import type { Bot } from '../../src/bots/bot.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { SocketSlack } from '../../src/config/schema.js';
import { publishBuiltins } from '../support/agent-harness.js';
import {
  type PostedMessage,
  type SlackEmulator,
  startSlackEmulator,
} from '../support/slack-emulator/index.js';
import { createTestLogger } from '../support/test-logger.js';

let emu: SlackEmulator;
let agent: Agent;
let bot: Bot | undefined;
let urls: { operationsUrl: string; webhooksUrl?: string };
let ops: { id: string; name: string };
let ada: { id: string; name: string };
let mention: string;
let lines: Record<string, unknown>[];

const seqPath = '/usr/bin/seq';

beforeAll(async () => {
  const repo = await publishBuiltins();
  // A generous budget keeps these tests quick; slack-storm.test.ts runs with Slack's own (1/s,
  // burst 3) and slack-bot.test.ts covers the 429 path.
  emu = await startSlackEmulator({ rateLimit: { ratePerSecond: 50, burst: 50 }, serverPingIntervalMs: 0 });
  ops = emu.addChannel('prod-ops');
  ada = emu.addUser('ada');
  mention = `<@${emu.botUserId}>`;
  const dir = await mkdtemp(join(tmpdir(), 'sb-slack-agent-'));
  const configFile = join(dir, 'config.yaml');
  // Output that arrives over about 2.5 s, so the answer streams.
  const slow = join(dir, 'slow.sh');
  await writeFile(slow, '#!/bin/sh\nfor i in 1 2 3 4 5; do echo "tick $i"; sleep 0.5; done\n', {
    mode: 0o755,
  });
  await writeFile(
    configFile,
    `
communications:
  default:
    socketSlack:
      enabled: true
      botToken: ${emu.botToken}
      appToken: ${emu.appToken}
      apiUrl: ${emu.apiUrl}
      apiRetries: 0
      # Not shorter: socket-mode drops a link whose last pong is older than this, checking every
      # third of it, so with 1s an event-loop stall of ~0.7 s on a loaded machine caused a
      # reconnect nobody asked for and broke the reconnect counts asserted below.
      pingTimeout: 5s
      channels:
        ops: {name: prod-ops, bindings: {executors: [tools], sources: [hooks, big]}}
      directMessages: {enabled: true, channel: ops}
executors:
  tools:
    sb/echo: {enabled: true}
    sb/exec:
      enabled: true
      config:
        commands: {seq: {path: ${seqPath}, args: ["\\\\d+"]}, slow: {path: ${slow}}}
        maxOutputBytes: 400000
sources:
  hooks:
    sb/webhook: {enabled: true, config: {template: generic}}
  big:
    sb/webhook:
      enabled: true
      config:
        template:
          title: "{{ .title }}"
          text: "{{ .text }}"
          list: {title: Hosts, items: .hosts, item: "{{ .name }}: {{ .status }}", max: 1000}
          codeBlock: "{{ .log }}"
settings:
  clusterName: test-cluster
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
`,
  );
  const { config } = await loadConfig({ files: [configFile] });
  const log = createTestLogger('info');
  const logger = log.logger;
  lines = log.lines;
  agent = createAgent(config, {
    logger,
    version: '0.1.0-test',
    stateDir: join(dir, 'state'),
    createPlatform: (instance) => {
      if (instance.platform !== 'socketSlack') return undefined;
      bot = createSlackBot({ id: instance.id, settings: instance.settings as SocketSlack, logger });
      return bot;
    },
    ports: { operations: 0, webhooks: 0 },
  });
  urls = await agent.start();
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await emu?.close();
});

const blocksText = (m: PostedMessage | undefined) => JSON.stringify(m?.blocks ?? []);
const replyContaining = (channel: string, text: string, after = 0) =>
  emu.waitFor(
    () =>
      emu
        .messages(channel)
        .slice(after)
        .find((m) => blocksText(m).includes(text)),
    20_000,
  );

describe('Slack end to end (agent, built-in plugins, emulator)', () => {
  it('answers a mention in a channel, with the command and cluster under the answer', async () => {
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} echo hello slack` });
    const reply = await replyContaining(ops.id, 'hello slack');
    expect(reply.thread_ts).toBeUndefined();
    expect(blocksText(reply)).toContain('`echo hello slack` on `test-cluster`');
    const status = (await (await fetch(`${urls.operationsUrl}/status`)).json()) as {
      platforms: { id: string; state: string; reconnects: number }[];
    };
    expect(status.platforms).toContainEqual(
      expect.objectContaining({ id: 'default/socketSlack', state: 'connected', reconnects: 0 }),
    );
  });

  it('answers in the thread a command came from', async () => {
    const { ts } = await emu.userMessage({ user: ada.id, channel: ops.id, text: 'deploy went out' });
    await emu.userMessage({
      user: ada.id,
      channel: ops.id,
      text: `${mention} echo in the thread`,
      threadTs: ts,
    });
    const reply = await replyContaining(ops.id, 'in the thread');
    expect(reply.thread_ts).toBe(ts);
  });

  it('answers a direct message in the DM', async () => {
    const dm = await emu.directMessage({ user: ada.id, text: 'echo just for me' });
    const reply = await replyContaining(dm.channel, 'just for me');
    expect(reply.channel).toBe(dm.channel);
    expect(emu.messages(ops.id).some((m) => blocksText(m).includes('just for me'))).toBe(false);
  });

  it('runs the command of a clicked button and says who clicked', async () => {
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} echo click me` });
    const reply = await replyContaining(ops.id, 'click me');
    const before = emu.messages(ops.id).length;
    await emu.clickButton({ user: ada.id, channel: ops.id, messageTs: reply.ts, text: 'Echo again' });
    const again = await replyContaining(ops.id, 'click me', before);
    expect(blocksText(again)).toContain(`by <@${ada.id}>`);
  });

  it('posts a source event as Block Kit', async () => {
    const response = await fetch(`${urls.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'shop', status: 'deployed <ok> & done' }),
    });
    expect(response.status).toBe(200);
    const event = await replyContaining(ops.id, 'shop');
    const types = (event.blocks as { type: string }[]).map((b) => b.type);
    expect(types).toContain('section');
    // Event text is escaped: it can neither break the markup nor ping anyone.
    expect(blocksText(event)).toContain('&lt;ok&gt; &amp; done');
  });

  it('streams output by editing one message, at most about once a second', async () => {
    const before = emu.messages(ops.id).length;
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} exec slow` });
    const done = await emu.waitFor(
      () =>
        emu
          .messages(ops.id)
          .slice(before)
          .find((m) => blocksText(m).includes('tick 5')),
      20_000,
    );
    expect(done.edits).toBeGreaterThanOrEqual(1);
    expect(done.edits).toBeLessThanOrEqual(4);
    expect(done.history.some((h) => JSON.stringify(h.blocks).includes('tick 1'))).toBe(true);
    // One message for the whole answer.
    expect(
      emu
        .messages(ops.id)
        .slice(before)
        .filter((m) => blocksText(m).includes('tick 1')),
    ).toHaveLength(1);
  });

  it('delivers a 100 KB output as a file, with the end of it in the channel', async () => {
    const before = emu.files(ops.id).length;
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} exec seq 25000` });
    const file = await emu.waitFor(() => emu.files(ops.id)[before], 30_000);
    expect(file.content.length).toBeGreaterThan(100_000);
    expect(file.content.toString()).toContain('\n24999\n');
    const cut = await replyContaining(ops.id, '25000');
    expect(blocksText(cut)).toContain('earlier characters not shown');
  });

  it('renders an event longer than every Slack limit within the limits (the emulator rejects anything over)', async () => {
    const body = {
      title: `Backup report ${'t'.repeat(300)}`,
      text: 'summary '.repeat(4000),
      hosts: Array.from({ length: 800 }, (_, i) => ({ name: `host-${i}`, status: 'ok' })),
      log: Array.from({ length: 4000 }, (_, i) => `log line ${i} <${'z'.repeat(20)}>`).join('\n'),
    };
    const before = emu.messages(ops.id).length;
    const files = emu.files(ops.id).length;
    const response = await fetch(`${urls.webhooksUrl}/sources/v1/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const file = await emu.waitFor(() => emu.files(ops.id)[files], 30_000);
    expect(file.content.toString()).toContain('log line 3999');
    expect(file.content.toString()).toContain('host-799: ok');
    const posted = emu
      .messages(ops.id)
      .slice(before)
      .filter((m) => !m.files);
    expect(posted.length).toBeGreaterThanOrEqual(1);
    expect(posted.length).toBeLessThanOrEqual(3);
    expect(blocksText(posted[0])).toContain('Backup report');
  });

  it('reconnects after the emulator drops the socket and keeps answering', async () => {
    emu.faults.dropSocket();
    await emu.waitFor(() => bot?.status().reconnects === 1 && bot.status().state === 'connected', 20_000);
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} echo after the drop` });
    await replyContaining(ops.id, 'after the drop');
  });

  it('delivered everything it tried to (no delivery failures logged)', () => {
    const failures = lines.filter(
      (l) =>
        String(l.msg).startsWith('delivery failed') ||
        l.msg === 'Slack event could not be handled' ||
        l.msg === 'Slack event handling failed',
    );
    expect(failures).toEqual([]);
  });
});
