import { afterEach, describe, expect, it } from 'vitest';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import { plaintextMessage } from '../../src/contract/message.js';
import type { Destination, Outbound } from '../../src/delivery/destination.js';
import { createDeliveryPipeline, type DeliveryPipeline } from '../../src/delivery/pipeline.js';
import { type AgentMetrics, createMetrics } from '../../src/metrics/metrics.js';
import {
  eventNumbersIn,
  eventsIn,
  type PlatformLimits,
  RateLimitedPlatform,
} from '../support/rate-limited-destination.js';
import { createTestLogger } from '../support/test-logger.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(
  destinations: (platform: RateLimitedPlatform) => Destination[],
  limits: PlatformLimits = { ratePerSecond: 5, burst: 5 },
  settings: Record<string, unknown> = {},
) {
  const platform = await RateLimitedPlatform.start(limits);
  cleanup.push(() => platform.close());
  const byId = new Map(destinations(platform).map((d) => [d.id, d]));
  const { logger, lines } = createTestLogger('debug');
  const metrics = createMetrics();
  const pipeline = createDeliveryPipeline({
    destination: (id) => byId.get(id),
    // Fast backoff, so recovery is noticed quickly after the outage.
    settings: DeliverySettings.parse({ retry: { initialBackoff: '50ms', maxBackoff: '400ms' }, ...settings }),
    logger,
    metrics,
  });
  cleanup.push(() => pipeline.close({ drainMs: 0 }));
  return { platform, pipeline, metrics, lines };
}

const event = (destinationId: string, channelId: string, i: number): Outbound => ({
  address: { destinationId, channelId },
  message: plaintextMessage(`event ${i}`),
  kind: 'event',
  sources: ['k8s'],
  rawObject: { i },
});

/** Sends `count` numbered events, one every `everyMs`, while the outage lasts. */
async function stream(
  pipeline: DeliveryPipeline,
  make: (i: number) => Outbound,
  count: number,
  everyMs: number,
) {
  const sends = [];
  for (let i = 0; i < count; i++) {
    sends.push(pipeline.send(make(i)));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Promise.all(sends);
}

const retries = async (metrics: AgentMetrics) =>
  (await metrics.registry.getSingleMetricAsString('switchboard_delivery_retries_total'))
    .split('\n')
    .filter((l) => l.startsWith('switchboard_delivery_retries_total{'))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);

describe('delivery through an outage', () => {
  it('delivers every event to a chat channel in order after the platform was down for 3 s', async () => {
    const { platform, pipeline, metrics, lines } = await setup((p) => [
      // Small messages and no files: the backlog needs several digests, whose order is checked.
      p.destination('team/slack', {
        pacing: { ratePerSecond: 5, burst: 4 },
        capabilities: { maxMessageLength: 1200, files: false },
      }),
    ]);
    platform.takeDown(3000);
    const started = Date.now();

    const answer = pipeline.send({
      address: { destinationId: 'team/slack', channelId: 'C1' },
      message: plaintextMessage('reply during the outage'),
    });
    const refs = await stream(pipeline, (i) => event('team/slack', 'C1', i), 300, 10);

    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(await answer).toBeDefined();
    expect(refs.every((r) => r !== undefined)).toBe(true);
    const posted = platform.messages('C1');
    expect(posted[0]?.text).toBe('reply during the outage');
    expect(posted.slice(1).reduce((n, m) => n + eventsIn(m), 0)).toBe(300);
    expect(posted.slice(1).flatMap((m) => eventNumbersIn(m))).toEqual(
      Array.from({ length: 300 }, (_, i) => i),
    );
    expect(posted.length).toBeGreaterThan(3);
    expect(platform.calls.filter((c) => c.status === 503).length).toBeGreaterThan(2);
    expect(await retries(metrics)).toBe(platform.calls.filter((c) => c.status === 503).length);
    // The first failure is a warning; the following ones only debug lines, not a flood.
    expect(lines.filter((l) => l.msg === 'delivery failed; retrying with backoff')).toHaveLength(1);
  });

  it('delivers every event to a sink in order after its connections were reset for 3 s (sinkConcurrency 1)', async () => {
    // A webhook receiver has no posting budget: the sink is unpaced.
    const { platform, pipeline, metrics } = await setup(
      (p) => [p.destination('team/webhook', { kind: 'sink' })],
      { ratePerSecond: 10_000, burst: 10_000 },
      { sinkConcurrency: 1 },
    );
    platform.takeDown(3000, 'reset');

    const refs = await stream(pipeline, (i) => event('team/webhook', '', i), 200, 10);

    expect(refs.every((r) => r !== undefined)).toBe(true);
    expect(platform.messages('sink').map((m) => m.text)).toEqual(
      Array.from({ length: 200 }, (_, i) => `event ${i}`),
    );
    expect(platform.maxConcurrent).toBe(1);
    expect(platform.rateLimitedAnswers).toBe(0);
    expect(await retries(metrics)).toBeGreaterThan(2);
  });

  it('keeps up to sinkConcurrency events in flight to a slow sink, and delivers all after an outage', async () => {
    const { platform, pipeline, lines } = await setup(
      (p) => [p.destination('team/webhook', { kind: 'sink' })],
      { ratePerSecond: 10_000, burst: 10_000, latencyMs: 100 },
      { sinkConcurrency: 8, groupWait: '0s' },
    );
    platform.takeDown(1000);
    const started = Date.now();

    const refs = await Promise.all(
      Array.from({ length: 160 }, (_, i) => pipeline.send(event('team/webhook', '', i))),
    );

    expect(refs.every((r) => r !== undefined)).toBe(true);
    const texts = platform.messages('sink').map((m) => m.text);
    expect(texts.length).toBe(160);
    expect(new Set(texts).size).toBe(160);
    expect(platform.maxConcurrent).toBe(8);
    // One at a time this would take 160 × 100 ms = 16 s after the outage.
    expect(Date.now() - started).toBeLessThan(10_000);
    // Eight deliveries failing together are one backoff round and one warning, not eight.
    expect(lines.filter((l) => l.msg === 'delivery failed; retrying with backoff')).toHaveLength(1);
  });
});
