/**
 * One owner of retries on Slack: a failed chat.postMessage is retried by the agent's delivery
 * pipeline, not by the Slack Web API client underneath it (two layers would post a message that
 * reached Slack but timed out twice). The Slack settings keep the default `apiRetries`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/app/agent.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { SocketSlack } from '../../src/config/schema.js';
import { publishBuiltins } from '../support/agent-harness.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack-emulator/index.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

let emu: SlackEmulator;
let agent: Agent;
let webhooksUrl: string;
let lines: Record<string, unknown>[];
let channel: { id: string; name: string };

beforeAll(async () => {
  const repo = await publishBuiltins();
  emu = await startSlackEmulator({ serverPingIntervalMs: 0, rateLimit: { ratePerSecond: 50, burst: 50 } });
  channel = emu.addChannel('alerts');
  const dir = await mkdtemp(join(tmpdir(), 'sb-slack-retry-'));
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
      apiRetries: 2
      channels:
        alerts: {name: alerts, bindings: {sources: [hooks]}}
sources:
  hooks:
    sb/webhook: {enabled: true, config: {template: {title: "event {{ .n }}", text: "{{ .detail }}"}}}
settings:
  delivery:
    groupWait: 0s
    retry: {initialBackoff: 100ms, maxBackoff: 200ms}
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

describe('Slack delivery retries', () => {
  it('retries a failed chat.postMessage in the pipeline only, posting it exactly once', async () => {
    const before = emu.stats().calls['chat.postMessage'] ?? 0;
    emu.faults.failNext('chat.postMessage', 503, 1);
    const response = await fetch(`${webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1, detail: 'pod web-1 restarted' }),
    });
    expect(response.status).toBe(200);
    await waitFor(() => emu.messages(channel.id).length > 0, 30_000, 'the event in the channel');
    // A moment for a duplicate to show up, had one been sent.
    await new Promise((r) => setTimeout(r, 1500));
    expect(emu.messages(channel.id)).toHaveLength(1);
    expect((emu.stats().calls['chat.postMessage'] ?? 0) - before).toBe(2);
    expect(
      lines.filter((l) => l.msg === 'delivery failed; retrying with backoff' && l.reason === 'unavailable'),
    ).toHaveLength(1);
  }, 60_000);
});
