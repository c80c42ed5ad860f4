import { afterEach, describe, expect, inject, it } from 'vitest';
import { createEventDispatcher } from '../../src/bridge/source/event-dispatch.js';
import { type RunningStream, startSourceStream } from '../../src/bridge/source/source-streams.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import type { Address } from '../../src/delivery/destination.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createSourceClient } from '../../src/plugins/host/source-client.js';
import { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { RecordingDestination } from '../support/recording-destination.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const binary = inject('tsFixtures')['source-fixture'] as string;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(options: { muted?: string[] } = {}) {
  const { logger } = createTestLogger();
  const supervisor = new PluginSupervisor({
    launch: { name: 'test/ticker', binary, autoMtls: false },
    logger,
    healthCheckIntervalMs: 0,
    backoff: { initialDelayMs: 50, maxDelayMs: 200, multiplier: 2, jitter: 0 },
  });
  await supervisor.start();
  cleanup.push(() => supervisor.stop());
  const slack = new RecordingDestination('team/socketSlack');
  const sink = new RecordingDestination('team/webhook');
  const destinations = new Map([slack, sink].map((d) => [d.id, d]));
  const metrics = createMetrics();
  const ops: Address = { destinationId: slack.id, channelId: 'C-ops' };
  const dev: Address = { destinationId: slack.id, channelId: 'C-dev' };
  // The agent's delivery pipeline, without the grouping wait and dedup window that would hold or merge ticks.
  const pipeline = createDeliveryPipeline({
    destination: (id) => destinations.get(id),
    settings: DeliverySettings.parse({
      groupWait: '0s',
      dedupWindow: '0s',
      retry: { initialBackoff: '10ms', maxBackoff: '50ms' },
    }),
    logger,
    metrics,
  });
  cleanup.push(() => pipeline.close({ drainMs: 0 }));
  const dispatch = createEventDispatcher({
    fanout: (group) =>
      group === 'ticks'
        ? { channels: [ops, dev], sinks: [{ destinationId: sink.id, channelId: '' }] }
        : { channels: [], sinks: [] },
    notificationsEnabled: (a) => !(options.muted ?? []).includes(a.channelId),
    capabilities: (id) => (id === slack.id ? slack : sink).capabilities,
    outbox: pipeline,
    logger,
    metrics,
  });
  const client = createSourceClient(supervisor);
  const start = (group: string, config: string): RunningStream => {
    const stream = startSourceStream(
      {
        group,
        pluginKey: 'test/ticker',
        client,
        config: new TextEncoder().encode(config),
        context: {
          interactive: false,
          clusterName: 'prod',
          sourceName: group,
          incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
        },
      },
      (group, bytes) => dispatch(group, bytes),
      logger,
    );
    cleanup.push(() => stream.stop());
    return stream;
  };
  return { supervisor, slack, sink, metrics, start };
}

describe('source bridge', () => {
  it('fans each event out to bound channels (rendered) and sinks (raw object)', async () => {
    const { slack, sink, start, metrics } = await setup();
    start('ticks', 'count: 2\n');
    await waitFor(() => sink.received.length === 2, 5000, 'events at the sink');
    expect(slack.texts('C-ops')).toEqual(['tick 1 from ticks', 'tick 2 from ticks']);
    expect(slack.texts('C-dev')).toEqual(['tick 1 from ticks', 'tick 2 from ticks']);
    expect(sink.received.map((o) => o.rawObject)).toEqual([
      { i: 1, source: 'ticks', cluster: 'prod', padding: '' },
      { i: 2, source: 'ticks', cluster: 'prod', padding: '' },
    ]);
    expect(sink.received[0]?.sources).toEqual(['ticks']);
    expect(await metrics.registry.getSingleMetricAsString('switchboard_source_events_total')).toContain(
      'switchboard_source_events_total{source="ticks"} 2',
    );
  });

  it('skips channels whose notifications are off', async () => {
    const { slack, sink, start } = await setup({ muted: ['C-dev'] });
    start('ticks', 'count: 1\n');
    await waitFor(() => sink.received.length === 1, 5000, 'event at the sink');
    expect(slack.texts('C-dev')).toEqual([]);
    expect(slack.texts('C-ops')).toEqual(['tick 1 from ticks']);
  });

  it('keeps delivering after the plugin crashes: the stream is re-opened', async () => {
    const { slack, start, supervisor } = await setup();
    start('ticks', 'count: 1\n');
    await waitFor(() => slack.texts('C-ops').length === 1, 5000, 'first event');
    process.kill(supervisor.status().pid as number, 'SIGKILL');
    // The plugin process is spawned again: seconds on a loaded machine.
    await waitFor(() => slack.texts('C-ops').length === 2, 20_000, 'event after restart');
    expect(supervisor.status().restarts).toBe(1);
  });

  it('retries a failed delivery, counts it and keeps going', async () => {
    const { slack, metrics, start } = await setup();
    slack.failNext = 1;
    start('ticks', 'count: 2\nintervalMs: 50\n');
    await waitFor(() => slack.received.length === 4, 5000, 'all deliveries, the failed one retried');
    expect(await metrics.registry.getSingleMetricAsString('switchboard_delivery_retries_total')).toContain(
      'switchboard_delivery_retries_total{destination="team/socketSlack",reason="unavailable"} 1',
    );
  });
});
