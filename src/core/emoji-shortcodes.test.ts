import { describe, expect, it } from 'vitest';
import { replaceEmojiShortcodes } from './emoji-shortcodes.js';

describe('replaceEmojiShortcodes', () => {
  it.each([
    [':warning: disk almost full', '\u26a0\ufe0f disk almost full'],
    [':white_check_mark: deployed', '\u2705 deployed'],
    [':x: failed', '\u274c failed'],
    [':large_green_circle: healthy', '\u{1f7e2} healthy'],
    [':rotating_light: paging', '\u{1f6a8} paging'],
    [':+1: and :thumbsup:', '\u{1f44d} and \u{1f44d}'],
    [':heart:', '\u2764\ufe0f'],
    [':flag-us:', '\u{1f1fa}\u{1f1f8}'],
    [':rainbow-flag:', '\u{1f3f3}\ufe0f\u200d\u{1f308}'],
  ])('%s', (text, expected) => {
    expect(replaceEmojiShortcodes(text)).toBe(expected);
  });

  it('joins adjacent shortcodes, so a skin tone follows its hand', () => {
    expect(replaceEmojiShortcodes(':+1::skin-tone-4:')).toBe('\u{1f44d}\u{1f3fd}');
    expect(replaceEmojiShortcodes(':x::x:')).toBe('\u274c\u274c');
  });

  it('leaves unknown names, times and lone colons as they are', () => {
    for (const text of [
      ':not_an_emoji_name:',
      'at 10:30:00 UTC',
      'ratio 1:2:3',
      'key: value: other',
      'http://example.com:8080/',
      ':',
      '::',
    ]) {
      expect(replaceEmojiShortcodes(text)).toBe(text);
    }
    expect(replaceEmojiShortcodes('at 10:30:00 :x:')).toBe('at 10:30:00 \u274c');
    expect(replaceEmojiShortcodes(':unknown: :x:')).toBe(':unknown: \u274c');
  });

  it('keeps shortcodes inside inline code and fenced blocks', () => {
    expect(replaceEmojiShortcodes(':x: `grep :x: log` and ``a `:x:` b`` :x:')).toBe(
      '\u274c `grep :x: log` and ``a `:x:` b`` \u274c',
    );
    expect(replaceEmojiShortcodes('before :warning:\n```\necho :warning:\n```\nafter :warning:')).toBe(
      'before \u26a0\ufe0f\n```\necho :warning:\n```\nafter \u26a0\ufe0f',
    );
  });

  it('keeps URLs as they are, but not the label of a link', () => {
    expect(replaceEmojiShortcodes('see https://example.com/:x:/page :x:')).toBe(
      'see https://example.com/:x:/page \u274c',
    );
    expect(replaceEmojiShortcodes('<https://example.com/:x:|:x: failed>')).toBe(
      '<https://example.com/:x:|\u274c failed>',
    );
  });

  it('converts after an unclosed backtick, which is not code', () => {
    expect(replaceEmojiShortcodes('a ` b :x:')).toBe('a ` b \u274c');
  });
});
