import { afterEach, describe, expect, inject, it } from 'vitest';
import { createEventDispatcher } from '../../src/bridge/source/event-dispatch.js';
import { type RunningStream, startSourceStream } from '../../src/bridge/source/source-streams.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createSourceClient } from '../../src/plugins/host/source-client.js';
import { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { eventNumbersIn, eventsIn, RateLimitedPlatform } from '../support/rate-limited-destination.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const binary = inject('tsFixtures')['source-fixture'] as string;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const counter = async (metrics: ReturnType<typeof createMetrics>, name: string, label: string) =>
  (await metrics.registry.getSingleMetricAsString(name))
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);

describe('source stream → dispatcher → delivery pipeline', () => {
  it('reads a plugin stream at full speed while a paced channel posts digests, and the sink gets every event', async () => {
    const { logger } = createTestLogger('info');
    const supervisor = new PluginSupervisor({
      launch: { name: 'test/ticker', binary, autoMtls: false },
      logger,
      healthCheckIntervalMs: 0,
    });
    await supervisor.start();
    cleanup.push(() => supervisor.stop());
    const platform = await RateLimitedPlatform.start({ ratePerSecond: 1, burst: 1 });
    cleanup.push(() => platform.close());
    const receiver = await RateLimitedPlatform.start({ ratePerSecond: 10_000, burst: 10_000 });
    cleanup.push(() => receiver.close());
    const slack = platform.destination('team/slack', { pacing: { ratePerSecond: 1, burst: 1 } });
    const sink = receiver.destination('team/webhook', { kind: 'sink' });
    const metrics = createMetrics();
    const pipeline = createDeliveryPipeline({
      destination: (id) => (id === slack.id ? slack : id === sink.id ? sink : undefined),
      settings: DeliverySettings.parse({}),
      logger,
      metrics,
    });
    cleanup.push(() => pipeline.close({ drainMs: 0 }));
    const dispatch = createEventDispatcher({
      fanout: () => ({
        channels: [{ destinationId: slack.id, channelId: 'C-alerts' }],
        sinks: [{ destinationId: sink.id, channelId: '' }],
      }),
      notificationsEnabled: () => true,
      capabilities: (id) => (id === slack.id ? slack : sink).capabilities,
      outbox: pipeline,
      logger,
      metrics,
    });
    const count = 500;
    const stream: RunningStream = startSourceStream(
      {
        group: 'ticks',
        pluginKey: 'test/ticker',
        client: createSourceClient(supervisor),
        config: new TextEncoder().encode(`count: ${count}\n`),
        context: {
          interactive: false,
          clusterName: 'prod',
          sourceName: 'ticks',
          incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
        },
      },
      (group, bytes) => dispatch(group, bytes),
      logger,
    );
    cleanup.push(() => stream.stop());

    const started = Date.now();
    await waitFor(
      async () => (await counter(metrics, 'switchboard_source_events_total', 'ticks')) === count,
      10_000,
      'every event read from the stream',
    );
    const readMs = Date.now() - started;
    const postedWhileReading = platform.messages('C-alerts').length;

    // Awaiting each delivery would have taken ~500 s at 1 message/s; the stream was never held back.
    expect(readMs).toBeLessThan(5000);
    expect(postedWhileReading).toBeLessThanOrEqual(Math.ceil(readMs / 1000) + 1);
    await waitFor(() => receiver.messages('sink').length === count, 10_000, 'every event at the sink');
    // Up to sinkConcurrency (16) events are in flight, so neighbours may arrive swapped.
    const atSink = receiver.messages('sink').map((m) => Number(/tick (\d+) from/.exec(m.text)?.[1]));
    expect(atSink.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    await waitFor(
      () => platform.messages('C-alerts').reduce((n, m) => n + eventsIn(m), 0) === count,
      10_000,
      'every event represented in the channel',
    );
    const ticks = platform.messages('C-alerts').flatMap((m) => eventNumbersIn(m, /tick (\d+) from/));
    expect(ticks.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(platform.messages('C-alerts').length).toBeLessThan(15);
    expect(platform.rateLimitedAnswers).toBe(0);
    // Delivered events are counted per destination once the destination has answered, which is
    // a moment after the receiver has recorded the request.
    for (const destination of ['team/slack', 'team/webhook']) {
      await waitFor(
        async () => (await counter(metrics, 'switchboard_events_delivered_total', destination)) === count,
        5000,
        `delivered count of ${destination}`,
      );
    }
  });
});
