import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import { CapReport } from './cap-report.js';
import { ChannelWorker, type Leftover } from './channel-worker.js';
import type { DeliverySettings, Destination, Outbound, PostedRef } from './destination.js';
import type { Outbox } from './outbox.js';
import { createMemoryQueue, type DeliveryQueueFactory, type QueuedDelivery } from './queue.js';
import type { PostedKey, QueueStore, Recovered, StoredItem } from './queue-store.js';
import { storedQueueFactory } from './stored-queue.js';
import { SummaryCache } from './summary-cache.js';
import type { Resolve } from './waiters.js';

export interface DeliveryPipelineOptions {
  /** The destination (bot or sink) with this id, looked up on every message (reloads replace them). */
  destination(id: string): Destination | undefined;
  /** `settings.delivery` of the config: queue bounds, dedup window, retry backoff, drain timeout. */
  settings: DeliverySettings;
  logger: Logger;
  metrics?: AgentMetrics;
  /**
   * Keeps every accepted message until its destination confirms it (see docs/delivery.md).
   * Without it, queues live in memory only. The pipeline closes it in `close`.
   */
  store?: QueueStore;
  /** What `store` held at start: delivered once `resume` is called (or a message for its channel comes). */
  recovered?: Recovered;
  /**
   * The store's size cap in bytes, for a store that persists: events are then bounded by it
   * instead of `queueLimit` (they wait in the store rather than being dropped at the memory
   * bound); at the cap the oldest events are dropped first, counted and reported.
   */
  capBytes?: number;
  /** Makes each channel's queue (over `store` when given, else in memory); for tests of other backends. */
  queue?: DeliveryQueueFactory;
  /** Source of retry jitter, in [0, 1). */
  random?: () => number;
}

/** The durable queue as `/status` shows it. */
export interface StoreStatus {
  /** Messages and encoded bytes stored (0 bytes for the memory store). */
  items: number;
  bytes: number;
  /** The size cap, when the store persists. */
  capBytes?: number;
  /** Events dropped since start because the cap was reached (oldest first), never silently. */
  droppedAtCap: number;
  /** Messages recovered at start and not yet handed to a running destination. */
  awaitingDestination: number;
  /** Messages accepted while a networked store (JetStream) is still being opened; held in memory. */
  waitingForStore?: number;
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
  /** Every message accepted so far is in the store (see Outbox.persisted). */
  persisted(): Promise<void>;
  /** Pending messages per channel seen so far, for status displays. */
  depths(): ChannelDepth[];
  /** The store's fill, cap and drops. */
  storeStatus(): StoreStatus;
  /**
   * Starts delivering what the store recovered, for every destination that exists now (call it
   * once the platforms are started). Items of destinations that do not exist stay stored and
   * are delivered when a message for their channel comes; they are logged with their count.
   */
  resume(): void;
  /**
   * Stops accepting messages, delivers what it can within `drainMs` (default
   * `settings.drainTimeout`), then logs what is left, resolves every waiting `send` and closes
   * the store (what is left stays in it for the next start).
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const log = options.logger.child({ component: 'delivery' });
  const store = options.store;
  const makeQueue = options.queue ?? (store ? storedQueueFactory(store) : createMemoryQueue);
  const workers = new Map<string, ChannelWorker>();
  const depthByDestination = new Map<string, number>();
  const { queueLimit } = options.settings;
  const capBytes = options.capBytes;
  const cap = new CapReport(log, options.metrics);
  const summaries = new SummaryCache();
  let lastId = 0;
  let queuedEvents = 0;
  let closing: Promise<void> | undefined;
  const mapKeyOf = (destinationId: string, channelId: string) => `${destinationId}\u0000${channelId}`;
  /** Recovered items and posted keys per channel, until that channel's worker takes them. */
  const waiting = new Map<string, { items: StoredItem[]; posted: PostedKey[] }>();
  for (const item of options.recovered?.items ?? []) {
    lastId = Math.max(lastId, item.id);
    const k = mapKeyOf(item.destinationId, item.channelId);
    const entry = waiting.get(k) ?? { items: [], posted: [] };
    entry.items.push(item);
    waiting.set(k, entry);
  }
  for (const key of options.recovered?.posted ?? []) {
    const k = mapKeyOf(key.destinationId, key.channelId);
    const entry = waiting.get(k) ?? { items: [], posted: [] };
    entry.posted.push(key);
    waiting.set(k, entry);
  }

  /**
   * At the size cap, drops the oldest events (across channels) that are not being sent until
   * the store is below it; false when nothing can be dropped (the new event is folded instead).
   */
  const makeRoom = (limit: number, incoming: string): boolean => {
    while (store && store.counts().bytes >= limit) {
      let oldest: ChannelWorker | undefined;
      let oldestAt = Number.POSITIVE_INFINITY;
      for (const worker of workers.values()) {
        const at = worker.oldestEvent();
        if (at !== undefined && at < oldestAt) {
          oldest = worker;
          oldestAt = at;
        }
      }
      if (!oldest?.evictOldest()) {
        cap.dropped(incoming, store.counts(), limit);
        return false;
      }
      cap.dropped(oldest.key.destinationId, store.counts(), limit);
    }
    return true;
  };

  const room = (channelEvents: number, destinationId: string): boolean => {
    if (capBytes !== undefined) return makeRoom(capBytes, destinationId);
    return channelEvents < queueLimit.perChannel && queuedEvents < queueLimit.total;
  };

  /**
   * The depth gauge is set once per turn and destination: a fan-out changes the depth of every
   * channel for every event, and each set hashes its labels.
   */
  const depthChanged = new Set<string>();
  const showDepth = (destinationId: string): void => {
    if (!options.metrics) return;
    if (depthChanged.size === 0)
      queueMicrotask(() => {
        for (const id of depthChanged)
          options.metrics?.queueDepth.set({ destination: id }, depthByDestination.get(id) ?? 0);
        depthChanged.clear();
      });
    depthChanged.add(destinationId);
  };

  /** Workers by destination, then channel: looked up for every copy, so without building a key. */
  const byDestination = new Map<string, Map<string, ChannelWorker>>();
  const workerFor = (kind: Destination['kind'], destinationId: string, address: string): ChannelWorker => {
    const channelId = kind === 'sink' ? '' : address;
    let channels = byDestination.get(destinationId);
    const found = channels?.get(channelId);
    if (found) return found;
    const mapKey = mapKeyOf(destinationId, channelId);
    let worker = workers.get(mapKey);
    if (!worker) {
      const key = { destinationId, channelId };
      const recovered = waiting.get(mapKey);
      waiting.delete(mapKey);
      const initial: QueuedDelivery[] = (recovered?.items ?? []).map(
        ({ id, lane, outbound, enqueuedAt }) => ({
          id,
          lane,
          outbound,
          enqueuedAt,
        }),
      );
      worker = new ChannelWorker({
        key,
        kind,
        destination: () => options.destination(destinationId),
        queue: makeQueue(key, kind, initial),
        settings: options.settings,
        nextId: () => ++lastId,
        room: (events) => room(events, destinationId),
        ...(recovered?.posted.length ? { posted: recovered.posted } : {}),
        onDepth: (events, replies) => {
          queuedEvents += events;
          const depth = (depthByDestination.get(destinationId) ?? 0) + events + replies;
          depthByDestination.set(destinationId, depth);
          showDepth(destinationId);
        },
        summaries,
        log,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
      workers.set(mapKey, worker);
      if (initial.length > 0) worker.start();
    }
    if (!channels) {
      channels = new Map();
      byDestination.set(destinationId, channels);
    }
    channels.set(channelId, worker);
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
    if (store && capBytes !== undefined) cap.flush(store.counts(), capBytes);
    await store?.close();
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
      store && capBytes !== undefined
        ? 'delivery pipeline closed with undelivered messages; they stay in the queue file for the next start'
        : 'delivery pipeline closed with undelivered messages',
    );
  };

  /** `send` and `post`: `done` hears where the message was posted, or undefined. */
  const accept = (outbound: Outbound, done: Resolve | undefined): void => {
    const id = outbound.address.destinationId;
    if (closing) {
      log.warn(
        { destination: id, channel: outbound.address.channelId, kind: outbound.kind ?? 'reply' },
        'message sent after the delivery pipeline closed; not delivered',
      );
      options.metrics?.sendErrors.inc({ destination: id, reason: 'other' });
      done?.(undefined);
      return;
    }
    const destination = options.destination(id);
    if (!destination) {
      log.warn({ destination: id }, 'message for an unknown destination dropped');
      options.metrics?.sendErrors.inc({ destination: id, reason: 'unknown-channel' });
      done?.(undefined);
      return;
    }
    const { modalTrigger, ...inline } = outbound;
    const worker = () => workerFor(destination.kind, id, outbound.address.channelId);
    if (!modalTrigger) {
      worker().accept(outbound, done);
      return;
    }
    // A modal is not a channel post and its trigger expires in seconds: it cannot wait for the
    // channel's tokens. When it does not open, the message is posted, paced like any reply.
    const open = destination.openModal?.(outbound) ?? Promise.resolve(undefined);
    void open.catch(() => undefined).then((shown) => (shown ? done?.(shown) : worker().accept(inline, done)));
  };

  return {
    send(outbound): Promise<PostedRef | undefined> {
      return new Promise((resolve) => accept(outbound, resolve));
    },
    post(outbound, done) {
      accept(outbound, done);
    },
    persisted() {
      // Store writes are ordered: an empty append settles after every write issued before it.
      return store ? store.append([]) : Promise.resolve();
    },
    depths() {
      return [...workers.values()].map((w) => ({ ...w.key, pending: w.depth() }));
    },
    storeStatus() {
      const counts = store?.counts() ?? { items: 0, bytes: 0 };
      let awaitingDestination = 0;
      for (const entry of waiting.values()) awaitingDestination += entry.items.length;
      return {
        ...counts,
        ...(capBytes !== undefined ? { capBytes } : {}),
        droppedAtCap: cap.total,
        awaitingDestination,
      };
    },
    resume() {
      const orphans: { destination: string; channel: string; items: number }[] = [];
      let resumed = 0;
      // A copy: creating a worker takes its channel's entry out of `waiting`.
      for (const entry of [...waiting.values()]) {
        const first = entry.items[0];
        if (!first) continue;
        if (options.destination(first.destinationId)) {
          resumed += entry.items.length;
          workerFor(first.kind, first.destinationId, first.channelId);
        } else
          orphans.push({
            destination: first.destinationId,
            channel: first.channelId,
            items: entry.items.length,
          });
      }
      if (resumed > 0)
        log.info({ messages: resumed }, 'delivering messages left in the queue by the previous run');
      if (orphans.length > 0)
        log.warn(
          { channels: orphans },
          'queued messages for destinations that are not configured now; kept until a message for their channel comes',
        );
    },
    close(closeOptions = {}) {
      closing ??= close(closeOptions.drainMs ?? options.settings.drainTimeout.ms);
      return closing;
    },
  };
}
