import { describe, expect, it } from 'vitest';
import { RateLimitBook } from './rate-limits.js';

const headers = (remaining: number, reset: number, limit = 10) =>
  new Headers({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(reset),
  });

describe('RateLimitBook', () => {
  it('holds a route once its remaining calls are spent, until the reset', () => {
    let now = 1_000;
    const book = new RateLimitBook(() => now);
    book.record('chat.sendMessage', headers(1, 5000));
    expect(book.waitMs('chat.sendMessage')).toBe(0);
    book.spend('chat.sendMessage');
    expect(book.waitMs('chat.sendMessage')).toBe(4000);
    // Other routes have their own windows.
    expect(book.waitMs('chat.update')).toBe(0);
    now = 5_000;
    expect(book.waitMs('chat.sendMessage')).toBe(0);
  });

  it('counts calls in flight: a late answer does not raise what is left in its window', () => {
    const now = 0;
    const book = new RateLimitBook(() => now);
    book.record('r', headers(3, 1000));
    book.spend('r');
    book.spend('r');
    book.spend('r');
    // The first of the three answers: the server had counted only it.
    book.record('r', headers(2, 1000));
    expect(book.waitMs('r')).toBe(1000);
  });

  it('assumes a fresh window of `limit` calls once the last one ended', () => {
    let now = 0;
    const book = new RateLimitBook(() => now);
    book.record('r', headers(0, 1000, 2));
    now = 1000;
    book.spend('r');
    expect(book.waitMs('r')).toBe(0);
    book.spend('r');
    expect(book.waitMs('r')).toBe(1000);
    // The server's first answer in the new window replaces the guess, never raising it.
    book.record('r', headers(1, 1900, 2));
    expect(book.waitMs('r')).toBe(900);
  });

  it('ignores responses without the headers and falls back after a 429 without a reset', () => {
    const now = 0;
    const book = new RateLimitBook(() => now);
    book.record('me', new Headers({}));
    expect(book.waitMs('me')).toBe(0);
    expect(book.exhausted('me', undefined, 2000)).toBe(2000);
    expect(book.waitMs('me')).toBe(2000);
    expect(book.exhausted('me', 700, 2000)).toBe(700);
  });
});
