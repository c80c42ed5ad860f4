import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../log/logger.js';
import { decodeAcks, decodeEnvelope, decodeEvent, kindHeader, recordHeader } from './jetstream-records.js';
import type { StoredItem } from './queue-store.js';

/**
 * Where a stream message of the store stands. `open`: an event record still taking copies this
 * turn; `queued`: waiting to be published; `flight`: being published; `stored`: JetStream
 * acknowledged it; `skipped`: never published (nothing in it was live any more).
 */
export type RecordState = 'open' | 'queued' | 'flight' | 'stored' | 'skipped';

/** A message of the store in the stream (or on its way there). */
export interface StreamRecord {
  /** Its Nats-Msg-Id and `Sb-Record` header; `seq-<n>` for a layout 1 message. */
  readonly key: string;
  /** Stream sequence, once known (publish acknowledged, or read back). */
  seq: number | undefined;
  /** The consumer's delivery of its stored copy: acking it deletes the message. */
  msg: JsMsg | undefined;
  state: RecordState;
  /** Nothing in it matters any more: its stored copy is deleted (or never written). */
  dead: boolean;
  /** Encoded size, counted in the store's bytes while it is not dead. */
  size: number;
}

/** One event's shared message and its copies. */
export interface EventRecord extends StreamRecord {
  readonly type: 'event';
  /** Ids of the copies this record is the newest stored version of and that are not confirmed. */
  live: Set<number>;
  /** Acks records naming copies of it: they may go once it is gone. */
  acks: AcksRecord[];
}

/** Confirmed copies, per event record. */
export interface AcksRecord extends StreamRecord {
  readonly type: 'acks';
  /** Event records it names that are not dead yet; at 0 it is dead too. */
  live: number;
}

export type AnyRecord = EventRecord | AcksRecord;

/** What the stream held, once read through. */
export interface Replayed {
  /** The newest stored version of each unconfirmed copy, by id. */
  items: Map<number, StoredItem>;
  /** The event record holding each of them. */
  holder: Map<number, EventRecord>;
  /** Records that are still needed. */
  live: AnyRecord[];
  /** Records nothing needs any more: their messages are to be acked (deleted). */
  dead: AnyRecord[];
  /**
   * Copies replaced by a newer version in a later record while their own record stays: an acks
   * record naming them is to be written, so that deleting the newer record cannot bring the
   * older version back (the run that replaced them stopped before writing it).
   */
  replaced: Map<EventRecord, number[]>;
  unreadable: number;
}

/**
 * Reads the store's messages in stream order and rebuilds its state, exactly as the writes
 * left it: an event record (or a layout 1 message, one copy) makes its copies live, replacing
 * older versions; an acks record confirms the copies it names in the record it names.
 */
export class Replay {
  readonly #items = new Map<number, StoredItem>();
  readonly #holder = new Map<number, EventRecord>();
  readonly #bySeq = new Map<number, EventRecord>();
  readonly #records: AnyRecord[] = [];
  /** Per record, copies a later record replaced and no acks record named yet. */
  readonly #replaced = new Map<EventRecord, Set<number>>();
  #unreadable = 0;

  constructor(
    private readonly log: Logger,
    private readonly stream: string,
  ) {}

  take(m: JsMsg): void {
    const kind = m.headers?.get(kindHeader);
    try {
      if (kind === 'acks') this.#acks(m);
      else this.#event(m, kind === 'event' ? decodeEvent(m.data).items : [decodeEnvelope(m.data)]);
    } catch (err) {
      this.#unreadable += 1;
      m.ack();
      this.log.error(
        { code: 'SB_ERR_QUEUE_CORRUPT', stream: this.stream, seq: m.seq, err: (err as Error).message },
        'delivery queue message in JetStream unreadable; dropped',
      );
    }
  }

  #event(m: JsMsg, items: readonly StoredItem[]): void {
    const record: EventRecord = {
      type: 'event',
      key: m.headers?.get(recordHeader) || `seq-${m.seq}`,
      seq: m.seq,
      msg: m,
      state: 'stored',
      dead: false,
      size: m.data.length,
      live: new Set(),
      acks: [],
    };
    for (const item of items) {
      const previous = this.#holder.get(item.id);
      if (previous && previous !== record) {
        previous.live.delete(item.id);
        let replaced = this.#replaced.get(previous);
        if (!replaced) {
          replaced = new Set();
          this.#replaced.set(previous, replaced);
        }
        replaced.add(item.id);
      }
      this.#holder.set(item.id, record);
      this.#items.set(item.id, item);
      record.live.add(item.id);
    }
    this.#bySeq.set(m.seq, record);
    this.#records.push(record);
  }

  #acks(m: JsMsg): void {
    const { entries } = decodeAcks(m.data);
    const record: AcksRecord = {
      type: 'acks',
      key: m.headers?.get(recordHeader) || `seq-${m.seq}`,
      seq: m.seq,
      msg: m,
      state: 'stored',
      dead: false,
      size: m.data.length,
      live: 0,
    };
    for (const [seq, ids] of entries) {
      const target = this.#bySeq.get(seq);
      if (!target) continue;
      for (const id of ids) {
        target.live.delete(id);
        this.#replaced.get(target)?.delete(id);
        if (this.#holder.get(id) === target) {
          this.#holder.delete(id);
          this.#items.delete(id);
        }
      }
      if (!target.acks.includes(record)) {
        target.acks.push(record);
        record.live += 1;
      }
    }
    this.#records.push(record);
  }

  finish(): Replayed {
    const dead: AnyRecord[] = [];
    for (const r of this.#records)
      if (r.type === 'event' && r.live.size === 0) {
        r.dead = true;
        dead.push(r);
        for (const a of r.acks) a.live -= 1;
      }
    for (const r of this.#records)
      if (r.type === 'acks' && r.live <= 0) {
        r.dead = true;
        dead.push(r);
      }
    const replaced = new Map<EventRecord, number[]>();
    for (const [record, ids] of this.#replaced)
      if (!record.dead && ids.size > 0) replaced.set(record, [...ids]);
    return {
      items: this.#items,
      holder: this.#holder,
      live: this.#records.filter((r) => !r.dead),
      dead,
      replaced,
      unreadable: this.#unreadable,
    };
  }
}
