import { describe, expect, it } from 'vitest';
import { httpUrl } from './listen.js';

describe('httpUrl', () => {
  it.each([
    ['127.0.0.1', 'http://127.0.0.1:2114'],
    ['0.0.0.0', 'http://0.0.0.0:2114'],
    ['::1', 'http://[::1]:2114'],
    ['::', 'http://[::]:2114'],
    ['fd00::2', 'http://[fd00::2]:2114'],
    ['localhost', 'http://localhost:2114'],
  ])('%s → %s (the address as bound, IPv6 bracketed)', (address, url) => {
    expect(httpUrl(address, 2114)).toBe(url);
    expect(new URL(url).port).toBe('2114');
  });
});
