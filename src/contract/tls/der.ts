/**
 * A minimal DER (ASN.1 Distinguished Encoding Rules) writer: just the universal types an
 * X.509 certificate needs. Every function returns one complete TLV (tag, length, value),
 * so nested structures are built by passing encoded children to `sequence`/`set`.
 * It writes; it never parses (node:crypto's X509Certificate does that).
 */

/** Universal tag numbers, with the constructed bit already set for SEQUENCE and SET. */
const tags = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Encodes one TLV with a definite length (DER forbids the indefinite form). */
export function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(tag), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) {
    return Buffer.of(length);
  }
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest % 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** SEQUENCE of already-encoded elements, in the given order. */
export function derSequence(...elements: Uint8Array[]): Buffer {
  return derTlv(tags.sequence, Buffer.concat(elements));
}

/**
 * SET OF already-encoded elements. DER requires SET OF members sorted by their encodings,
 * so we sort here rather than trust callers to.
 */
export function derSet(...elements: Uint8Array[]): Buffer {
  const sorted = [...elements].sort((a, b) => Buffer.compare(a, b));
  return derTlv(tags.set, Buffer.concat(sorted));
}

/**
 * INTEGER. A number or bigint is encoded as two's complement; a byte array is taken as an
 * unsigned big-endian magnitude (serial numbers), gaining a 0x00 prefix when its top bit is
 * set so it stays positive. Redundant leading bytes are dropped, as DER demands.
 */
export function derInteger(value: number | bigint | Uint8Array): Buffer {
  let bytes: number[];
  if (value instanceof Uint8Array) {
    bytes = [...value];
    while (bytes.length > 1 && bytes[0] === 0) {
      bytes.shift();
    }
    if (bytes.length === 0) {
      bytes = [0];
    }
    if ((bytes[0] ?? 0) & 0x80) {
      bytes.unshift(0);
    }
  } else {
    bytes = twosComplement(BigInt(value));
  }
  return derTlv(tags.integer, Buffer.from(bytes));
}

function twosComplement(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  // Emit low bytes until the remaining value is pure sign extension of the last byte.
  for (;;) {
    const byte = Number(rest & 0xffn);
    bytes.unshift(byte);
    rest >>= 8n;
    const signBitSet = (byte & 0x80) !== 0;
    if ((rest === 0n && !signBitSet) || (rest === -1n && signBitSet)) {
      return bytes;
    }
  }
}

/** BOOLEAN; DER encodes true as 0xff. */
export function derBoolean(value: boolean): Buffer {
  return derTlv(tags.boolean, Buffer.of(value ? 0xff : 0x00));
}

/** NULL. */
export function derNull(): Buffer {
  return derTlv(tags.null, Buffer.alloc(0));
}

/** OBJECT IDENTIFIER from dotted form, e.g. `'2.5.4.3'`. Throws on a malformed identifier. */
export function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) {
      throw new RangeError(`invalid OID ${JSON.stringify(dotted)}`);
    }
    return BigInt(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2n || (first < 2n && second > 39n)) {
    throw new RangeError(`invalid OID ${JSON.stringify(dotted)}`);
  }
  const content: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    content.push(...base128(arc));
  }
  return derTlv(tags.oid, Buffer.from(content));
}

function base128(value: bigint): number[] {
  const bytes = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) {
    bytes.unshift(Number(rest & 0x7fn) | 0x80);
  }
  return bytes;
}

/** UTF8String. */
export function derUtf8String(text: string): Buffer {
  return derTlv(tags.utf8String, Buffer.from(text, 'utf8'));
}

/** PrintableString; the caller guarantees the restricted character set. */
export function derPrintableString(text: string): Buffer {
  return derTlv(tags.printableString, Buffer.from(text, 'latin1'));
}

/** IA5String (ASCII), as used by dNSName in subjectAltName. */
export function derIa5String(text: string): Buffer {
  return derTlv(tags.ia5String, Buffer.from(text, 'latin1'));
}

/** UTCTime `YYMMDDHHMMSSZ`; sub-second precision is truncated. Valid for 1950-2049 only. */
export function derUtcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) {
    throw new RangeError(`UTCTime cannot represent year ${year}`);
  }
  return derTlv(tags.utcTime, Buffer.from(`${pad(year % 100, 2)}${timeOfYear(date)}Z`, 'latin1'));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ`; sub-second precision is truncated. */
export function derGeneralizedTime(date: Date): Buffer {
  return derTlv(
    tags.generalizedTime,
    Buffer.from(`${pad(date.getUTCFullYear(), 4)}${timeOfYear(date)}Z`, 'latin1'),
  );
}

/**
 * An X.509 `Time`: UTCTime through 2049 and GeneralizedTime from 2050, which RFC 5280
 * §4.1.2.5 requires (strict verifiers reject GeneralizedTime for earlier dates).
 */
export function derTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? derUtcTime(date) : derGeneralizedTime(date);
}

function timeOfYear(date: Date): string {
  const parts = [
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  return parts.map((part) => pad(part, 2)).join('');
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** BIT STRING of whole bytes, or with `unusedBits` (0-7) trailing bits of the last byte unused. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (
    !Number.isInteger(unusedBits) ||
    unusedBits < 0 ||
    unusedBits > 7 ||
    (bytes.length === 0 && unusedBits)
  ) {
    throw new RangeError(`invalid unused bit count ${unusedBits}`);
  }
  return derTlv(tags.bitString, Buffer.concat([Buffer.of(unusedBits), bytes]));
}

/**
 * BIT STRING for an ASN.1 NamedBitList (e.g. keyUsage), from the numbers of the set bits
 * (bit 0 is the most significant bit of the first byte). DER drops trailing zero bits,
 * so the unused-bit count depends on the highest bit set.
 */
export function derNamedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) {
    return derBitString(Buffer.alloc(0));
  }
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    const index = Math.floor(bit / 8);
    bytes[index] = (bytes[index] ?? 0) | (0x80 >> (bit % 8));
  }
  return derBitString(bytes, 7 - (highest % 8));
}

/** OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Buffer {
  return derTlv(tags.octetString, bytes);
}

/** `[tag] EXPLICIT`: wraps a complete encoding in a constructed context-specific tag. */
export function derExplicit(tag: number, inner: Uint8Array): Buffer {
  return derTlv(contextTag(tag, true), inner);
}

/**
 * `[tag] IMPLICIT`: replaces the universal tag of a value with a context-specific one. Takes
 * the raw content octets (e.g. the ASCII of a dNSName), since the original tag is not kept.
 */
export function derImplicit(tag: number, content: Uint8Array, constructed = false): Buffer {
  return derTlv(contextTag(tag, constructed), content);
}

function contextTag(tag: number, constructed: boolean): number {
  if (!Number.isInteger(tag) || tag < 0 || tag > 30) {
    throw new RangeError(`context tag ${tag} needs the high-tag-number form, which is not supported`);
  }
  return 0x80 | (constructed ? 0x20 : 0) | tag;
}
