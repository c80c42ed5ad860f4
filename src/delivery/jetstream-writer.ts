import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { kindHeader, recordHeader } from './jetstream-records.js';
import type { AnyRecord } from './jetstream-replay.js';
import { sleep } from './jetstream-setup.js';
import type { JetStreamStoreOptions } from './jetstream-store.js';

/** Publishes in flight at once; more wait in the backlog, in order. */
const publishWindow = 512;
/** Failed writes and unreachable servers are logged at most this often, with counts. */
const logEveryMs = 30_000;

/** A record waiting to be published (retried with the same message id until it is stored). */
export interface Write {
  record: AnyRecord;
  /** Records that must be stored (or skipped) first. */
  after: readonly AnyRecord[];
  /** The body; a function when it can only be encoded once the records it names are stored. */
  data: Uint8Array | (() => Uint8Array);
}

export interface RecordWriterOptions {
  js: JetStreamClient;
  subject: string;
  options: Pick<JetStreamStoreOptions, 'stream' | 'servers' | 'log' | 'retryMs' | 'publishTimeoutMs'>;
  /** JetStream acknowledged the record at this sequence. */
  stored(record: AnyRecord, seq: number): void;
  /** The record died before its turn and is never published. */
  skipped(record: AnyRecord): void;
}

/**
 * Publishes the store's records in order. Every record carries its key as message id, so a
 * publish retried after a timeout or a lost connection is stored once; a record waits for the
 * records it refers to, so the stream order is the order of the calls.
 */
export class RecordWriter {
  #backlog: (Write & { done: () => void })[] = [];
  #pumping: Promise<void> | undefined;
  #closed = false;
  #failedWrites = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly w: RecordWriterOptions) {}

  /** Queues a record; resolves once it is stored or skipped (call `start` to publish). */
  queue(write: Write): Promise<void> {
    return new Promise<void>((done) => {
      this.#backlog.push({ ...write, done });
    });
  }

  /**
   * Publishes the backlog in order, `publishWindow` at a time. A record waits for the records it
   * refers to (older versions of its copies, the records its confirmations name) to be stored,
   * so it is never in the same window as them and always lands after them. Dead records are
   * skipped. Failed publishes are retried (same message id) after `retryMs`, for as long as it takes.
   */
  start(): void {
    if (this.#pumping) return;
    this.#pumping = (async () => {
      while (this.#backlog.length > 0 && !this.#closed) {
        const window: (Write & { done: () => void })[] = [];
        const rest: (Write & { done: () => void })[] = [];
        for (const w of this.#backlog) {
          if (w.record.dead) {
            w.record.state = 'skipped';
            this.w.skipped(w.record);
            w.done();
          } else if (window.length < publishWindow && w.after.every(settled)) window.push(w);
          else rest.push(w);
        }
        this.#backlog = rest;
        for (const w of window) w.record.state = 'flight';
        const results = await Promise.allSettled(window.map((w) => this.#publish(w)));
        const failed: (Write & { done: () => void })[] = [];
        results.forEach((r, i) => {
          const w = window[i] as Write & { done: () => void };
          if (r.status === 'rejected') {
            w.record.state = 'queued';
            failed.push(w);
            return;
          }
          w.record.state = 'stored';
          this.w.stored(w.record, r.value);
          w.done();
        });
        if (failed.length > 0) {
          this.#backlog = [...failed, ...this.#backlog];
          this.#reportFailure(
            failed.length,
            (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason,
          );
          await sleep(this.w.options.retryMs ?? 1000);
        }
      }
    })().finally(() => {
      this.#pumping = undefined;
      if (this.#backlog.length > 0 && !this.#closed) this.start();
    });
  }

  /** Publishes one record; resolves with its stream sequence. */
  async #publish(w: Write): Promise<number> {
    const data = typeof w.data === 'function' ? w.data() : w.data;
    const h = headers();
    h.set(kindHeader, w.record.type);
    h.set(recordHeader, w.record.key);
    const ack = await this.w.js.publish(this.w.subject, data, {
      msgID: w.record.key,
      headers: h,
      timeout: this.w.options.publishTimeoutMs ?? 5000,
    });
    return ack.seq;
  }

  #reportFailure(count: number, reason: unknown): void {
    this.#failedWrites += count;
    const now = Date.now();
    if (now - this.#loggedAt < logEveryMs) return;
    this.#loggedAt = now;
    this.w.options.log.error(
      {
        code: 'SB_ERR_QUEUE_STORE',
        stream: this.w.options.stream,
        servers: this.w.options.servers,
        failedWrites: this.#failedWrites,
        waiting: this.#backlog.length,
        err: (reason as Error)?.message,
      },
      'writing the delivery queue to JetStream failed; retrying (messages are delivered from memory meanwhile, but would not survive a restart until written)',
    );
  }

  /**
   * Gives the backlog up to `graceMs` to be written, then stops; resolves with the number of
   * live copies never written (their waiters are released).
   */
  async close(graceMs: number): Promise<number> {
    const pending = this.#pumping;
    if (pending) await Promise.race([pending, sleep(graceMs)]);
    this.#closed = true;
    let unwritten = 0;
    for (const w of this.#backlog.splice(0)) {
      if (w.record.type === 'event' && !w.record.dead) unwritten += w.record.live.size;
      w.done();
    }
    return unwritten;
  }
}

/** A record another one waits for is out of the way once stored, or once it will never be written. */
function settled(record: AnyRecord): boolean {
  return record.state === 'stored' || record.state === 'skipped';
}
