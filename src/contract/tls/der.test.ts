import { describe, expect, it } from 'vitest';
import {
  derBoolean,
  derExplicit,
  derImplicit,
  derInteger,
  derNamedBits,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
} from './der.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('DER encoder', () => {
  it('encodes OIDs with the 40*X+Y first arc and base-128 continuation bytes', () => {
    expect(hex(derOid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(derOid('2.5.29.19'))).toBe('0603551d13');
    expect(() => derOid('3.1')).toThrow(RangeError);
    expect(() => derOid('1.2.x')).toThrow(RangeError);
  });

  it('encodes integers minimally in two’s complement', () => {
    expect(hex(derInteger(0))).toBe('020100');
    expect(hex(derInteger(127))).toBe('02017f');
    expect(hex(derInteger(128))).toBe('02020080');
    expect(hex(derInteger(256))).toBe('02020100');
    expect(hex(derInteger(-1))).toBe('0201ff');
    expect(hex(derInteger(-128))).toBe('020180');
    expect(hex(derInteger(-129))).toBe('0202ff7f');
  });

  it('treats byte arrays as unsigned magnitudes', () => {
    expect(hex(derInteger(Buffer.from('0000ff', 'hex')))).toBe('020200ff');
    expect(hex(derInteger(Buffer.from('0001', 'hex')))).toBe('020101');
    expect(hex(derInteger(Buffer.alloc(0)))).toBe('020100');
  });

  it('switches to the long length form from 128 bytes', () => {
    expect(hex(derOctetString(Buffer.alloc(127))).slice(0, 4)).toBe('047f');
    expect(hex(derOctetString(Buffer.alloc(200))).slice(0, 6)).toBe('0481c8');
    expect(hex(derOctetString(Buffer.alloc(300))).slice(0, 8)).toBe('0482012c');
  });

  it('drops trailing zero bits of named bit lists (keyUsage)', () => {
    expect(hex(derNamedBits([0, 2, 5]))).toBe('030202a4');
    expect(hex(derNamedBits([0, 2]))).toBe('030205a0');
    expect(hex(derNamedBits([8]))).toBe('0303070080');
  });

  it('sorts SET OF members by encoding and keeps SEQUENCE order', () => {
    const a = derUtf8String('a');
    const b = derUtf8String('b');
    expect(hex(derSet(b, a))).toBe(`3106${hex(a)}${hex(b)}`);
    expect(hex(derSequence(b, a))).toBe(`3006${hex(b)}${hex(a)}`);
  });

  it('encodes booleans and context tags', () => {
    expect(hex(derBoolean(true))).toBe('0101ff');
    expect(hex(derBoolean(false))).toBe('010100');
    expect(hex(derExplicit(0, derInteger(2)))).toBe('a003020102');
    expect(hex(derImplicit(2, Buffer.from('localhost')))).toBe(`8209${hex(Buffer.from('localhost'))}`);
  });

  it('uses UTCTime through 2049 and GeneralizedTime from 2050', () => {
    expect(derTime(new Date('2025-03-02T10:15:30.999Z')).toString('latin1')).toBe('\x17\x0d250302101530Z');
    expect(derTime(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });
});
