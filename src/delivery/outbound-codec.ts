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
  return JSON.stringify(encoded, function (this: Record<string, unknown>, key, value: unknown) {
    // `value` is already the result of toJSON (a Date is a string by then): look at the original.
    const raw = this[key];
    if (raw instanceof Date) return { [tag]: 'date', v: raw.toISOString() };
    if (raw instanceof Uint8Array) return { [tag]: 'bytes', v: Buffer.from(raw).toString('base64') };
    return value;
  });
}

/** Decodes what {@link encodeOutbound} wrote; throws SyntaxError on text that is not JSON. */
export function decodeOutbound(text: string): Outbound {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && tag in value) {
      const tagged = value as { [tag]: string; v: string };
      if (tagged[tag] === 'date') return new Date(tagged.v);
      if (tagged[tag] === 'bytes') return new Uint8Array(Buffer.from(tagged.v, 'base64'));
    }
    return value;
  }) as Outbound;
}
