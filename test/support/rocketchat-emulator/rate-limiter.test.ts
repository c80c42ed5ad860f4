import { describe, expect, it } from 'vitest';
import { RouteLimiter, tooManyRequests } from './rate-limiter.js';

describe('RouteLimiter', () => {
  it('counts per route and IP in fixed windows, with the reset in ms since the epoch', () => {
    let now = 10_000;
    const limiter = new RouteLimiter({ calls: 2, windowMs: 1000 }, () => now);
    expect(limiter.take('chat.sendMessage', 'a').headers['x-ratelimit-remaining']).toBe('1');
    expect(limiter.take('chat.sendMessage', 'a').allowed).toBe(true);
    const third = limiter.take('chat.sendMessage', 'a');
    expect(third.allowed).toBe(false);
    expect(third.headers['x-ratelimit-reset']).toBe('11000');
    expect(limiter.take('chat.update', 'a').allowed).toBe(true);
    expect(limiter.take('chat.sendMessage', 'b').allowed).toBe(true);
    now = 11_000;
    expect(limiter.take('chat.sendMessage', 'a').allowed).toBe(true);
  });

  it('answers with the error Rocket.Chat writes', () => {
    expect(tooManyRequests(3500, 1000).error).toMatch(/wait 3 seconds .*\[error-too-many-requests\]$/);
  });
});
