import { describe, expect, it } from 'vitest';
import type { Outbound } from '../delivery/destination.js';
import { parseRetryAfter } from './retry-after.js';
import { createScrubber, urlSecrets } from './scrub.js';
import { eventTime, toSinkEvent } from './sink-event.js';

describe('eventTime', () => {
  it('reads Dates and RFC 3339 strings, and treats Go zero time, empty and garbage as none', () => {
    expect(eventTime('2025-03-02T10:15:30+02:00')?.toISOString()).toBe('2025-03-02T08:15:30.000Z');
    expect(eventTime(new Date(5))?.getTime()).toBe(5);
    for (const none of [
      '0001-01-01T00:00:00Z',
      '0001-01-01T00:00:00.000Z',
      '',
      'yesterday',
      undefined,
      new Date(Number.NaN),
    ]) {
      expect(eventTime(none)).toBeUndefined();
    }
  });
});

describe('toSinkEvent', () => {
  const outbound: Outbound = {
    address: { destinationId: 'g/webhook', channelId: '' },
    message: { baseBody: { plaintext: 'hello', codeBlock: 'x=1' } },
  };

  it('keeps the id and first-seen time of one outbound, and gives another outbound its own', () => {
    let clock = 1000;
    const now = () => new Date(clock);
    const first = toSinkEvent(outbound, now);
    clock = 9000;
    const again = toSinkEvent(outbound, now);
    const other = toSinkEvent({ ...outbound }, now);
    expect(again.id).toBe(first.id);
    expect(again.time.getTime()).toBe(1000);
    expect(other.id).not.toBe(first.id);
    expect(other.time.getTime()).toBe(9000);
    expect(first).toMatchObject({ sources: [], data: null, text: 'hello\nx=1' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(['3', '9'])).toBe(3000);
    expect(parseRetryAfter('Sun, 02 Mar 2025 10:00:10 GMT', Date.parse('2025-03-02T10:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('Sun, 02 Mar 2025 09:00:00 GMT', Date.parse('2025-03-02T10:00:00Z'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('createScrubber', () => {
  it('removes every secret part of a URL, the longest first', () => {
    const url = new URL('https://user:p%40ss@hooks.example.com/services/T0/B1/XyZ?token=abc1');
    const scrub = createScrubber(urlSecrets(url));
    const text = `POST ${url.href} failed; path /services/T0/B1/XyZ?token=abc1, token=abc1, pw p@ss`;
    const out = scrub(text);
    expect(out).not.toMatch(/XyZ|abc1|p@ss|p%40ss/);
    expect(out).toContain('POST [redacted] failed');
  });
});
