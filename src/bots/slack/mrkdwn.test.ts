import { describe, expect, it } from 'vitest';
import { clip, clipEscaped, escapeMrkdwn, splitEscaped } from './mrkdwn.js';

describe('mrkdwn', () => {
  it('escapes everything but user mentions and http(s)/mailto links, whose labels are escaped too', () => {
    expect(
      escapeMrkdwn('<!here> <#C1|x> <@U1> <@W2|ann> <https://a.test/?q=1|a & b> <ftp://x> 1<2>0 &'),
    ).toBe(
      '&lt;!here&gt; &lt;#C1|x&gt; <@U1> <@W2|ann> <https://a.test/?q=1|a &amp; b> &lt;ftp://x&gt; 1&lt;2&gt;0 &amp;',
    );
  });

  it('splits at line ends, and a long line without cutting an entity or a surrogate pair', () => {
    expect(splitEscaped('aaa\nbbb\nccc', 8)).toEqual(['aaa\nbbb', 'ccc']);
    const entities = '&amp;'.repeat(5);
    for (const chunk of splitEscaped(entities, 12)) expect(chunk).toMatch(/^(&amp;)+$/);
    expect(splitEscaped(entities, 12).join('')).toBe(entities);
    const emoji = '😀'.repeat(10);
    const chunks = splitEscaped(emoji, 9);
    expect(chunks.join('')).toBe(emoji);
    for (const chunk of chunks) expect(chunk.length % 2).toBe(0);
  });

  it('refuses chunk sizes too small to hold an entity', () => {
    expect(() => splitEscaped('x', 4)).toThrow(RangeError);
  });

  it('clips with an ellipsis, inside the limit', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
    expect(clipEscaped('ab&amp;cd', 5)).toBe('ab…');
  });
});
