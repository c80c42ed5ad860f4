import type { Message } from '../contract/message.js';
import type { Outbound } from './destination.js';

/** Marks a value JSON cannot carry as itself: `{ "$sb": "date" | "bytes", "v": ... }`. */
const tag = '$sb';

/**
 * Encodes an {@link Outbound} as JSON text that {@link decodeOutbound} turns back into an equal
 * value: Dates (message timestamps) and byte arrays (attached files) survive the round trip.
 * A modal trigger is not encoded: it expires within seconds, so it means nothing after a restart.
 */
export function encodeOutbound(outbound: Outbound): string {
  const { modalTrigger: _expired, file, ...kept } = outbound;
  // The file is encoded here, not in the replacer: a Buffer's toJSON would first expand every
  // byte into an array element (hundreds of MB of garbage for a 10 MB output).
  const encoded = file
    ? {
        ...kept,
        file: {
          name: file.name,
          content: { [tag]: 'bytes', v: Buffer.from(file.content).toString('base64') },
        },
      }
    : kept;
  return encodeValue(encoded);
}

/**
 * An {@link Outbound} in two parts: `message`, the part the copies of one event share (the
 * source bridge hands the same Message to every channel), and `rest`, the copy's own address,
 * sources, raw object and file. {@link joinOutbound} puts them back together. The message of
 * `rest` is left out, so a store writes the shared part once per event, not once per copy.
 */
export function encodeOutboundRest(outbound: Outbound): string {
  const { message: _shared, ...rest } = outbound;
  // Without a file or a raw object nothing left can be a Date or bytes (addresses, sources and
  // keys are strings), so the replacer, called for every key, is not needed: this is the part
  // written once per channel for every event.
  if (rest.file === undefined && rest.rawObject === undefined && rest.modalTrigger === undefined)
    return JSON.stringify(rest);
  return encodeOutbound(rest as Outbound);
}

/** Encodes a message as {@link encodeOutbound} encodes the one inside an outbound. */
export function encodeMessage(message: Message): string {
  return encodeValue(message);
}

/** Decodes what {@link encodeMessage} wrote; throws SyntaxError on text that is not JSON. */
export function decodeMessage(text: string): Message {
  return decodeValue(text) as Message;
}

/** The outbound of `rest` (from {@link encodeOutboundRest}) carrying `message` again. */
export function joinOutbound(rest: string, message: Message): Outbound {
  const outbound = decodeOutbound(rest) as Omit<Outbound, 'message'> & { message?: Message };
  outbound.message = message;
  return outbound as Outbound;
}

function encodeValue(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, value: unknown) {
    // `value` is already the result of toJSON (a Date is a string by then): look at the original.
    const raw = this[key];
    if (raw instanceof Date) return { [tag]: 'date', v: raw.toISOString() };
    if (raw instanceof Uint8Array) return { [tag]: 'bytes', v: Buffer.from(raw).toString('base64') };
    return value;
  });
}

/** Decodes what {@link encodeOutbound} wrote; throws SyntaxError on text that is not JSON. */
export function decodeOutbound(text: string): Outbound {
  return decodeValue(text) as Outbound;
}

function decodeValue(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && tag in value) {
      const tagged = value as { [tag]: string; v: string };
      if (tagged[tag] === 'date') return new Date(tagged.v);
      if (tagged[tag] === 'bytes') return new Uint8Array(Buffer.from(tagged.v, 'base64'));
    }
    return value;
  });
}
