import { randomUUID } from 'node:crypto';
import { renderMessageText } from '../core/render-text.js';
import type { Outbound } from '../delivery/destination.js';

/** One event as every sink reports it, whatever the wire format. */
export interface SinkEvent {
  /**
   * Stable across retries of the same outbound, so receivers and indices can drop repeats: the
   * pipeline's idempotency key (which survives restarts), else one made when first seen.
   */
  id: string;
  /** When the event happened: the message's timestamp, else when the sink first saw it. */
  time: Date;
  /** Source groups the event came from. */
  sources: string[];
  /** The source's raw object (`null` when the source sent none). */
  data: unknown;
  /** The event's message as plain text ('' when it has none). */
  text: string;
}

/** Go writes a missing time as its zero value; plugins' messages carry it often. */
const goZeroTime = /^0001-01-01T00:00:00(\.0+)?Z$/;

interface FirstSeen {
  id: string;
  at: Date;
}

/**
 * Identity and first-seen time per outbound object. The pipeline retries by handing the same
 * outbound again, so a retried POST or bulk item carries the same id and time as the first
 * attempt; a WeakMap lets finished outbounds be collected.
 */
const firstSeen = new WeakMap<Outbound, FirstSeen>();

/** What a sink sends for `outbound`; `now` is read only the first time an outbound is seen. */
export function toSinkEvent(outbound: Outbound, now: () => Date): SinkEvent {
  let seen = firstSeen.get(outbound);
  if (!seen) {
    seen = { id: randomUUID(), at: now() };
    firstSeen.set(outbound, seen);
  }
  return {
    id: outbound.idempotencyKey ?? seen.id,
    time: eventTime(outbound.message.timestamp) ?? seen.at,
    sources: [...(outbound.sources ?? [])],
    data: outbound.rawObject ?? null,
    text: renderMessageText(outbound.message).full,
  };
}

/** The message's timestamp as a Date; undefined when absent, Go's zero time or unparsable. */
export function eventTime(timestamp: Date | string | undefined): Date | undefined {
  if (timestamp === undefined) return undefined;
  if (timestamp instanceof Date) return Number.isNaN(timestamp.getTime()) ? undefined : timestamp;
  if (timestamp === '' || goZeroTime.test(timestamp)) return undefined;
  const parsed = new Date(timestamp);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}
