import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import type { DeliverySettings } from './destination.js';
import type { QueuedDelivery, QueueKey, QueueLane } from './queue.js';

/**
 * What is logged and counted about one channel's deliveries, in one place, so the worker reads
 * as the delivery logic alone. Warnings carry a fixed message and the channel's identity.
 */
export class ChannelReport {
  readonly #log: Logger;
  readonly #metrics: AgentMetrics | undefined;
  readonly #labels: { destination: string };
  readonly #where: { destination: string; channel: string };
  readonly #laneLabels: Record<QueueLane, { destination: string; kind: QueueLane }>;

  constructor(key: QueueKey, log: Logger, metrics: AgentMetrics | undefined) {
    this.#log = log;
    this.#metrics = metrics;
    this.#labels = { destination: key.destinationId };
    this.#where = { destination: key.destinationId, channel: key.channelId };
    this.#laneLabels = {
      reply: { destination: key.destinationId, kind: 'reply' },
      event: { destination: key.destinationId, kind: 'event' },
    };
  }

  duplicate(): void {
    this.#metrics?.duplicatesSuppressed.inc(this.#labels);
  }

  editCollapsed(): void {
    this.#metrics?.editsCollapsed.inc(this.#labels);
  }

  /** An event past the queue bound; `firstOfStreak` gets a warning (chat channels). */
  folded(firstOfStreak: boolean, limits: DeliverySettings['queueLimit']): void {
    this.#metrics?.deliveryOverflow.inc(this.#labels);
    if (!firstOfStreak) return;
    this.#log.warn(
      { ...this.#where, perChannel: limits.perChannel, total: limits.total },
      'delivery queue full: further events are counted and reported in the next digest, without details',
    );
  }

  sinkDropped(dropped: number, perChannel: number): void {
    this.#log.warn(
      { destination: this.#where.destination, dropped, perChannel },
      'sink queue full: events dropped',
    );
  }

  posted(items: readonly QueuedDelivery[], now: number, digest?: { overflow: number }): void {
    const latency = this.#metrics?.deliveryLatency;
    if (latency) {
      // One label object per lane, not one per item: a digest settles thousands of events.
      const labels = this.#laneLabels;
      for (const item of items) latency.observe(labels[item.lane], (now - item.enqueuedAt) / 1000);
    }
    if (!digest) return;
    this.#metrics?.digestsSent.inc(this.#labels);
    this.#metrics?.eventsCoalesced.inc(this.#labels, items.length);
    if (digest.overflow > 0) {
      this.#log.warn(
        { ...this.#where, dropped: digest.overflow },
        'events whose details were dropped (queue full) were reported in a digest',
      );
    }
  }

  rateLimited(pauseMs: number): void {
    this.#metrics?.rateLimited.inc(this.#labels);
    this.#log.warn(
      { ...this.#where, retryAfterMs: pauseMs },
      'rate limited by the platform: channel paused, message kept',
    );
  }

  /** A retry is scheduled; only the first failure of a streak is a warning. */
  retrying(reason: string, attempt: number, delayMs: number, err: unknown, first: boolean): void {
    this.#metrics?.deliveryRetries.inc({ ...this.#labels, reason });
    const line = { ...this.#where, reason, attempt, retryInMs: delayMs, err: message(err) };
    if (first) this.#log.warn(line, 'delivery failed; retrying with backoff');
    else this.#log.debug(line, 'delivery failed again; retrying with backoff');
  }

  shrunk(scale: number): void {
    this.#log.warn(
      { ...this.#where, scale },
      'digest rejected as too large; sending smaller digests to this destination',
    );
  }

  dropped(lane: QueueLane, events: number | undefined, reason: string, err: unknown, expired: boolean): void {
    this.#metrics?.sendErrors.inc({ ...this.#labels, reason });
    this.#log.error(
      { ...this.#where, reason, kind: lane, events, err: message(err) },
      expired
        ? 'delivery kept failing past retry.giveUpAfter; message dropped'
        : 'delivery failed; message dropped',
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
