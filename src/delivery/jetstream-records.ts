import type { Message } from '../contract/message.js';
import type { Outbound } from './destination.js';
import { decodeOutbound, encodeOutboundRest } from './outbound-codec.js';
import type { PostedKey, StoredItem } from './queue-store.js';

/**
 * The messages the JetStream store writes on its items subject (see docs/delivery.md,
 * "JetStream"): an event record holds one shared message and the copies (refs) that deliver it,
 * an acks record names confirmed copies per event record. Layout 1 (before issue 19 point 3)
 * wrote one message per copy; such messages are still read, as event records of one copy.
 */

/** Header naming what a message is: `event` or `acks` (layout 1 messages have `Sb-Item` instead). */
export const kindHeader = 'Sb-Kind';
/** Header with the record's key, also its Nats-Msg-Id: matches a stored copy to its record. */
export const recordHeader = 'Sb-Record';
/** Header of a layout 1 message: the item id. */
export const itemHeader = 'Sb-Item';

/** One copy of an event as the store keeps it, encoded but for the shared message. */
export interface Ref {
  item: StoredItem;
  /** The copy's own part (outbound without message, and without an address that only repeats the copy's channel). */
  rest: string;
}

/** A decoded event record: its copies, sharing one Message object. */
export interface DecodedEvent {
  items: StoredItem[];
}

/** A decoded acks record: confirmed item ids per event record (by stream sequence). */
export interface DecodedAcks {
  entries: [seq: number, ids: number[]][];
}

const decoder = new TextDecoder();

/**
 * The copy's own part. A copy whose address is just its channel (every chat copy of a fanned-out
 * event) leaves the address out: it is rebuilt from the ref. The text of the previous copy is
 * reused when nothing it depends on differs, as the copies of one event come one after another.
 */
export function restEncoder(): (item: StoredItem) => string {
  let last: { of: Outbound; own: boolean; text: string } | undefined;
  return (item) => {
    const o = item.outbound;
    const a = o.address;
    const own =
      a.destinationId === item.destinationId &&
      a.channelId === item.channelId &&
      a.threadId === undefined &&
      a.userId === undefined;
    const simple =
      own &&
      o.file === undefined &&
      o.rawObject === undefined &&
      o.replaces === undefined &&
      o.idempotencyKey === undefined &&
      o.modalTrigger === undefined;
    const prev = last?.of;
    if (
      simple &&
      last?.own &&
      prev &&
      prev.file === undefined &&
      prev.rawObject === undefined &&
      prev.replaces === undefined &&
      prev.idempotencyKey === undefined &&
      prev.modalTrigger === undefined &&
      prev.sources === o.sources &&
      prev.dedupKey === o.dedupKey &&
      prev.kind === o.kind &&
      prev.streaming === o.streaming
    )
      return last.text;
    let text: string;
    if (own) {
      const { address: _rebuilt, ...rest } = o;
      text = encodeOutboundRest(rest as Outbound);
    } else text = encodeOutboundRest(o);
    last = { of: o, own, text };
    return text;
  };
}

/** Bytes one ref adds to its record, besides its rest text when that is new in the record. */
export function refOverhead(item: StoredItem): number {
  return item.channelId.length + 32;
}

/**
 * Encodes an event record: `{"v":2,"t":base time,"d":[destinations],"m":message,"r":[rests],
 * "c":[[id, destination index, channel, kind+lane, time - base, rest index]]}`. The encoded
 * texts are JSON already and are spliced in, not escaped again.
 */
export function encodeEvent(messageText: string, refs: Iterable<Ref>): string {
  const destinations = new Map<string, number>();
  const rests = new Map<string, number>();
  const copies: string[] = [];
  let base: number | undefined;
  for (const { item, rest } of refs) {
    base ??= item.enqueuedAt;
    let d = destinations.get(item.destinationId);
    if (d === undefined) {
      d = destinations.size;
      destinations.set(item.destinationId, d);
    }
    let r = rests.get(rest);
    if (r === undefined) {
      r = rests.size;
      rests.set(rest, r);
    }
    const code = `${item.kind === 'sink' ? 's' : 'c'}${item.lane === 'event' ? 'e' : 'r'}`;
    copies.push(
      `[${item.id},${d},${JSON.stringify(item.channelId)},"${code}",${item.enqueuedAt - base},${r}]`,
    );
  }
  return `{"v":2,"t":${base ?? 0},"d":${JSON.stringify([...destinations.keys()])},"m":${messageText},"r":[${[...rests.keys()].join(',')}],"c":[${copies.join(',')}]}`;
}

type EncodedCopy = [number, number, string, string, number, number];

/** Decodes an event record; throws when it is not one. */
export function decodeEvent(data: Uint8Array): DecodedEvent {
  // The message and rests went through the outbound codec (Dates, bytes): its reviver restores them.
  const raw = decodeOutbound(decoder.decode(data)) as unknown as {
    v: number;
    t: number;
    d: string[];
    m: Message;
    r: Omit<Outbound, 'message'>[];
    c: EncodedCopy[];
  };
  if (raw.v !== 2 || !Array.isArray(raw.c) || !Array.isArray(raw.d) || !Array.isArray(raw.r))
    throw new Error('not a delivery queue event record');
  const items = raw.c.map(([id, d, channelId, code, delta, r]): StoredItem => {
    const destinationId = raw.d[d];
    const rest = raw.r[r];
    if (typeof id !== 'number' || destinationId === undefined || rest === undefined)
      throw new Error('delivery queue event record with a bad copy');
    // Each copy gets an outbound of its own; the message is the one all copies share.
    const outbound = { ...rest, message: raw.m } as Outbound;
    outbound.address ??= { destinationId, channelId };
    return {
      id,
      destinationId,
      channelId,
      kind: code[0] === 's' ? 'sink' : 'chat',
      lane: code[1] === 'e' ? 'event' : 'reply',
      enqueuedAt: raw.t + delta,
      outbound,
    };
  });
  return { items };
}

/** Encodes an acks record: `{"v":2,"a":[[event record seq,[ids]]]}`. */
export function encodeAcks(entries: Iterable<[seq: number, ids: readonly number[]]>): string {
  const parts: string[] = [];
  for (const [seq, ids] of entries) parts.push(`[${seq},[${ids.join(',')}]]`);
  return `{"v":2,"a":[${parts.join(',')}]}`;
}

export function decodeAcks(data: Uint8Array): DecodedAcks {
  const raw = JSON.parse(decoder.decode(data)) as { v: number; a: [number, number[]][] };
  if (raw.v !== 2 || !Array.isArray(raw.a)) throw new Error('not a delivery queue acks record');
  for (const entry of raw.a)
    if (!Array.isArray(entry) || typeof entry[0] !== 'number' || !Array.isArray(entry[1]))
      throw new Error('delivery queue acks record with a bad entry');
  return { entries: raw.a };
}

/** What one layout 1 message carries: the stored item, its outbound encoded by outbound-codec. */
interface Envelope {
  id: number;
  destinationId: string;
  channelId: string;
  kind: 'chat' | 'sink';
  lane: 'event' | 'reply';
  enqueuedAt: number;
  outbound: string;
}

/** Decodes a layout 1 message (one copy, its whole outbound); throws when it is not one. */
export function decodeEnvelope(data: Uint8Array): StoredItem {
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
 * Posted keys of one turn as one message: `{"v":2,"k":[[destination, channel, postedAt,
 * [[dedupKey, sources]]]]}`, grouped per channel and time (usually one group per ack).
 */
export function encodePosted(posted: readonly PostedKey[]): string {
  const groups = new Map<string, [string, string, number, [string, readonly string[]][]]>();
  for (const p of posted) {
    const k = `${p.destinationId}\u0000${p.channelId}\u0000${p.postedAt}`;
    let group = groups.get(k);
    if (!group) {
      group = [p.destinationId, p.channelId, p.postedAt, []];
      groups.set(k, group);
    }
    group[3].push([p.dedupKey, p.sources]);
  }
  return JSON.stringify({ v: 2, k: [...groups.values()] });
}

/** The keys of a posted message: a batch, or one key as layout 1 wrote it. */
export function decodePosted(data: Uint8Array): PostedKey[] {
  const raw = JSON.parse(decoder.decode(data)) as
    | PostedKey
    | { v: 2; k: [string, string, number, [string, string[]][]][] };
  if (!('v' in raw)) return [raw];
  const keys: PostedKey[] = [];
  for (const [destinationId, channelId, postedAt, list] of raw.k)
    for (const [dedupKey, sources] of list)
      keys.push({ destinationId, channelId, dedupKey, sources, postedAt });
  return keys;
}
