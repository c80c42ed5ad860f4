import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsoleBot, createConsoleBot } from '../../src/bots/console/index.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { createEventDispatcher } from '../../src/bridge/source/event-dispatch.js';
import type { Console } from '../../src/config/schema.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import type { Destination } from '../../src/delivery/destination.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { WebhookSink } from '../../src/sinks/webhook/config.js';
import { createWebhookSink } from '../../src/sinks/webhook/index.js';
import { FrameRecorder, idleAgentContext } from '../support/console-harness.js';
import { startSlackEmulator } from '../support/slack-emulator/index.js';
import { slackTestSettings } from '../support/slack-settings.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/*
 * One long source event through the real source bridge and delivery pipeline to a Slack bot (on
 * the emulator), the web console and a webhook sink: each gets it fitted once, from its own
 * capabilities, by the bridge; neither bot cuts it again.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const consoleSettings = {
  enabled: true,
  address: '127.0.0.1',
  port: 0,
  channels: {
    ops: { name: 'ops', notification: { disabled: false }, bindings: { sources: [], executors: [] } },
  },
} as Console;

async function webhookReceiver() {
  const bodies: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

describe('source events are fitted once, by the bridge, per destination', () => {
  it('cuts a long event for Slack and the console with one note and the whole body attached; the sink gets it all', async () => {
    const { logger } = createTestLogger('info');
    const emu = await startSlackEmulator({ serverPingIntervalMs: 0 });
    cleanup.push(() => emu.close());
    const alerts = emu.addChannel('prod-ops');
    emu.addChannel('dev');
    const slack = createSlackBot({ id: 'team/socketSlack', settings: slackTestSettings(emu), logger });
    await slack.start(() => {});
    cleanup.push(() => slack.stop());
    const console: ConsoleBot = createConsoleBot({
      id: 'team/console',
      settings: consoleSettings,
      logger,
      context: idleAgentContext(),
    });
    await console.start(() => {});
    cleanup.push(() => console.stop());
    const page = await FrameRecorder.connect(console.url() as string);
    cleanup.push(() => page.close());
    const receiver = await webhookReceiver();
    const sink = createWebhookSink({
      id: 'team/webhook',
      settings: WebhookSink.parse({ enabled: true, url: receiver.url }),
      logger,
    });
    cleanup.push(() => sink.stop());

    const destinations = new Map<string, Destination>([slack, console, sink].map((d) => [d.id, d]));
    const pipeline = createDeliveryPipeline({
      destination: (id) => destinations.get(id),
      settings: DeliverySettings.parse({ groupWait: '0s' }),
      logger,
      metrics: createMetrics(),
    });
    cleanup.push(() => pipeline.close({ drainMs: 0 }));
    const dispatch = createEventDispatcher({
      fanout: () => ({
        channels: [
          { destinationId: slack.id, channelId: 'prod-ops' },
          { destinationId: console.id, channelId: 'ops' },
        ],
        sinks: [{ destinationId: sink.id, channelId: '' }],
      }),
      notificationsEnabled: () => true,
      capabilities: (id) => (destinations.get(id) as Destination).capabilities,
      outbox: pipeline,
      logger,
    });

    // 30,000 characters: over Slack's 3,000 and the console's 20,000, far under the sink's limit.
    const body = Array.from(
      { length: 1000 },
      (_, i) => `row ${String(i).padStart(4, '0')} ${'z'.repeat(19)}`,
    ).join('\n');
    const event = { message: { baseBody: { codeBlock: body } }, rawObject: { kind: 'Pod', rows: 1000 } };
    dispatch('pods', new TextEncoder().encode(JSON.stringify(event)));

    // Slack: one message, cut to the end of the output, one note, and the whole body as event.txt.
    await waitFor(() => emu.files(alerts.id).length === 1, 15_000, 'the Slack upload');
    const posted = emu.messages(alerts.id).filter((m) => !m.files);
    expect(posted).toHaveLength(1);
    const slackText = JSON.stringify(posted[0]?.blocks);
    expect(slackText.match(/earlier characters not shown/g)).toHaveLength(1);
    expect(slackText).not.toContain('the whole message is in the attached file');
    expect(slackText).toContain('row 0999');
    expect(slackText).not.toContain('row 0000');
    expect(emu.files(alerts.id)[0]).toMatchObject({ filename: 'event.txt' });
    expect(emu.files(alerts.id)[0]?.content.toString()).toBe(body);

    // Console: the same decision at its own limit, one note in the text and no second one of its own.
    const shown = await waitFor(() => page.of('message')[0]?.message, 15_000, 'the console message');
    const code = shown.message?.baseBody.codeBlock ?? '';
    expect(code.length).toBeLessThanOrEqual(20_000 - 400);
    expect(code.match(/earlier characters not shown; full output attached/g)).toHaveLength(1);
    expect(code.endsWith('row 0999 zzzzzzzzzzzzzzzzzzz')).toBe(true);
    expect(shown.notice).toBeUndefined();
    expect(shown.files?.map((f) => f.name)).toEqual(['event.txt']);
    const download = await fetch(new URL(shown.files?.[0]?.url as string, console.url() as string));
    expect(await download.text()).toBe(body);

    // The sink has no text limit that matters here: the whole event, uncut, with its raw object.
    const delivered = await waitFor(() => receiver.bodies[0], 15_000, 'the webhook receiver');
    expect(delivered.data).toEqual({ kind: 'Pod', rows: 1000 });
    expect(delivered.text).toContain(body);
    expect(String(delivered.text)).not.toContain('not shown');
  });
});
