import { test as base, describe, expect } from 'vitest';
import {
  createEventDispatcher,
  type EventDispatcherOptions,
} from '../../src/bridge/source/event-dispatch.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import type { Destination, Outbound, PacingPolicy, PostedRef } from '../../src/delivery/destination.js';
import { digestEventCount } from '../../src/delivery/digest.js';
import { createDeliveryPipeline, type DeliveryPipeline } from '../../src/delivery/pipeline.js';
import { type AgentMetrics, createMetrics } from '../../src/metrics/metrics.js';
import { encodeEvent, plaintextMessage } from '../../src/sdk/index.js';
import {
  eventNumbersIn,
  eventsIn,
  type PlatformLimits,
  RateLimitedPlatform,
} from '../support/rate-limited-destination.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

interface Rig {
  platform(limits: PlatformLimits): Promise<RateLimitedPlatform>;
  pipeline(
    destinations: Destination[],
    settings?: Record<string, unknown>,
  ): { pipeline: DeliveryPipeline; metrics: AgentMetrics; lines: Record<string, unknown>[] };
}

const test = base.extend<{ rig: Rig }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  rig: async ({}, use) => {
    const cleanup: (() => Promise<void>)[] = [];
    await use({
      async platform(limits) {
        const platform = await RateLimitedPlatform.start(limits);
        cleanup.push(() => platform.close());
        return platform;
      },
      pipeline(destinations, settings = {}) {
        const { logger, lines } = createTestLogger('debug');
        const metrics = createMetrics();
        const byId = new Map(destinations.map((d) => [d.id, d]));
        const pipeline = createDeliveryPipeline({
          destination: (id) => byId.get(id),
          settings: DeliverySettings.parse(settings),
          logger,
          metrics,
        });
        cleanup.push(() => pipeline.close({ drainMs: 0 }));
        return { pipeline, metrics, lines };
      },
    });
    for (const c of cleanup.reverse()) await c();
  },
});

const slack: PacingPolicy = { ratePerSecond: 1, burst: 3 };
const event = (channelId: string, i: number, source = 'k8s-errors'): Outbound => ({
  address: { destinationId: 'team/slack', channelId },
  message: plaintextMessage(`event ${i}`),
  kind: 'event',
  sources: [source],
});
const reply = (channelId: string, text: string): Outbound => ({
  address: { destinationId: 'team/slack', channelId },
  message: plaintextMessage(text),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real source dispatcher, fanning one group out to channel C-ops of `chat` and to `sink`. */
function dispatcher(
  to: { chat: Destination; sink: Destination; pipeline: DeliveryPipeline; metrics: AgentMetrics },
  actions?: EventDispatcherOptions['actions'],
) {
  return createEventDispatcher({
    fanout: () => ({
      channels: [{ destinationId: to.chat.id, channelId: 'C-ops' }],
      sinks: [{ destinationId: to.sink.id, channelId: '' }],
    }),
    notificationsEnabled: () => true,
    capabilities: (id) => (id === to.chat.id ? to.chat : to.sink).capabilities,
    outbox: to.pipeline,
    ...(actions ? { actions } : {}),
    logger: createTestLogger('silent').logger,
    metrics: to.metrics,
  });
}
const metric = async (metrics: AgentMetrics, name: string) =>
  (await metrics.registry.getSingleMetricAsString(name))
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.includes('_bucket'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
const calls = (metrics: AgentMetrics, name: string, label: string) =>
  metrics.registry
    .getSingleMetricAsString(name)
    .then((text) => text.split('\n').filter((l) => l.includes(label)));

describe('delivery pipeline', () => {
  test('accounts for each of 5,000 events sent within one second to one channel, without a 429', async ({
    rig,
  }) => {
    const platform = await rig.platform({ ratePerSecond: 1, burst: 3 });
    const destination = platform.destination('team/slack', { pacing: slack });
    const { pipeline, metrics } = rig.pipeline([destination]);

    const started = Date.now();
    const sends: Promise<PostedRef | undefined>[] = [];
    for (let i = 0; i < 5000; i++) {
      sends.push(pipeline.send(event('C-alerts', i)));
      if (i % 250 === 249) await sleep(50);
    }
    const sendingMs = Date.now() - started;
    const refs = await Promise.all(sends);

    // The premise: a burst far faster than the channel's 1/s (20 pauses of 50 ms make 1 s of it).
    expect(sendingMs).toBeLessThan(6000);
    expect(refs.every((r) => r !== undefined)).toBe(true);
    const posted = platform.messages('C-alerts');
    expect(posted.reduce((n, m) => n + eventsIn(m), 0)).toBe(5000);
    const shown = posted.flatMap((m) => eventNumbersIn(m)).sort((a, b) => a - b);
    expect(shown).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(platform.rateLimitedAnswers).toBe(0);
    // Paced: the burst plus one per second, never a flood.
    const elapsedS = (posted.at(-1)?.postedAt ?? started) - started;
    expect(posted.length).toBeLessThanOrEqual(slack.burst + Math.ceil(elapsedS / 1000) + 1);
    expect(posted.length).toBeLessThan(20);
    for (const m of posted) expect(m.text.length).toBeLessThanOrEqual(4000);
    expect(await metric(metrics, 'switchboard_events_coalesced_total')).toBeGreaterThan(4900);
    expect(await metric(metrics, 'switchboard_rate_limited_total')).toBe(0);
    expect(await metric(metrics, 'switchboard_delivery_queue_depth')).toBe(0);
  });

  test('honours 429 and Retry-After when a destination declares more than the platform allows', async ({
    rig,
  }) => {
    const platform = await rig.platform({ ratePerSecond: 2, burst: 1, retryAfter: 'decimal' });
    const destination = platform.destination('team/slack', { pacing: { ratePerSecond: 20, burst: 10 } });
    const { pipeline, metrics, lines } = rig.pipeline([destination]);

    const sends = [
      ...Array.from({ length: 4 }, (_, i) => pipeline.send(reply('C1', `reply ${i}`))),
      ...Array.from({ length: 300 }, (_, i) => pipeline.send(event('C1', i))),
    ];
    const refs = await Promise.all(sends);

    expect(refs.every((r) => r !== undefined)).toBe(true);
    const posted = platform.messages('C1');
    expect(posted.slice(0, 4).map((m) => m.text)).toEqual(['reply 0', 'reply 1', 'reply 2', 'reply 3']);
    expect(posted.slice(4).reduce((n, m) => n + eventsIn(m), 0)).toBe(300);
    expect(platform.rateLimitedAnswers).toBeGreaterThan(0);
    expect(await metric(metrics, 'switchboard_rate_limited_total')).toBe(platform.rateLimitedAnswers);
    // Each 429 is followed by a wait of at least its Retry-After before the channel is tried again.
    const c1 = platform.calls.filter((c) => c.channelId === 'C1');
    const waits = c1.flatMap((call, k) =>
      call.status === 429 ? [[(c1[k + 1]?.at ?? Number.NaN) - call.at, call.retryAfterMs as number]] : [],
    );
    expect(waits.length).toBeGreaterThan(0);
    for (const [waited, asked] of waits) expect(waited).toBeGreaterThanOrEqual((asked as number) - 1);
    expect(c1.at(-1)?.status).toBe(200);
    expect(lines.some((l) => l.msg === 'rate limited by the platform: channel paused, message kept')).toBe(
      true,
    );
  });

  test('posts the same event reaching a channel through two source groups once, with both sources', async ({
    rig,
  }) => {
    const platform = await rig.platform({ ratePerSecond: 10, burst: 10 });
    const chat = platform.destination('team/slack', { pacing: slack });
    const sink = platform.destination('team/webhook', { kind: 'sink' });
    const { pipeline, metrics } = rig.pipeline([chat, sink]);
    const dispatch = dispatcher({ chat, sink, pipeline, metrics });
    const bytes = encodeEvent({
      message: plaintextMessage('Pod default/web-1 OOMKilled'),
      rawObject: { uid: 'u1' },
    });

    dispatch('k8s-all', bytes);
    dispatch('k8s-errors', bytes);
    dispatch('k8s-errors', encodeEvent({ message: plaintextMessage('Pod default/web-2 OOMKilled') }));

    // Dispatch queues every copy at once; once no channel has anything pending, each message
    // the pipeline was going to post has been answered, so the lists below are final.
    await waitFor(
      () => platform.messages('sink').length >= 2 && pipeline.depths().every((d) => d.pending === 0),
      15_000,
      'both events posted to the channel and the sink',
    );
    // Within the channel's budget each event is its own message; the copy from k8s-all merged.
    const ops = platform.messages('C-ops');
    expect(ops.map((m) => [m.text, m.sources])).toEqual([
      ['Pod default/web-1 OOMKilled', ['k8s-all', 'k8s-errors']],
      ['Pod default/web-2 OOMKilled', ['k8s-errors']],
    ]);
    // Both are in flight to the sink at once (sinkConcurrency 16), so either may arrive first.
    const atSink = platform.messages('sink').sort((a, b) => a.text.localeCompare(b.text));
    expect(atSink.map((m) => [m.text, m.sources])).toEqual([
      ['Pod default/web-1 OOMKilled', ['k8s-all', 'k8s-errors']],
      ['Pod default/web-2 OOMKilled', ['k8s-errors']],
    ]);
    expect(await calls(metrics, 'switchboard_duplicates_suppressed_total', 'destination=')).toEqual([
      'switchboard_duplicates_suppressed_total{destination="team/slack"} 1',
      'switchboard_duplicates_suppressed_total{destination="team/webhook"} 1',
    ]);
  });

  test('post() tells one shared callback about every message, once each: posted, duplicate, unknown', async ({
    rig,
  }) => {
    const platform = await rig.platform({ ratePerSecond: 1, burst: 3 });
    const chat = platform.destination('team/slack', { pacing: slack });
    const { pipeline } = rig.pipeline([chat], { dedupWindow: '30s' });
    const heard: (PostedRef | undefined)[] = [];
    const done = (ref: PostedRef | undefined) => heard.push(ref);
    for (let i = 0; i < 200; i++) pipeline.post?.(event('C-post', i), done);
    // Through another group while the first copy waits: merged into it, heard when it is posted.
    pipeline.post?.(event('C-post', 3, 'k8s-all'), done);
    pipeline.post?.(
      { ...event('C-post', 1), address: { destinationId: 'gone/slack', channelId: 'C' } },
      done,
    );
    // Nothing waits for a promise: the unknown destination is answered at once.
    expect(heard).toEqual([undefined]);

    await waitFor(() => heard.length === 202, 15_000, 'every post answered');
    const posted = heard.slice(1);
    expect(posted.every((ref) => ref?.channelId === 'C-post' && ref.messageId !== '')).toBe(true);
    expect(platform.messages('C-post').reduce((n, m) => n + eventsIn(m), 0)).toBe(200);
    expect(platform.messages('C-post').flatMap((m) => m.sources ?? [])).toContain('k8s-all');
  });

  test('the dispatcher counts each posted event once per destination, without a promise per copy', async ({
    rig,
  }) => {
    // The platform takes the sink's posts as fast as they come; the channel is paced (digests).
    const platform = await rig.platform({ ratePerSecond: 1000, burst: 1000 });
    const chat = platform.destination('team/slack', { pacing: slack });
    const sink = platform.destination('team/webhook', { kind: 'sink' });
    const { pipeline, metrics } = rig.pipeline([chat, sink]);
    const dispatch = dispatcher({ chat, sink, pipeline, metrics });
    for (let i = 0; i < 300; i++)
      dispatch('k8s-errors', encodeEvent({ message: plaintextMessage(`event ${i}`) }));
    await waitFor(
      () => platform.messages('sink').length >= 300 && pipeline.depths().every((d) => d.pending === 0),
      15_000,
      'every event posted',
    );
    // The counter is added to once per turn: let the last turn's count land.
    await sleep(0);
    expect(await calls(metrics, 'switchboard_events_delivered_total', 'destination=')).toEqual([
      'switchboard_events_delivered_total{source="k8s-errors",destination="team/slack"} 300',
      'switchboard_events_delivered_total{source="k8s-errors",destination="team/webhook"} 300',
    ]);
  });

  test('sends a skipMessage event to sinks but posts nothing to chat', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 10, burst: 10 });
    const chat = platform.destination('team/slack', { pacing: slack });
    const sink = platform.destination('team/webhook', { kind: 'sink' });
    const { pipeline, metrics } = rig.pipeline([chat, sink]);
    const queued: string[] = [];
    const dispatch = dispatcher({ chat, sink, pipeline, metrics }, (group, event) =>
      queued.push(`${group}:${JSON.stringify(event.rawObject)}`),
    );
    dispatch(
      'ticks',
      encodeEvent({ message: { type: 'skipMessage', baseBody: {} }, rawObject: { schedule: 'nightly' } }),
    );
    // A chat post would have been queued by the dispatch itself: with nothing pending anywhere
    // after the sink got the event, it was never queued rather than not posted yet.
    await waitFor(
      () => platform.messages('sink').length >= 1 && pipeline.depths().every((d) => d.pending === 0),
      15_000,
      'the event posted to the sink',
    );
    expect(platform.messages('sink')[0]?.message.type).toBe('skipMessage');
    expect(platform.messages('C-ops')).toEqual([]);
    expect(queued).toEqual(['ticks:{"schedule":"nightly"}']);
  });

  test('suppresses a copy that arrives after the first was posted, until the window ends', async ({
    rig,
  }) => {
    const platform = await rig.platform({ ratePerSecond: 50, burst: 50 });
    const chat = platform.destination('team/slack');
    const { pipeline } = rig.pipeline([chat], { dedupWindow: '1s', groupWait: '0s' });
    const first = await pipeline.send(event('C1', 1));
    const copy = await pipeline.send({ ...event('C1', 1), sources: ['other'] });
    expect(copy).toEqual(first);
    expect(platform.messages('C1')).toHaveLength(1);
    await sleep(1100);
    await pipeline.send(event('C1', 1));
    expect(platform.messages('C1').map((m) => m.text)).toEqual(['event 1', 'event 1']);
  });

  test('delivers the same content twice when the same source group sent it twice', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 50, burst: 50 });
    const chat = platform.destination('team/slack');
    const { pipeline } = rig.pipeline([chat], { dedupWindow: '30s', groupWait: '0s' });
    await pipeline.send(event('C1', 7));
    await pipeline.send(event('C1', 7));
    // Queued twice before either is posted, then a copy of both through another group.
    const queued = [pipeline.send(event('C1', 8)), pipeline.send(event('C1', 8))];
    await Promise.all(queued);
    await pipeline.send(event('C1', 8, 'k8s-all'));
    const represented = platform.messages('C1').reduce((n, m) => n + (digestEventCount(m.message) ?? 1), 0);
    expect(represented).toBe(4);
  });

  test('sends a command reply ahead of events already waiting for the channel', async ({ rig }) => {
    // A token every 2 s: the reply arrives well before the next one, even on a loaded machine.
    const platform = await rig.platform({ ratePerSecond: 0.5, burst: 1 });
    const destination = platform.destination('team/slack', { pacing: { ratePerSecond: 0.5, burst: 1 } });
    const { pipeline } = rig.pipeline([destination], { groupWait: '0s' });

    await pipeline.send(event('C1', 0));
    const waiting = Array.from({ length: 5 }, (_, i) => pipeline.send(event('C1', i + 1)));
    await sleep(200);
    const answer = await pipeline.send(reply('C1', 'pods: 3 running'));

    await Promise.all(waiting);
    const posted = platform.messages('C1');
    expect(posted.map((m) => m.message.sections?.[0]?.header ?? m.text)).toEqual([
      'event 0',
      'pods: 3 running',
      expect.stringMatching(/^5 events from k8s-errors in the last [3-5] s$/),
    ]);
    expect(answer).toEqual({ channelId: 'C1', messageId: posted[1]?.id });
  });

  test('collapses streaming edits so only the newest pending edit is sent, within the budget', async ({
    rig,
  }) => {
    const platform = await rig.platform({ ratePerSecond: 1, burst: 1 });
    const destination = platform.destination('team/slack', { pacing: { ratePerSecond: 1, burst: 1 } });
    const { pipeline, metrics } = rig.pipeline([destination]);

    const ref = (await pipeline.send(reply('C1', 'running…'))) as PostedRef;
    const edits = Array.from({ length: 20 }, (_, i) =>
      pipeline.send({ ...reply('C1', `output line ${i + 1}`), replaces: ref }),
    );
    const answers = await Promise.all(edits);
    await pipeline.send({ ...reply('C1', 'done'), replaces: ref });

    expect(answers.every((a) => a?.messageId === ref.messageId)).toBe(true);
    const patches = platform.calls.filter((c) => c.method === 'PATCH');
    expect(patches.map((c) => c.status)).toEqual([200, 200]);
    expect(platform.messages('C1')).toHaveLength(1);
    expect(platform.messages('C1')[0]?.text).toBe('done');
    expect(platform.messages('C1')[0]?.edits).toBe(2);
    expect(platform.rateLimitedAnswers).toBe(0);
    expect(await metric(metrics, 'switchboard_edits_collapsed_total')).toBe(19);
  });

  test('does not retry a message the platform rejects, and goes on with the next', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 50, burst: 50 });
    const destination = platform.destination('team/slack');
    const { pipeline, metrics, lines } = rig.pipeline([destination]);
    platform.rejectNext(400);

    const rejected = await pipeline.send(reply('C1', 'bad'));
    const next = await pipeline.send(reply('C1', 'good'));

    expect(rejected).toBeUndefined();
    expect(next).toBeDefined();
    expect(destination.attempts).toBe(2);
    expect(platform.messages('C1').map((m) => m.text)).toEqual(['good']);
    expect(await calls(metrics, 'switchboard_send_errors_total', 'reason=')).toEqual([
      'switchboard_send_errors_total{destination="team/slack",reason="rejected"} 1',
    ]);
    expect(await metric(metrics, 'switchboard_delivery_retries_total')).toBe(0);
    const line = lines.find((l) => l.msg === 'delivery failed; message dropped');
    expect(line).toMatchObject({ level: 50, destination: 'team/slack', channel: 'C1', reason: 'rejected' });
  });

  test('drops a message still failing after retry.giveUpAfter, and says so', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 50, burst: 50 });
    const destination = platform.destination('team/slack');
    const { pipeline, metrics, lines } = rig.pipeline([destination], {
      retry: { initialBackoff: '50ms', maxBackoff: '200ms', giveUpAfter: '1s' },
    });
    platform.takeDown(60_000);

    const started = Date.now();
    const answer = await pipeline.send(reply('C1', 'never arrives'));

    expect(answer).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(destination.attempts).toBeGreaterThan(3);
    expect(await metric(metrics, 'switchboard_delivery_retries_total')).toBe(destination.attempts - 1);
    expect(
      lines.find((l) => l.msg === 'delivery kept failing past retry.giveUpAfter; message dropped'),
    ).toMatchObject({
      reason: 'unavailable',
      kind: 'reply',
    });
  });

  test('sends smaller digests after the platform answers that one is too large', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 50, burst: 50, maxTextLength: 900 });
    // The destination claims more room than the platform gives.
    const destination = platform.destination('team/slack', {
      capabilities: { maxMessageLength: 4000, files: false },
      pacing: { ratePerSecond: 5, burst: 5 },
    });
    const { pipeline, lines } = rig.pipeline([destination]);

    await Promise.all(Array.from({ length: 200 }, (_, i) => pipeline.send(event('C1', i))));

    const posted = platform.messages('C1');
    expect(posted.reduce((n, m) => n + eventsIn(m), 0)).toBe(200);
    expect(posted.flatMap((m) => eventNumbersIn(m))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(platform.calls.filter((c) => c.status === 413).length).toBeGreaterThan(0);
    expect(
      lines.some(
        (l) => l.msg === 'digest rejected as too large; sending smaller digests to this destination',
      ),
    ).toBe(true);
  });

  test('drops, and logs, what waits for a destination that a reload removed', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 1, burst: 1 });
    const kept = platform.destination('team/slack', { pacing: { ratePerSecond: 1, burst: 1 } });
    const destinations = new Map([[kept.id, kept]]);
    const { logger, lines } = createTestLogger('info');
    const pipeline = createDeliveryPipeline({
      destination: (id) => destinations.get(id),
      settings: DeliverySettings.parse({}),
      logger,
    });
    await pipeline.send(reply('C1', 'first'));
    const waiting = pipeline.send(reply('C1', 'second'));
    destinations.clear();

    expect(await waiting).toBeUndefined();
    expect(lines.find((l) => l.msg === 'delivery failed; message dropped')).toMatchObject({
      reason: 'unknown-channel',
      err: 'no destination team/slack is configured',
    });
    await pipeline.close({ drainMs: 0 });
  });

  test('answers undefined for an unknown destination, and logs it', async ({ rig }) => {
    const { pipeline, metrics, lines } = rig.pipeline([]);
    expect(await pipeline.send(reply('C1', 'hello'))).toBeUndefined();
    expect(lines.find((l) => l.msg === 'message for an unknown destination dropped')).toMatchObject({
      destination: 'team/slack',
    });
    expect(await calls(metrics, 'switchboard_send_errors_total', 'reason=')).toEqual([
      'switchboard_send_errors_total{destination="team/slack",reason="unknown-channel"} 1',
    ]);
  });

  test('close() delivers what it can within drainMs, then reports what is left', async ({ rig }) => {
    // C1 gets its next token 4 s after the first reply: after the drain ends. C2 posts within it.
    const platform = await rig.platform({ ratePerSecond: 0.25, burst: 1 });
    const destination = platform.destination('team/slack', { pacing: { ratePerSecond: 0.25, burst: 1 } });
    const { pipeline, lines } = rig.pipeline([destination]);

    const first = pipeline.send(reply('C1', 'first'));
    const rest = [
      pipeline.send(reply('C1', 'second')),
      pipeline.send(event('C1', 1)),
      pipeline.send(event('C2', 2)),
    ];
    await first;
    expect(pipeline.depths()).toEqual([
      { destinationId: 'team/slack', channelId: 'C1', pending: 2 },
      { destinationId: 'team/slack', channelId: 'C2', pending: 1 },
    ]);
    await pipeline.close({ drainMs: 1500 });

    expect(await Promise.all(rest)).toEqual([
      undefined,
      undefined,
      expect.objectContaining({ channelId: 'C2' }),
    ]);
    expect(lines.find((l) => l.msg === 'delivery pipeline closed with undelivered messages')).toMatchObject({
      level: 40,
      replies: 1,
      events: 1,
      channels: [{ destination: 'team/slack', channel: 'C1', replies: 1, events: 1, overflow: 0 }],
    });
    expect(await pipeline.send(reply('C1', 'late'))).toBeUndefined();
    expect(
      lines.some((l) => l.msg === 'message sent after the delivery pipeline closed; not delivered'),
    ).toBe(true);
  });

  test('close() says when everything was delivered', async ({ rig }) => {
    const platform = await rig.platform({ ratePerSecond: 50, burst: 50 });
    const { pipeline, lines } = rig.pipeline([platform.destination('team/slack')]);
    const pending = pipeline.send(event('C1', 1));
    await pipeline.close({ drainMs: 5000 });
    expect(await pending).toBeDefined();
    expect(lines.some((l) => l.msg === 'delivery pipeline closed; everything was delivered')).toBe(true);
  });
});
