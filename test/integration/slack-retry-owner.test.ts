/**
 * One owner of retries on Slack: a failed chat.postMessage is retried by the agent's delivery
 * pipeline, not by the Slack Web API client underneath it (two layers would post a message that
 * reached Slack but timed out twice). The Slack settings keep the default `apiRetries`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackBot } from '../../src/bots/slack/index.js';
import type { SocketSlack } from '../../src/config/schema.js';
import { publishBuiltins, type RunningAgent, startAgent } from '../support/agent-harness.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack-emulator/index.js';
import { waitFor } from '../support/test-logger.js';

let emu: SlackEmulator;
let running: RunningAgent;
let webhooksUrl: string;
let lines: Record<string, unknown>[];
let channel: { id: string; name: string };

beforeAll(async () => {
  const repo = await publishBuiltins();
  emu = await startSlackEmulator({ serverPingIntervalMs: 0, rateLimit: { ratePerSecond: 50, burst: 50 } });
  channel = emu.addChannel('alerts');
  running = await startAgent(
    (dir) => `
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
  cacheDir: ${dir}/cache
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
`,
    {
      platform: (instance, logger) =>
        instance.platform === 'socketSlack'
          ? createSlackBot({ id: instance.id, settings: instance.settings as SocketSlack, logger })
          : undefined,
    },
  );
  lines = running.lines;
  if (!running.urls.webhooksUrl) throw new Error('no webhook listener');
  webhooksUrl = running.urls.webhooksUrl;
}, 180_000);

afterAll(async () => {
  await running?.agent.stop();
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
