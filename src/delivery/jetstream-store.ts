import { randomBytes } from 'node:crypto';
import {
  type Consumer,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Message } from '../contract/message.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import {
  encodeAcks,
  encodeEvent,
  encodePosted,
  type Ref,
  recordHeader,
  refOverhead,
  restEncoder,
} from './jetstream-records.js';
import { type AcksRecord, type AnyRecord, type EventRecord, Replay } from './jetstream-replay.js';
import {
  connectWithRetry,
  ensureStreams,
  readPosted,
  recreateConsumer,
  sleep,
  watchConnection,
} from './jetstream-setup.js';
import { RecordWriter } from './jetstream-writer.js';
import { encodeMessage } from './outbound-codec.js';
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

/** Recovery gives up when the consumer delivers nothing for this long. */
const recoveryStallMs = 30_000;
/**
 * An event record takes no more copies past this size (a new record starts for the same
 * message), far below the server's 1 MiB default payload limit.
 */
const maxRecordBytes = 256 * 1024;

/** An event record being filled during the current turn. */
interface OpenEvent {
  record: EventRecord;
  message: Message;
  messageText: string;
  refs: Map<number, Ref>;
  rests: Set<string>;
  /** Records holding older versions of its copies: it is published after them. */
  after: AnyRecord[];
}

const encoder = new TextEncoder();

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
 * The store over an open connection (see docs/delivery.md, "JetStream"). Copies appended in one
 * turn that share a Message (an event fanned out to its channels and sinks) are published as one
 * event record; confirmations of one turn as one acks record naming, per event record (by
 * stream sequence), the copies confirmed in it. An event record with no live copy left is acked
 * through the durable consumer, and the work-queue stream deletes it; an acks record goes once
 * every event record it names is gone. Every record is published with a message id (this run's
 * random prefix and a counter), so a publish retried after a timeout or a lost connection is
 * stored once; a record is published only after the records it refers to are stored, so the
 * stream order is the order of the calls.
 */
class JetStreamQueue implements QueueStore {
  /** The record holding the newest version of every live copy. */
  #holder = new Map<number, EventRecord>();
  /** Records whose stored copy is known by sequence (to match deliveries, and for acks records). */
  readonly #bySeq = new Map<number, AnyRecord>();
  /** Records published by this run whose stored copy has not come back yet. */
  readonly #byKey = new Map<string, AnyRecord>();
  #bytes = 0;
  readonly #writer: RecordWriter;
  #closed = false;
  readonly #run = randomBytes(6).toString('hex');
  #keys = 0;
  #consuming: Promise<void> | undefined;
  /** Settles once every write so far is stored. */
  #settled: Promise<void> = Promise.resolve();
  #onMessage: (m: JsMsg) => void = () => undefined;
  readonly #restOf = restEncoder();
  // The current turn: what append and ack asked for since the last write.
  #turn: { promise: Promise<void>; resolve: (settled: Promise<void>) => void } | undefined;
  readonly #open = new Map<Message, OpenEvent>();
  #opened: OpenEvent[] = [];
  readonly #openOf = new Map<EventRecord, OpenEvent>();
  #turnAcks = new Map<EventRecord, number[]>();
  /** New records the turn's acks record waits for (it confirms older versions they replace). */
  #turnAfter: AnyRecord[] = [];
  #turnPosted: PostedKey[] = [];
  /** Records whose copies were all replaced, per replacing record not stored yet. */
  readonly #replaced = new Map<AnyRecord, EventRecord[]>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly consumer: Consumer,
    private readonly options: JetStreamStoreOptions,
  ) {
    this.#writer = new RecordWriter({
      js,
      subject: `${options.subject}.items.${options.consumer}`,
      options,
      stored: (record, seq) => {
        if (record.seq === undefined) {
          record.seq = seq;
          this.#bySeq.set(seq, record);
        }
        this.#settle(record);
      },
      skipped: (record) => {
        this.#byKey.delete(record.key);
        this.#settle(record);
      },
    });
  }

  /**
   * Reads every message the consumer holds (the count it reported when created) and replays
   * them (see jetstream-replay.ts); then keeps consuming, to learn the handles of records
   * published from now on. Records nothing needs any more are deleted now.
   */
  async recover(): Promise<Omit<Recovered, 'posted'>> {
    const expected = (await this.consumer.info()).num_pending;
    const replay = new Replay(this.options.log, this.options.stream);
    let received = 0;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.#onMessage = (m) => {
      if (received < expected) {
        received += 1;
        replay.take(m);
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
    const state = replay.finish();
    this.#holder = state.holder;
    for (const record of state.live) {
      this.#bySeq.set(record.seq as number, record);
      this.#bytes += record.size;
    }
    for (const record of state.dead) record.msg?.ack();
    for (const [record, ids] of state.replaced) this.#turnAcks.set(record, ids);
    if (state.replaced.size > 0) void this.#schedule();
    const items = [...state.items.values()].sort((a, b) => a.id - b.id);
    return { items, unreadable: state.unreadable };
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
          `reading the delivery queue from JetStream stream ${this.options.stream} stalled after ${now} of ${expected} messages`,
        );
      last = now;
    }
  }

  /** A stored copy delivered by the consumer: remembered to ack it later, or acked now if dead. */
  #arrived(m: JsMsg): void {
    let record = this.#bySeq.get(m.seq);
    if (!record) {
      const key = m.headers?.get(recordHeader);
      const published = key ? this.#byKey.get(key) : undefined;
      // Not a record of this run: left alone (a restart reads it).
      if (!published) return;
      if (published.seq !== undefined && published.seq !== m.seq) {
        // A second stored copy of one record (its publish retried past the duplicate window).
        m.ack();
        return;
      }
      record = published;
      record.seq = m.seq;
      this.#bySeq.set(m.seq, record);
    }
    // A redelivery (after the ack wait) replaces the handle.
    record.msg = m;
    if (record.dead) this.#release(record);
  }

  /** The record is no longer needed: bytes, acks records that wait for it, and its stored copy. */
  #kill(record: AnyRecord): void {
    if (record.dead) return;
    record.dead = true;
    this.#bytes -= record.size;
    if (record.type === 'event')
      for (const acks of record.acks) {
        acks.live -= 1;
        if (acks.live <= 0) this.#kill(acks);
      }
    this.#release(record);
  }

  /**
   * Deletes a dead record's stored copy: acked now when its delivery is known, else when it
   * arrives (published or being published), else never published at all.
   */
  #release(record: AnyRecord): void {
    if (record.msg) {
      record.msg.ack();
      record.msg = undefined;
      if (record.seq !== undefined) this.#bySeq.delete(record.seq);
      this.#byKey.delete(record.key);
    } else if (record.state === 'open' || record.state === 'queued' || record.state === 'skipped')
      this.#byKey.delete(record.key);
  }

  /** The copy `id` of `record` no longer needs delivering (confirmed, dropped or replaced). */
  #leave(record: EventRecord, id: number, replacedBy?: AnyRecord): void {
    record.live.delete(id);
    if (record.state === 'open') {
      // Not written yet: the copy just leaves the record being filled.
      const open = this.#openOf.get(record);
      const ref = open?.refs.get(id);
      if (open && ref) {
        open.refs.delete(id);
        this.#grow(record, -refOverhead(ref.item));
      }
      return;
    }
    if (record.live.size === 0) {
      // Replaced: the old version is deleted only once the new one is stored, so a crash in
      // between leaves one of them.
      if (replacedBy) this.#killAfter(replacedBy, record);
      else this.#kill(record);
      return;
    }
    let ids = this.#turnAcks.get(record);
    if (!ids) {
      ids = [];
      this.#turnAcks.set(record, ids);
    }
    ids.push(id);
    if (replacedBy) this.#turnAfter.push(replacedBy);
  }

  #killAfter(replacement: AnyRecord, record: EventRecord): void {
    const waiting = this.#replaced.get(replacement);
    if (waiting) waiting.push(record);
    else this.#replaced.set(replacement, [record]);
  }

  /** The replacement is stored (or will never be, its copies confirmed): the records it emptied go. */
  #settle(replacement: AnyRecord): void {
    const emptied = this.#replaced.get(replacement);
    if (!emptied) return;
    this.#replaced.delete(replacement);
    for (const record of emptied) if (record.live.size === 0) this.#kill(record);
  }

  #grow(record: AnyRecord, by: number): void {
    record.size += by;
    this.#bytes += by;
  }

  append(items: readonly StoredItem[]): Promise<void> {
    if (this.#closed) return Promise.resolve();
    for (const item of items) {
      const message = item.outbound.message;
      let open = this.#open.get(message);
      if (!open || open.record.size > maxRecordBytes) {
        const messageText = encodeMessage(message);
        const record: EventRecord = {
          type: 'event',
          key: this.#nextKey(),
          seq: undefined,
          msg: undefined,
          state: 'open',
          dead: false,
          size: 0,
          live: new Set(),
          acks: [],
        };
        open = { record, message, messageText, refs: new Map(), rests: new Set(), after: [] };
        this.#open.set(message, open);
        this.#opened.push(open);
        this.#openOf.set(record, open);
        this.#grow(record, messageText.length + 64);
      }
      const previous = this.#holder.get(item.id);
      if (previous) {
        // A replaced copy (a collapsed edit): the new version is published after the old one.
        if (previous.state !== 'open' && !open.after.includes(previous)) open.after.push(previous);
        this.#leave(previous, item.id, open.record);
      }
      const rest = this.#restOf(item);
      if (!open.rests.has(rest)) {
        open.rests.add(rest);
        this.#grow(open.record, rest.length + 1);
      }
      open.refs.set(item.id, { item, rest });
      open.record.live.add(item.id);
      this.#grow(open.record, refOverhead(item));
      this.#holder.set(item.id, open.record);
    }
    return this.#schedule();
  }

  ack(ids: readonly number[], posted: readonly PostedKey[] = []): Promise<void> {
    if (this.#closed) return Promise.resolve();
    for (const id of ids) {
      const record = this.#holder.get(id);
      if (!record) continue;
      this.#holder.delete(id);
      this.#leave(record, id);
    }
    for (const key of posted) this.#turnPosted.push(key);
    return this.#schedule();
  }

  #nextKey(): string {
    this.#keys += 1;
    return `${this.#run}-${this.#keys}`;
  }

  /** Every call of one turn shares one promise, settled once the turn's writes (and all earlier) are stored. */
  #schedule(): Promise<void> {
    if (!this.#turn) {
      let resolve: (settled: Promise<void>) => void = () => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#turn = { promise, resolve };
      queueMicrotask(() => this.#flush());
    }
    return this.#turn.promise;
  }

  /** Turns the calls of the turn into records and queues them for publishing. */
  #flush(): void {
    const turn = this.#turn;
    if (!turn) return;
    this.#turn = undefined;
    const writes: Promise<void>[] = [];
    for (const open of this.#opened) {
      const record = open.record;
      if (record.live.size === 0) {
        // Every copy left before it was written.
        record.dead = true;
        record.state = 'skipped';
        this.#bytes -= record.size;
        this.#settle(record);
        continue;
      }
      const data = encoder.encode(encodeEvent(open.messageText, open.refs.values()));
      this.#grow(record, data.length - record.size);
      record.state = 'queued';
      this.#byKey.set(record.key, record);
      writes.push(this.#writer.queue({ record, after: open.after, data }));
    }
    this.#open.clear();
    this.#openOf.clear();
    this.#opened = [];
    const entries = new Map<EventRecord, number[]>();
    for (const [record, ids] of this.#turnAcks) if (!record.dead) entries.set(record, ids);
    if (entries.size > 0) {
      const record: AcksRecord = {
        type: 'acks',
        key: this.#nextKey(),
        seq: undefined,
        msg: undefined,
        state: 'queued',
        dead: false,
        size: 0,
        live: entries.size,
      };
      let estimate = 16;
      for (const [target, ids] of entries) {
        target.acks.push(record);
        estimate += 16 + ids.length * 8;
      }
      this.#grow(record, estimate);
      this.#byKey.set(record.key, record);
      writes.push(
        this.#writer.queue({
          record,
          after: [...entries.keys(), ...this.#turnAfter],
          data: () => this.#encodeAcks(record, entries),
        }),
      );
    }
    this.#turnAcks = new Map();
    this.#turnAfter = [];
    if (this.#turnPosted.length > 0) writes.push(this.#publishPosted(this.#turnPosted.splice(0)));
    this.#writer.start();
    const settled = Promise.all([this.#settled, ...writes]).then(() => undefined);
    this.#settled = settled;
    turn.resolve(settled);
  }

  /** An acks record's body, when it is published: confirmations in records that died meanwhile are left out (those records are deleted). */
  #encodeAcks(record: AcksRecord, entries: Map<EventRecord, number[]>): Uint8Array {
    const live: [number, readonly number[]][] = [];
    for (const [target, ids] of entries)
      if (!target.dead && target.seq !== undefined) live.push([target.seq, ids]);
    const data = encoder.encode(encodeAcks(live));
    this.#grow(record, data.length - record.size);
    return data;
  }

  /** Posted keys of a turn, one message; a lost one costs at most a re-post after a restart. */
  #publishPosted(posted: PostedKey[]): Promise<void> {
    const subject = `${this.options.subject}.posted.${this.options.consumer}.${this.#nextKey()}`;
    return this.js.publish(subject, encodePosted(posted)).then(
      () => undefined,
      () => undefined,
    );
  }

  counts() {
    return { items: this.#holder.size, bytes: this.#bytes };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    // Writes still waiting get one last chance (bounded: the server may be gone).
    const unwritten = await this.#writer.close(5000);
    this.#closed = true;
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
