import { describe, expect, it } from 'vitest';
import { plaintextMessage } from '../contract/message.js';
import { canonicalJson, eventFingerprint } from './fingerprint.js';

describe('eventFingerprint', () => {
  it('is the same whatever the key order, and for a Date or its ISO string', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const a = eventFingerprint(
      { ...plaintextMessage('pod crashed'), timestamp: at },
      { b: 1, a: { y: 2, x: [1, { d: 1, c: 2 }] } },
    );
    const b = eventFingerprint(
      { timestamp: at.toISOString(), baseBody: { plaintext: 'pod crashed' } },
      { a: { x: [1, { c: 2, d: 1 }], y: 2 }, b: 1 },
    );
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the message or the raw object differs', () => {
    const m = plaintextMessage('pod crashed');
    expect(eventFingerprint(m, { i: 1 })).not.toBe(eventFingerprint(m, { i: 2 }));
    expect(eventFingerprint(m)).not.toBe(eventFingerprint(plaintextMessage('pod crashed again')));
  });

  it('treats a missing raw object as null and leaves out undefined members', () => {
    const m = plaintextMessage('x');
    expect(eventFingerprint(m)).toBe(eventFingerprint(m, null));
    expect(eventFingerprint(m, { a: 1, b: undefined })).toBe(eventFingerprint(m, { a: 1 }));
  });
});

describe('canonicalJson', () => {
  it('writes byte arrays as hex, bigints as text, and survives cycles', () => {
    const cyclic: Record<string, unknown> = { n: 1n, bytes: new Uint8Array([1, 255]) };
    cyclic.self = cyclic;
    expect(canonicalJson(cyclic)).toBe('{"bytes":"01ff","n":"1","self":"[cycle]"}');
  });

  it('keeps a repeated (not cyclic) object in full', () => {
    const shared = { k: 'v' };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":"v"},"b":{"k":"v"}}');
  });
});
