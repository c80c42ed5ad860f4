/**
 * An event storm into one Slack channel, through the agent's delivery pipeline, with the emulator
 * enforcing a budget tighter than the one the bot declares (so 429 + Retry-After really happen):
 * nothing may be lost, and no 429 may be left unhandled.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/app/agent.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { SocketSlack } from '../../src/config/schema.js';
import { digestHeaderPattern } from '../../src/delivery/digest.js';
import { publishBuiltins } from '../support/agent-harness.js';
import {
  type PostedMessage,
  type SlackEmulator,
  startSlackEmulator,
} from '../support/slack-emulator/index.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

let emu: SlackEmulator;
let agent: Agent;
let webhooksUrl: string;
let lines: Record<string, unknown>[];
let channel: { id: string; name: string };

beforeAll(async () => {
  const repo = await publishBuiltins();
  // Stricter than the budget the bot declares (1/s, burst 3), so the pipeline meets real 429s.
  emu = await startSlackEmulator({ serverPingIntervalMs: 0, rateLimit: { ratePerSecond: 0.5, burst: 2 } });
  channel = emu.addChannel('alerts');
  const dir = await mkdtemp(join(tmpdir(), 'sb-slack-storm-'));
  const file = join(dir, 'config.yaml');
  await writeFile(
    file,
    `
communications:
  default:
    socketSlack:
      enabled: true
      botToken: ${emu.botToken}
      appToken: ${emu.appToken}
      apiUrl: ${emu.apiUrl}
      channels:
        alerts: {name: alerts, bindings: {sources: [storm]}}
sources:
  storm:
    sb/webhook: {enabled: true, config: {template: {title: "storm event {{ .n }}", text: "{{ .detail }}"}}}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
`,
  );
  const { config } = await loadConfig({ files: [file] });
  const log = createTestLogger('info');
  lines = log.lines;
  agent = createAgent(config, {
    logger: log.logger,
    version: '0.1.0-test',
    stateDir: join(dir, 'state'),
    createPlatform: (instance) =>
      instance.platform === 'socketSlack'
        ? createSlackBot({ id: instance.id, settings: instance.settings as SocketSlack, logger: log.logger })
        : undefined,
    ports: { operations: 0, webhooks: 0 },
  });
  const urls = await agent.start();
  if (!urls.webhooksUrl) throw new Error('no webhook listener');
  webhooksUrl = urls.webhooksUrl;
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await emu?.close();
});

/** Events a posted message stands for: 1 for an event posted alone, N for a digest of N. */
function eventsIn(message: PostedMessage): number {
  const first = (message.blocks as { type: string; text?: { text?: string } }[] | undefined)?.[0];
  const header = first?.type === 'header' ? (first.text?.text ?? '') : '';
  const digest = digestHeaderPattern.exec(header);
  if (digest) return Number((digest[1] as string).replaceAll(',', ''));
  return /^storm event \d+$/.test(header) ? 1 : 0;
}

describe('Slack event storm', () => {
  it('represents all 1,000 events in one channel, leaving no 429 unhandled', async () => {
    const total = 1000;
    for (let n = 0; n < total; n++) {
      const response = await fetch(`${webhooksUrl}/sources/v1/storm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n, detail: `pod web-${n} restarted` }),
      });
      expect(response.status).toBe(200);
    }
    const represented = () =>
      emu
        .messages(channel.id)
        .filter((m) => !m.files)
        .reduce((sum, m) => sum + eventsIn(m), 0);
    await waitFor(() => represented() >= total, 120_000, `all ${total} events represented`);
    expect(represented()).toBe(total);
    const posted = emu.messages(channel.id).filter((m) => !m.files);
    // Digests, not a thousand messages: the channel stays readable.
    expect(posted.length).toBeLessThan(100);
    const dropped = lines.filter((l) => String(l.msg).includes('dropped'));
    expect(dropped).toEqual([]);
    // 429s happened, and every one was waited out and retried: the counts above are complete.
    const stats = emu.stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.calls['chat.postMessage']).toBe(posted.length + stats.rateLimited);
  }, 180_000);
});
