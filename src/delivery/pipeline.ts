import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import { ChannelWorker, type Leftover } from './channel-worker.js';
import type { DeliverySettings, Destination, Outbound, PostedRef } from './destination.js';
import type { Outbox } from './outbox.js';
import { createMemoryQueue, type DeliveryQueueFactory } from './queue.js';

export interface DeliveryPipelineOptions {
  /** The destination (bot or sink) with this id, looked up on every message (reloads replace them). */
  destination(id: string): Destination | undefined;
  /** `settings.delivery` of the config: queue bounds, dedup window, retry backoff, drain timeout. */
  settings: DeliverySettings;
  logger: Logger;
  metrics?: AgentMetrics;
  /** Makes each channel's queue; in-memory by default. The seam for a durable backend. */
  queue?: DeliveryQueueFactory;
  /** Source of retry jitter, in [0, 1). */
  random?: () => number;
}

/** Messages waiting for one channel of a destination (`channelId` is empty for sinks). */
export interface ChannelDepth {
  destinationId: string;
  channelId: string;
  pending: number;
}

/**
 * The delivery pipeline: the {@link Outbox} every outbound message goes through. Each channel
 * (or sink) has its own ordered queue and is paced by its destination's token bucket; replies
 * go ahead of events; events that outpace a channel are merged into digests; the same event
 * reaching a channel twice is posted once; transient failures are retried with backoff.
 * `send` resolves when the message is posted (undefined when it could not be; a sink, which has
 * no message ids, answers with an empty `messageId`), so callers that must not wait (event
 * sources) should not await it. See docs/delivery.md.
 */
export interface DeliveryPipeline extends Outbox {
  /** Pending messages per channel seen so far, for status displays. */
  depths(): ChannelDepth[];
  /**
   * Stops accepting messages, delivers what it can within `drainMs` (default
   * `settings.drainTimeout`), then logs what is left and resolves every waiting `send`.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const log = options.logger.child({ component: 'delivery' });
  const makeQueue = options.queue ?? createMemoryQueue;
  const workers = new Map<string, ChannelWorker>();
  const depthByDestination = new Map<string, number>();
  let lastId = 0;
  let queuedEvents = 0;
  let closing: Promise<void> | undefined;

  const workerFor = (destination: Destination, outbound: Outbound): ChannelWorker => {
    const destinationId = outbound.address.destinationId;
    const channelId = destination.kind === 'sink' ? '' : outbound.address.channelId;
    const mapKey = `${destinationId}\u0000${channelId}`;
    let worker = workers.get(mapKey);
    if (!worker) {
      const key = { destinationId, channelId };
      worker = new ChannelWorker({
        key,
        kind: destination.kind,
        destination: () => options.destination(destinationId),
        queue: makeQueue(key),
        settings: options.settings,
        nextId: () => ++lastId,
        sharedRoom: () => queuedEvents < options.settings.queueLimit.total,
        onDepth: (events, replies) => {
          queuedEvents += events;
          const depth = (depthByDestination.get(destinationId) ?? 0) + events + replies;
          depthByDestination.set(destinationId, depth);
          options.metrics?.queueDepth.set({ destination: destinationId }, depth);
        },
        log,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
      workers.set(mapKey, worker);
    }
    return worker;
  };

  const close = async (drainMs: number): Promise<void> => {
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), drainMs);
    });
    const idle = Promise.all([...workers.values()].map((w) => w.whenIdle())).then(() => true as const);
    await Promise.race([idle, deadline]);
    clearTimeout(timer);
    const left: (ChannelDepth & Leftover)[] = [];
    for (const worker of workers.values()) {
      const rest = worker.abandon();
      if (rest.replies + rest.events + rest.overflow > 0)
        left.push({ ...worker.key, pending: rest.replies + rest.events, ...rest });
    }
    const ms = Date.now() - started;
    if (left.length === 0) {
      log.info({ drainMs: ms }, 'delivery pipeline closed; everything was delivered');
      return;
    }
    const sum = (f: (l: Leftover) => number) => left.reduce((n, l) => n + f(l), 0);
    log.warn(
      {
        drainMs,
        replies: sum((l) => l.replies),
        events: sum((l) => l.events),
        overflow: sum((l) => l.overflow),
        channels: left.map(({ destinationId, channelId, replies, events, overflow }) => ({
          destination: destinationId,
          channel: channelId,
          replies,
          events,
          overflow,
        })),
      },
      'delivery pipeline closed with undelivered messages',
    );
  };

  return {
    send(outbound): Promise<PostedRef | undefined> {
      const id = outbound.address.destinationId;
      if (closing) {
        log.warn(
          { destination: id, channel: outbound.address.channelId, kind: outbound.kind ?? 'reply' },
          'message sent after the delivery pipeline closed; not delivered',
        );
        options.metrics?.sendErrors.inc({ destination: id, reason: 'other' });
        return Promise.resolve(undefined);
      }
      const destination = options.destination(id);
      if (!destination) {
        log.warn({ destination: id }, 'message for an unknown destination dropped');
        options.metrics?.sendErrors.inc({ destination: id, reason: 'unknown-channel' });
        return Promise.resolve(undefined);
      }
      const { modalTrigger, ...inline } = outbound;
      if (!modalTrigger) return workerFor(destination, outbound).enqueue(outbound);
      // A modal is not a channel post and its trigger expires in seconds: it cannot wait for the
      // channel's tokens. When it does not open, the message is posted, paced like any reply.
      const open = destination.openModal?.(outbound) ?? Promise.resolve(undefined);
      return open
        .catch(() => undefined)
        .then((shown) => shown ?? workerFor(destination, inline).enqueue(inline));
    },
    depths() {
      return [...workers.values()].map((w) => ({ ...w.key, pending: w.depth() }));
    },
    close(closeOptions = {}) {
      closing ??= close(closeOptions.drainMs ?? options.settings.drainTimeout.ms);
      return closing;
    },
  };
}
