/**
 * gRPC length-prefixed messages: one flag byte (1 = compressed) and a 4-byte big-endian length,
 * then the message.
 */
export function frameMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.byteLength);
  framed[0] = 0;
  framed.writeUInt32BE(message.byteLength, 1);
  framed.set(message, 5);
  return framed;
}

/** A request whose framing the server cannot read; the call ends with `code`. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a request body (all DATA frames of the stream, in order) into messages. The plugin side
 * negotiates no compression, so a compressed message is refused with the encoding the client named.
 */
export function readMessages(body: Buffer, encoding: string | undefined): Uint8Array[] {
  const messages: Uint8Array[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < 5) {
      throw new FrameError(
        13,
        `request body ends inside a message header (${body.length - offset} of 5 bytes)`,
      );
    }
    const compressed = body[offset];
    const length = body.readUInt32BE(offset + 1);
    if (compressed !== 0) {
      throw new FrameError(
        12,
        `compressed request messages are not supported (grpc-encoding ${encoding ?? 'missing'}); this server accepts identity only`,
      );
    }
    const start = offset + 5;
    if (body.length - start < length) {
      throw new FrameError(
        13,
        `request body ends inside a message (${body.length - start} of ${length} bytes)`,
      );
    }
    messages.push(body.subarray(start, start + length));
    offset = start + length;
  }
  return messages;
}

/**
 * The grpc-timeout header ("<1-8 digits><unit>", units H M S m u n) in milliseconds; undefined
 * when absent. Throws on a malformed value.
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) throw new FrameError(13, `malformed grpc-timeout header ${JSON.stringify(value)}`);
  const amount = Number(match[1]);
  const perUnit = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 } as const;
  return amount * perUnit[match[2] as keyof typeof perUnit];
}
