import { createHash, randomBytes } from 'node:crypto';
import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { headers, type NatsConnection, nanos } from '@nats-io/transport-node';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import { connectNatsWithRetry } from './nats-connection.js';
import { decodeOutbound, encodeOutbound } from './outbound-codec.js';
import type { PostedKey, QueueStore, Recovered, StoredItem } from './queue-store.js';

/** How to reach the servers and which stream, subjects and consumer hold this agent's queue. */
export interface JetStreamStoreOptions {
  servers: readonly string[];
  /** The work-queue stream of items; posted keys go to `<stream>_POSTED`. */
  stream: string;
  /** Items are published to `<subject>.items.<consumer>`, posted keys to `<subject>.posted.<consumer>.<hash>`. */
  subject: string;
  /** This agent's durable consumer: its queue in the shared stream. */
  consumer: string;
  replicas: number;
  auth: { user?: string; password?: string; token?: string; credentials?: string };
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Posted dedup keys older than this are not recovered (and age out of the posted stream). */
  dedupWindowMs: number;
  log: Logger;
  /** Wait between connection attempts and between retries of failed writes. */
  retryMs?: number;
  /** How long a publish waits for JetStream's acknowledgement before it is retried (5 s). */
  publishTimeoutMs?: number;
  /** Stops connection attempts (the agent is stopping before the server was ever reached). */
  signal?: AbortSignal;
  now?: () => number;
}

export interface OpenedJetStreamStore {
  store: QueueStore;
  recovered: Recovered;
}

/** The stream's message-id dedup window: a retried publish within it is stored once. */
const duplicateWindowMs = 120_000;
/**
 * How long a delivered, unacknowledged item stays with this agent before JetStream hands it out
 * again. Items wait here while their destination is slow or down, so it is long; a redelivery is
 * recognised by its stream sequence and changes nothing.
 */
const ackWaitMs = 300_000;
/** Publishes in flight at once; more wait in the backlog, in order. */
const publishWindow = 512;
/** Failed writes and unreachable servers are logged at most this often, with counts. */
const logEveryMs = 30_000;
/** Recovery gives up when the consumer delivers nothing for this long. */
const recoveryStallMs = 30_000;

/** What one stream message carries: the stored item, its outbound encoded by outbound-codec. */
interface Envelope {
  id: number;
  destinationId: string;
  channelId: string;
  kind: 'chat' | 'sink';
  lane: 'event' | 'reply';
  enqueuedAt: number;
  outbound: string;
}

/** An unpublished write: retried with the same message id until JetStream stores it. */
interface Write {
  id: number;
  data: Uint8Array;
  msgID: string;
  done: () => void;
}

/** Where an item's newest stored copy is, to acknowledge it (which removes it from the stream). */
interface Handle {
  seq: number;
  msg: JsMsg;
}

/** Header naming the item id, so a copy coming back is matched without parsing its body. */
const itemHeader = 'Sb-Item';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Opens the JetStream store: connects (retrying while no server answers, with the error
 * logged), makes sure the streams exist, recreates this agent's durable consumer and reads back
 * every item it holds (see docs/delivery.md, "JetStream"). Throws SB_ERR_QUEUE_STORE when the
 * stream exists with another shape, or when `signal` stops it before a server answered.
 */
export async function openJetStreamStore(options: JetStreamStoreOptions): Promise<OpenedJetStreamStore> {
  const log = options.log;
  const nc = await connectWithRetry(options);
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, options);
    const js = jetstream(nc);
    const posted = options.dedupWindowMs > 0 ? await readPosted(js, jsm, options) : [];
    const consumer = await recreateConsumer(js, jsm, options);
    const store = new JetStreamQueue(nc, js, consumer, options);
    const recovered = await store.recover();
    watchConnection(nc, options);
    log.info(
      {
        servers: options.servers,
        stream: options.stream,
        consumer: options.consumer,
        items: recovered.items.length,
      },
      'delivery queue in JetStream opened',
    );
    return { store, recovered: { ...recovered, posted } };
  } catch (err) {
    await nc.close().catch(() => undefined);
    if (err instanceof SwitchboardError) throw err;
    throw new SwitchboardError(
      'SB_ERR_QUEUE_STORE',
      `cannot open the delivery queue in JetStream stream ${options.stream} at ${options.servers.join(', ')}: ${(err as Error).message}; check settings.delivery.store.jetstream`,
      { cause: err },
    );
  }
}

/**
 * The first connection (see connectNatsWithRetry): retried every `retryMs`, logged as
 * SB_ERR_QUEUE_STORE, until `signal` stops it.
 */
function connectWithRetry(options: JetStreamStoreOptions): Promise<NatsConnection> {
  return connectNatsWithRetry({
    endpoint: { servers: options.servers, auth: options.auth, ...(options.tls ? { tls: options.tls } : {}) },
    name: `switchboard ${options.consumer}`,
    purpose: 'the delivery queue; messages wait in memory until then',
    log: options.log,
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Logs losing and regaining the server while running (writes are retried meanwhile). */
function watchConnection(nc: NatsConnection, options: JetStreamStoreOptions): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect')
        options.log.warn(
          { code: 'SB_ERR_QUEUE_STORE', servers: options.servers },
          'lost the connection to NATS; queued messages are kept in memory and written when it is back',
        );
      else if (s.type === 'reconnect') options.log.info({ servers: options.servers }, 'reconnected to NATS');
    }
  })().catch(() => undefined);
}

const postedStream = (stream: string) => `${stream}_POSTED`;

async function ensureStreams(jsm: JetStreamManager, options: JetStreamStoreOptions): Promise<void> {
  const items = await jsm.streams.info(options.stream).catch((err: Error) => {
    if (/stream not found/i.test(err.message)) return undefined;
    throw err;
  });
  if (!items) {
    await jsm.streams.add({
      name: options.stream,
      subjects: [`${options.subject}.items.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: options.replicas,
      duplicate_window: nanos(duplicateWindowMs),
    });
  } else if (items.config.retention !== RetentionPolicy.Workqueue) {
    throw new SwitchboardError(
      'SB_ERR_QUEUE_STORE',
      `JetStream stream ${options.stream} exists with retention "${items.config.retention}", but the delivery queue needs a work-queue stream; choose another settings.delivery.store.jetstream.stream or delete that stream`,
    );
  }
  if (options.dedupWindowMs <= 0) return;
  const posted = await jsm.streams.info(postedStream(options.stream)).catch(() => undefined);
  if (!posted)
    await jsm.streams.add({
      name: postedStream(options.stream),
      subjects: [`${options.subject}.posted.>`],
      storage: StorageType.File,
      num_replicas: options.replicas,
      // One message per key (the newest), gone after the dedup window: the stream stays small.
      max_msgs_per_subject: 1,
      max_age: nanos(Math.max(options.dedupWindowMs, 1000)),
    });
}

/** Reads this agent's posted keys still within the dedup window, through a short-lived consumer. */
async function readPosted(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: JetStreamStoreOptions,
): Promise<PostedKey[]> {
  const stream = postedStream(options.stream);
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${options.subject}.posted.${options.consumer}.>`,
    inactive_threshold: nanos(60_000),
  });
  const since = (options.now ?? Date.now)() - options.dedupWindowMs;
  const keys: PostedKey[] = [];
  try {
    let left = info.num_pending;
    const consumer = await js.consumers.get(stream, info.name);
    while (left > 0) {
      const wanted = Math.min(left, 1000);
      // Keys age out of the stream (max_age) while they are read, so fewer than counted may be
      // left: a short expiry, and a batch that comes back short ends the read, instead of
      // waiting 5 s per batch for keys that are gone (it held every new leader's start 10 s).
      const batch = await consumer.fetch({ max_messages: wanted, expires: 1000 });
      let got = 0;
      for await (const m of batch) {
        got += 1;
        try {
          const key = JSON.parse(decoder.decode(m.data)) as PostedKey;
          if (key.postedAt >= since) keys.push(key);
        } catch {
          // A key that cannot be read only costs a possible re-post of that event.
        }
      }
      left -= got;
      if (got < wanted) break;
    }
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
  return keys;
}

/**
 * Recreates this agent's durable consumer, starting at the stream's first item. Deleting it
 * first returns what a killed run had been handed but not acknowledged, at once instead of
 * after the ack wait; it is also why one consumer name must belong to one running agent.
 */
async function recreateConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: JetStreamStoreOptions,
): Promise<Consumer> {
  await jsm.consumers.delete(options.stream, options.consumer).catch((err: Error) => {
    if (!/consumer not found/i.test(err.message)) throw err;
  });
  await jsm.consumers.add(options.stream, {
    durable_name: options.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${options.subject}.items.${options.consumer}`,
    ack_wait: nanos(ackWaitMs),
    // The agent holds every unacknowledged item anyway; JetStream must not stop handing them out.
    max_ack_pending: -1,
  });
  return js.consumers.get(options.stream, options.consumer);
}

function decodeEnvelope(data: Uint8Array): StoredItem {
  const e = JSON.parse(decoder.decode(data)) as Envelope;
  if (typeof e.id !== 'number' || typeof e.destinationId !== 'string' || typeof e.outbound !== 'string')
    throw new Error('not a delivery queue item');
  return {
    id: e.id,
    destinationId: e.destinationId,
    channelId: e.channelId ?? '',
    kind: e.kind === 'sink' ? 'sink' : 'chat',
    lane: e.lane === 'event' ? 'event' : 'reply',
    enqueuedAt: e.enqueuedAt,
    outbound: decodeOutbound(e.outbound),
  };
}

/**
 * The store over an open connection. Every append is published to the stream with a message id
 * (this run's random prefix, the item id and a hash of its content), so a publish retried after
 * a timeout or a lost connection is stored once. The durable consumer hands every stored item
 * back to this store, which keeps its newest copy's handle; acking an item acks that copy, and a
 * work-queue stream then deletes it. An item acked before its copy came back is acked on
 * arrival (it is no longer live), so an ack never overtakes its append.
 */
class JetStreamQueue implements QueueStore {
  /** Encoded sizes of live items (appended or recovered, not acked yet). */
  readonly #sizes = new Map<number, number>();
  readonly #handles = new Map<number, Handle>();
  #bytes = 0;
  #backlog: Write[] = [];
  #pumping: Promise<void> | undefined;
  #closed = false;
  readonly #run = randomBytes(6).toString('hex');
  readonly #itemSubject: string;
  #failedWrites = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;
  #consuming: Promise<void> | undefined;
  /** Settles once every append so far is stored. */
  #settled: Promise<void> = Promise.resolve();
  #onMessage: (m: JsMsg) => void = () => undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly consumer: Consumer,
    private readonly options: JetStreamStoreOptions,
  ) {
    this.#itemSubject = `${options.subject}.items.${options.consumer}`;
  }

  /**
   * Reads every item the consumer holds (the count it reported when created), newest copy per
   * id, in id order; then keeps consuming, to learn the handles of items appended from now on.
   */
  async recover(): Promise<Omit<Recovered, 'posted'>> {
    const expected = (await this.consumer.info()).num_pending;
    const byId = new Map<number, StoredItem>();
    let received = 0;
    let unreadable = 0;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.#onMessage = (m) => {
      if (received < expected) {
        received += 1;
        try {
          const item = decodeEnvelope(m.data);
          this.#take(item.id, m, m.data.length);
          byId.set(item.id, item);
        } catch (err) {
          unreadable += 1;
          m.ack();
          this.options.log.error(
            {
              code: 'SB_ERR_QUEUE_CORRUPT',
              stream: this.options.stream,
              seq: m.seq,
              err: (err as Error).message,
            },
            'delivery queue item in JetStream unreadable; dropped',
          );
        }
        if (received === expected) finish();
        return;
      }
      this.#arrived(m);
    };
    const messages = await this.consumer.consume({ max_messages: 1000 });
    this.#consuming = (async () => {
      for await (const m of messages) this.#onMessage(m);
    })().catch((err: Error) => {
      if (!this.#closed)
        this.options.log.error(
          { code: 'SB_ERR_QUEUE_STORE', stream: this.options.stream, err: err.message },
          'reading the delivery queue from JetStream stopped',
        );
    });
    if (expected > 0) await this.#stallGuard(done, () => received, expected);
    // A replaced item's older copies were acked as the newer came; byId holds the newest.
    const items = [...byId.values()].sort((a, b) => a.id - b.id);
    return { items, unreadable };
  }

  async #stallGuard(done: Promise<void>, received: () => number, expected: number): Promise<void> {
    let last = -1;
    for (;;) {
      const finished = await Promise.race([done.then(() => true), sleep(recoveryStallMs).then(() => false)]);
      if (finished) return;
      const now = received();
      if (now === last)
        throw new SwitchboardError(
          'SB_ERR_QUEUE_STORE',
          `reading the delivery queue from JetStream stream ${this.options.stream} stalled after ${now} of ${expected} items`,
        );
      last = now;
    }
  }

  /** Records the newest stored copy of a live item; older copies (replaced items) are acked. */
  #take(id: number, m: JsMsg, size: number): void {
    const previous = this.#handles.get(id);
    if (previous && previous.seq > m.seq) {
      // A redelivered older copy of an item that was replaced since.
      m.ack();
      return;
    }
    if (previous && previous.seq < m.seq) previous.msg.ack();
    this.#handles.set(id, { seq: m.seq, msg: m });
    if (!this.#sizes.has(id)) {
      this.#sizes.set(id, size);
      this.#bytes += size;
    }
  }

  #arrived(m: JsMsg): void {
    let id = Number(m.headers?.get(itemHeader) || Number.NaN);
    if (!Number.isSafeInteger(id))
      try {
        id = (JSON.parse(decoder.decode(m.data)) as Envelope).id;
      } catch {
        m.ack();
        return;
      }
    // Acked (delivered or dropped) before its stored copy came back: remove it now.
    if (!this.#sizes.has(id)) m.ack();
    else this.#take(id, m, 0);
  }

  #forget(id: number): void {
    this.#bytes -= this.#sizes.get(id) ?? 0;
    this.#sizes.delete(id);
  }

  append(items: readonly StoredItem[]): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const writes = items.map((item) => {
      const outbound = encodeOutbound(item.outbound);
      const envelope: Envelope = {
        id: item.id,
        destinationId: item.destinationId,
        channelId: item.channelId,
        kind: item.kind,
        lane: item.lane,
        enqueuedAt: item.enqueuedAt,
        outbound,
      };
      const data = encoder.encode(JSON.stringify(envelope));
      this.#bytes += data.length - (this.#sizes.get(item.id) ?? 0);
      this.#sizes.set(item.id, data.length);
      const digest = createHash('sha256').update(data).digest('hex').slice(0, 16);
      return new Promise<void>((resolve) => {
        this.#backlog.push({ id: item.id, data, msgID: `${this.#run}-${item.id}-${digest}`, done: resolve });
      });
    });
    this.#pump();
    // Resolves once these and every earlier append are stored (writes of a window settle in any order).
    const settled = Promise.all([this.#settled, ...writes]).then(() => undefined);
    this.#settled = settled;
    return settled;
  }

  /**
   * Publishes the backlog in order, `publishWindow` at a time. Two writes of one id (an item and
   * its replacement) never share a window, so the newer one is always stored after the older.
   * Failed publishes are retried (same message id) after `retryMs`, for as long as it takes.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = (async () => {
      while (this.#backlog.length > 0 && !this.#closed) {
        const window: Write[] = [];
        const ids = new Set<number>();
        const rest: Write[] = [];
        for (const w of this.#backlog) {
          // Acked before it was written: nothing to keep.
          if (!this.#sizes.has(w.id)) w.done();
          else if (window.length < publishWindow && !ids.has(w.id)) {
            window.push(w);
            ids.add(w.id);
          } else rest.push(w);
        }
        this.#backlog = rest;
        const results = await Promise.allSettled(
          window.map((w) =>
            this.js.publish(this.#itemSubject, w.data, {
              msgID: w.msgID,
              headers: itemHeaders(w.id),
              timeout: this.options.publishTimeoutMs ?? 5000,
            }),
          ),
        );
        const failed: Write[] = [];
        results.forEach((r, i) => {
          const w = window[i] as Write;
          if (r.status === 'fulfilled') w.done();
          else failed.push(w);
        });
        if (failed.length > 0) {
          this.#backlog = [...failed, ...this.#backlog];
          this.#reportFailure(
            failed.length,
            (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason,
          );
          await sleep(this.options.retryMs ?? 1000);
        }
      }
    })().finally(() => {
      this.#pumping = undefined;
      if (this.#backlog.length > 0 && !this.#closed) this.#pump();
    });
  }

  #reportFailure(count: number, reason: unknown): void {
    this.#failedWrites += count;
    const now = Date.now();
    if (now - this.#loggedAt < logEveryMs) return;
    this.#loggedAt = now;
    this.options.log.error(
      {
        code: 'SB_ERR_QUEUE_STORE',
        stream: this.options.stream,
        servers: this.options.servers,
        failedWrites: this.#failedWrites,
        waiting: this.#backlog.length,
        err: (reason as Error)?.message,
      },
      'writing the delivery queue to JetStream failed; retrying (messages are delivered from memory meanwhile, but would not survive a restart until written)',
    );
  }

  ack(ids: readonly number[], posted: readonly PostedKey[] = []): Promise<void> {
    if (this.#closed) return Promise.resolve();
    for (const id of ids) {
      this.#forget(id);
      const handle = this.#handles.get(id);
      if (handle) {
        this.#handles.delete(id);
        handle.msg.ack();
      }
    }
    const writes = posted.map((key) => {
      const hash = createHash('sha256')
        .update(`${key.destinationId}\0${key.channelId}\0${key.dedupKey}`)
        .digest('hex')
        .slice(0, 32);
      return this.js
        .publish(`${this.options.subject}.posted.${this.options.consumer}.${hash}`, JSON.stringify(key))
        .then(
          () => undefined,
          // A lost key costs at most one re-post of that event after a restart.
          () => undefined,
        );
    });
    return Promise.all(writes).then(() => undefined);
  }

  counts() {
    return { items: this.#sizes.size, bytes: this.#bytes };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Writes still waiting get one last chance (bounded: the server may be gone).
    const pending = this.#pumping;
    if (pending) await Promise.race([pending, sleep(5000)]);
    this.#closed = true;
    const unwritten = this.#backlog.length;
    for (const w of this.#backlog.splice(0)) w.done();
    if (unwritten > 0)
      this.options.log.error(
        { code: 'SB_ERR_QUEUE_STORE', stream: this.options.stream, unwritten },
        'delivery queue closed with messages never written to JetStream; they are not delivered after a restart',
      );
    // Acks are plain publishes: flush them before closing so they are not re-delivered next run.
    await Promise.race([this.nc.flush(), sleep(2000)]).catch(() => undefined);
    await this.nc.close().catch(() => undefined);
    await Promise.race([this.#consuming, sleep(2000)]);
  }
}

function itemHeaders(id: number) {
  const h = headers();
  h.set(itemHeader, String(id));
  return h;
}
