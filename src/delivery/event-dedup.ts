import { DedupIndex } from './dedup-index.js';
import type { Outbound, PostedRef } from './destination.js';
import { eventFingerprint } from './fingerprint.js';
import type { QueuedDelivery } from './queue.js';

/**
 * Where an event seen within the window stands. Changed in place as the event moves (queued,
 * in flight, posted): a storm makes one entry per event and channel, so copying entries on each
 * step would be garbage per item.
 */
interface Seen {
  /**
   * Source groups it has arrived through; a repeat from one of these is a new occurrence. It
   * starts as the queued copy's own array (copied when a group is added, never changed in place).
   */
  sources: readonly string[];
  /**
   * The queued item while it waits or is sent, by id: the item itself is looked up in the queue
   * when a copy's sources are merged into it, so the index does not keep a spilled item's body.
   */
  itemId: number | undefined;
  inFlight: boolean;
  posted: boolean;
  ref: PostedRef | undefined;
  /** Set by the index when the entry is added. */
  expiresAt: number;
}

/** What to do with an incoming event. */
export type DedupVerdict =
  | { duplicate: false; outbound: Outbound }
  /** Already posted: answer with where. */
  | { duplicate: true; posted: true; ref: PostedRef | undefined }
  /** Still queued or in flight: wait for that item (its sources now include the new ones if still queued). */
  | { duplicate: true; posted: false; itemId: number; merged?: QueuedDelivery };

/**
 * Duplicate suppression for one channel: the same event (by {@link eventFingerprint}, or the
 * `dedupKey` the source bridge computed) arriving again within `windowMs` through another
 * source group is not queued again; while the first copy waits, the newcomer's source groups
 * are merged into it. The same content again from a group it already came through is a new
 * occurrence (a source reporting the same thing twice) and is delivered: only copies made by
 * the agent's own fan-out are suppressed, never events a source sent, except a keyed request
 * sent again (`requestKeyed`: the sender retried a webhook whose answer it did not get).
 */
export class EventDedup {
  readonly #index: DedupIndex<Seen>;
  readonly #on: boolean;
  readonly #lookup: (id: number) => QueuedDelivery | undefined;

  /** `lookup` finds a queued item by id (whole, also when its body was spilled to the store). */
  constructor(windowMs: number, maxEntries: number, lookup: (id: number) => QueuedDelivery | undefined) {
    this.#on = windowMs > 0;
    this.#lookup = lookup;
    this.#index = new DedupIndex(windowMs, maxEntries);
  }

  /** Checks an incoming event; a fresh one comes back with its `dedupKey` set. */
  check(outbound: Outbound, now: number): DedupVerdict {
    if (!this.#on) return { duplicate: false, outbound };
    const key = outbound.dedupKey ?? eventFingerprint(outbound.message, outbound.rawObject);
    const seen = this.#index.get(key, now);
    const incoming = outbound.sources ?? [];
    // A sender's retry of a keyed request is the same occurrence, not the source repeating itself.
    const repeat =
      seen !== undefined &&
      outbound.requestKeyed !== true &&
      incoming.every((source) => seen.sources.includes(source));
    if (seen && !repeat) {
      const added = incoming.filter((source) => !seen.sources.includes(source));
      if (added.length > 0) seen.sources = [...seen.sources, ...added];
      if (seen.posted) return { duplicate: true, posted: true, ref: seen.ref };
      if (seen.itemId !== undefined) {
        const item = seen.inFlight ? undefined : this.#lookup(seen.itemId);
        // Not in flight and not in the queue (its stored body was unreadable): delivered as new.
        if (seen.inFlight || item) {
          const merged = item && mergeSources(item, incoming);
          return { duplicate: true, posted: false, itemId: seen.itemId, ...(merged ? { merged } : {}) };
        }
      }
    }
    return {
      duplicate: false,
      outbound: outbound.dedupKey === key ? outbound : { ...outbound, dedupKey: key },
    };
  }

  /**
   * An event posted before a restart: copies through other groups within the window are not
   * posted again. Its message id is not kept, so they are answered with an empty `messageId`.
   */
  remember(key: string, channelId: string, sources: readonly string[], postedAt: number): void {
    if (this.#on)
      this.#index.add(
        key,
        {
          sources: [...sources],
          itemId: undefined,
          inFlight: false,
          posted: true,
          ref: { channelId, messageId: '' },
          expiresAt: 0,
        },
        postedAt,
      );
  }

  /** A fresh event was queued. */
  queued(item: QueuedDelivery, now: number): void {
    const key = item.outbound.dedupKey;
    if (this.#on && key !== undefined)
      this.#index.add(
        key,
        {
          itemId: item.id,
          sources: item.outbound.sources ?? [],
          inFlight: false,
          posted: false,
          ref: undefined,
          expiresAt: 0,
        },
        now,
      );
  }

  /** These events are being sent: a copy arriving now waits for them instead of changing them. */
  sending(items: readonly QueuedDelivery[]): void {
    for (const item of items) {
      const seen = this.#seen(item);
      if (seen) {
        seen.itemId = item.id;
        seen.inFlight = true;
      }
    }
  }

  /** The try failed but the events stay queued. */
  requeued(items: readonly QueuedDelivery[]): void {
    for (const item of items) {
      const seen = this.#seen(item);
      if (seen) {
        seen.itemId = item.id;
        seen.inFlight = false;
      }
    }
  }

  /** Posted: copies within the window are answered with `ref`; the item itself is let go. */
  posted(items: readonly QueuedDelivery[], ref: PostedRef | undefined): void {
    for (const item of items) {
      const seen = this.#seen(item);
      if (seen) {
        seen.itemId = undefined;
        seen.inFlight = false;
        seen.posted = true;
        seen.ref = ref;
      }
    }
  }

  /** Given up: a later copy is a new event again. */
  forget(items: readonly QueuedDelivery[]): void {
    for (const item of items)
      if (item.outbound.dedupKey !== undefined) this.#index.delete(item.outbound.dedupKey);
  }

  #seen(item: QueuedDelivery): Seen | undefined {
    const key = item.outbound.dedupKey;
    return key === undefined ? undefined : this.#index.peek(key);
  }
}

function mergeSources(
  item: QueuedDelivery,
  sources: readonly string[] | undefined,
): QueuedDelivery | undefined {
  const known = item.outbound.sources ?? [];
  const added = (sources ?? []).filter((s) => !known.includes(s));
  if (added.length === 0) return undefined;
  return { ...item, outbound: { ...item.outbound, sources: [...known, ...added] } };
}
