import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text);
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('exceedsJsonDepth', () => {
  it('counts objects and arrays alike, up to the limit and one past it', () => {
    expect(exceedsJsonDepth(bytes(nested(3)), 3)).toBe(false);
    expect(exceedsJsonDepth(bytes(nested(4)), 3)).toBe(true);
    expect(exceedsJsonDepth(bytes('{"a":[{"b":{}}]}'), 4)).toBe(false);
    expect(exceedsJsonDepth(bytes('{"a":[{"b":{"c":1}}]}'), 3)).toBe(true);
  });

  it('measures the deepest point, not the number of containers', () => {
    const wide = `[${Array.from({ length: 1000 }, () => '{"a":[1]}').join(',')}]`;
    expect(exceedsJsonDepth(bytes(wide), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(bytes(`{"text":"${'[{'.repeat(500)}"}`), 1)).toBe(false);
    expect(exceedsJsonDepth(bytes(`{"t":"a\\"[[[[\\\\","u":"]]"}`), 1)).toBe(false);
    expect(exceedsJsonDepth(bytes(`["\\\\",[["x"]]]`), 2)).toBe(true);
  });

  it('stops at the first level past the limit, however long the rest is', () => {
    expect(exceedsJsonDepth(bytes('['.repeat(100_000)), 128)).toBe(true);
  });
});
