import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { checkWebhookAuth, constantTimeEqual } from './webhook-auth.js';

// Node's own timingSafeEqual, observed (not replaced) to see what the comparison hands it.
const timingSafeEqual = vi.hoisted(() => ({ calls: [] as [number, number][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      timingSafeEqual.calls.push([a.byteLength, b.byteLength]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const bearer = { type: 'bearer', token: 's3cret-token' } as const;
const withAuthorization = (value: string) =>
  checkWebhookAuth(bearer, { authorization: value }, Buffer.from('{}'));

describe('constantTimeEqual', () => {
  it('compares equal-length buffers whatever the lengths of its inputs, so a length mismatch exits no earlier', () => {
    for (const given of [
      '',
      's',
      's3cret-toke',
      's3cret-token',
      's3cret-token-and-more',
      'x'.repeat(10_000),
    ]) {
      timingSafeEqual.calls.length = 0;
      expect(constantTimeEqual(given, 's3cret-token')).toBe(given === 's3cret-token');
      expect(timingSafeEqual.calls).toEqual([[32, 32]]);
    }
  });
});

describe('checkWebhookAuth: bearer', () => {
  it('accepts the right token with the scheme in any case (RFC 7235: the scheme is case-insensitive)', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(withAuthorization(`${scheme} s3cret-token`)).toBeUndefined();
    }
    expect(withAuthorization('Bearer   s3cret-token ')).toBeUndefined();
  });

  it('refuses wrong tokens of every length, shorter, equal and longer', () => {
    for (const token of ['s', 's3cret-toke', 's3cret-tokeN', 's3cret-token2', 'x'.repeat(10_000)]) {
      expect(withAuthorization(`Bearer ${token}`)).toBe('wrong bearer token');
    }
  });

  it('refuses a missing token, another scheme or a header of the token alone', () => {
    expect(checkWebhookAuth(bearer, {}, Buffer.alloc(0))).toBe('missing bearer token');
    expect(withAuthorization('Bearer ')).toBe('missing bearer token');
    expect(withAuthorization('Basic s3cret-token')).toBe('missing bearer token');
    expect(withAuthorization('s3cret-token')).toBe('missing bearer token');
    expect(withAuthorization('Bearers3cret-token')).toBe('missing bearer token');
  });
});

describe('checkWebhookAuth: hmac', () => {
  const auth = { type: 'hmac', secret: 'k', header: 'X-Hub-Signature-256' } as const;
  const body = Buffer.from('{"ref":"main"}');
  const signature = createHmac('sha256', 'k').update(body).digest('hex');

  it('accepts the signature of the body, prefixed or bare, in either hex case', () => {
    expect(checkWebhookAuth(auth, { 'x-hub-signature-256': `sha256=${signature}` }, body)).toBeUndefined();
    expect(checkWebhookAuth(auth, { 'x-hub-signature-256': signature.toUpperCase() }, body)).toBeUndefined();
  });

  it('refuses a signature of another body or a truncated one', () => {
    const other = createHmac('sha256', 'k').update('{}').digest('hex');
    expect(checkWebhookAuth(auth, { 'x-hub-signature-256': other }, body)).toBe(
      'signature does not match the body',
    );
    expect(checkWebhookAuth(auth, { 'x-hub-signature-256': signature.slice(0, 10) }, body)).toBe(
      'signature does not match the body',
    );
  });
});
