import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Duration, formatDuration, parseDuration } from './duration.js';

describe('parseDuration (Go time.ParseDuration)', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['2h45m', 9_900_000],
    ['1500us', 1.5],
    ['.5s', 500],
    ['+3m', 180_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', '10 s', '10sec', '1d', '-5s', 's', '1m30', 'ten seconds'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [1500, '1.5s'],
    [300_000, '5m0s'],
    [3_723_000, '1h2m3s'],
    [0.5, '500µs'],
  ])('%d ms is %s, and parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('Duration', () => {
  it('prints as the Go string everywhere and exposes milliseconds', () => {
    const d = Duration.parse('1m30s');
    expect(d.ms).toBe(90_000);
    expect(`${d}`).toBe('1m30s');
    expect(JSON.stringify({ d })).toBe('{"d":"1m30s"}');
    expect(inspect(d)).toBe('Duration(1m30s)');
    expect(d.equals(new Duration(90_000))).toBe(true);
    expect(() => Duration.parse('soon')).toThrow(/not a Go duration/);
  });
});
