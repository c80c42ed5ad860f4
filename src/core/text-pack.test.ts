import { describe, expect, it } from 'vitest';
import { type PackItem, packText } from './text-pack.js';

const text = (...lines: string[]): PackItem[] => lines.map((t) => ({ text: t }));
const code = (...lines: string[]): PackItem[] => [
  { text: '```', fence: true },
  ...lines.map((t) => ({ text: t })),
  { text: '```', fence: true },
];

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomItems(next: () => number): PackItem[] {
  const items: PackItem[] = [];
  const chars = ['a', 'b', ' ', '😀', 'é'];
  const line = () => {
    const n = Math.floor(next() ** 3 * 120);
    let s = '';
    for (let i = 0; i < n; i += 1) s += chars[Math.floor(next() * chars.length)];
    return s;
  };
  const blocks = Math.floor(next() * 6);
  for (let b = 0; b < blocks; b += 1) {
    const lines = Array.from({ length: Math.floor(next() * 8) }, line);
    items.push(...(next() < 0.5 ? text(...lines) : code(...(lines.length > 0 ? lines : ['x']))));
  }
  return items;
}

const content = (items: readonly PackItem[]) =>
  items
    .filter((i) => !i.fence)
    .map((i) => i.text)
    .join('');
const partContent = (parts: string[], notice?: string) =>
  parts
    .flatMap((p) => p.split('\n'))
    .filter((l) => l !== '```' && l !== notice)
    .join('');
/** Fences pair up in every part, and no pair encloses nothing (an empty block). */
const fencesBalanced = (part: string) => {
  const at = part.split('\n').flatMap((l, i) => (l === '```' ? [i] : []));
  return at.length % 2 === 0 && at.every((index, k) => k % 2 === 0 || index !== (at[k - 1] as number) + 1);
};

describe('packText', () => {
  it('returns no parts for no items', () => {
    expect(packText([], { maxChars: 20 })).toEqual({ parts: [], cut: false });
  });

  it('keeps everything in one part when it fits', () => {
    expect(packText([...text('a', ''), ...code('b')], { maxChars: 100 })).toEqual({
      parts: ['a\n\n```\nb\n```'],
      cut: false,
    });
  });

  it('splits a line longer than a part, without breaking surrogate pairs', () => {
    const line = `${'a'.repeat(19)}😀${'b'.repeat(5)}`;
    const { parts } = packText(text(line), { maxChars: 20, overflow: 'split' });
    expect(parts).toEqual(['a'.repeat(19), `😀${'b'.repeat(5)}`]);
  });

  it('splits a long line from its end when keeping the end', () => {
    const { parts } = packText(text(`${'a'.repeat(25)}😀${'b'.repeat(19)}`), {
      maxChars: 20,
      overflow: 'split',
      keep: 'end',
    });
    expect(parts).toEqual(['a'.repeat(7), `${'a'.repeat(18)}😀`, 'b'.repeat(19)]);
    expect(parts.join('')).toBe(`${'a'.repeat(25)}😀${'b'.repeat(19)}`);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(20);
  });

  it('does not open a code block at the very end of a part', () => {
    const { parts } = packText([...text('x'.repeat(10)), ...code('code line')], {
      maxChars: 24,
      overflow: 'split',
    });
    expect(parts).toEqual(['x'.repeat(10), '```\ncode line\n```']);
  });

  it('moves a code line that does not fit to the next part, reopening the block', () => {
    const { parts } = packText([...code('1234567890123', '12345678901'), ...text('aft')], {
      maxChars: 24,
      overflow: 'split',
    });
    expect(parts).toEqual(['```\n1234567890123\n```', '```\n12345678901\n```\naft']);
  });

  it('splits a code line longer than a part inside the block', () => {
    const { parts } = packText(code('x'.repeat(20)), { maxChars: 20, overflow: 'split' });
    expect(parts).toEqual(['```\nxxxxxxxxxxxx\n```', '```\nxxxxxxxx\n```']);
  });

  it('rejects maxChars below 20 or not finite, and maxParts below 1', () => {
    expect(() => packText(text('a'), { maxChars: 19 })).toThrow('maxChars must be at least 20, got 19');
    expect(() => packText(text('a'), { maxChars: Number.NaN })).toThrow(RangeError);
    expect(() => packText(text('a'), { maxChars: 20, maxParts: 0 })).toThrow(
      'maxParts must be at least 1, got 0',
    );
  });

  it('keeps every character, in order, within the limit, with balanced fences (1000 random cases)', () => {
    const next = random(3001);
    for (let run = 0; run < 1000; run += 1) {
      const items = randomItems(next);
      const maxChars = 20 + Math.floor(next() * 100);
      const keep = next() < 0.5 ? 'start' : 'end';
      const { parts, cut } = packText(items, { maxChars, overflow: 'split', keep });
      const label = `run ${run}, maxChars ${maxChars}, keep ${keep}`;
      expect(cut, label).toBe(false);
      for (const part of parts) {
        expect(part.length, label).toBeLessThanOrEqual(maxChars);
        expect(fencesBalanced(part), `${label}: ${JSON.stringify(part)}`).toBe(true);
      }
      expect(partContent(parts), label).toBe(content(items));
    }
  });

  it('keeps a prefix (or suffix) within maxParts and marks the cut (1000 random cases)', () => {
    const next = random(4000);
    for (let run = 0; run < 1000; run += 1) {
      const items = randomItems(next);
      const maxChars = 40 + Math.floor(next() * 100);
      const maxParts = 1 + Math.floor(next() * 3);
      const keep = next() < 0.5 ? 'start' : 'end';
      const notice = '[cut]';
      const all = packText(items, { maxChars, overflow: 'split', keep }).parts;
      const { parts, cut } = packText(items, { maxChars, maxParts, keep, notice });
      const label = `run ${run}, maxChars ${maxChars}, maxParts ${maxParts}, keep ${keep}`;
      expect(cut, label).toBe(all.length > maxParts);
      expect(parts.length, label).toBeLessThanOrEqual(maxParts);
      for (const part of parts) {
        expect(part.length, label).toBeLessThanOrEqual(maxChars);
        expect(fencesBalanced(part), label).toBe(true);
      }
      const kept = partContent(parts, notice);
      const whole = content(items);
      if (keep === 'start') expect(whole.startsWith(kept), label).toBe(true);
      else expect(whole.endsWith(kept), label).toBe(true);
      if (cut) {
        const marked =
          keep === 'start'
            ? parts[parts.length - 1]?.endsWith(`\n${notice}`)
            : parts[0]?.startsWith(`${notice}\n`);
        expect(marked, label).toBe(true);
      }
    }
  });
});
