import { describe, expect, it } from 'vitest';
import { RateLimitBook } from './rate-limits.js';

const headers = (values: Record<string, string>) => new Headers(values);

describe('RateLimitBook', () => {
  it('holds a route once its remaining calls are spent, until the reset', () => {
    let now = 1_000;
    const book = new RateLimitBook(() => now);
    book.record(
      'chat.sendMessage',
      headers({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '5000' }),
    );
    expect(book.waitMs('chat.sendMessage')).toBe(0);
    book.spend('chat.sendMessage');
    expect(book.waitMs('chat.sendMessage')).toBe(4000);
    // Other routes have their own windows.
    expect(book.waitMs('chat.update')).toBe(0);
    now = 5_000;
    expect(book.waitMs('chat.sendMessage')).toBe(0);
  });

  it('ignores responses without the headers and falls back after a 429 without a reset', () => {
    const now = 0;
    const book = new RateLimitBook(() => now);
    book.record('me', headers({}));
    expect(book.waitMs('me')).toBe(0);
    expect(book.exhausted('me', undefined, 2000)).toBe(2000);
    expect(book.waitMs('me')).toBe(2000);
    expect(book.exhausted('me', 700, 2000)).toBe(700);
  });
});
