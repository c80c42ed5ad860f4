import { describe, expect, it } from 'vitest';
import {
  cleanCommandText,
  decodeSlackEntities,
  nameMentionPattern,
  normalizeQuotes,
  unwrapSlackLinks,
} from './command-text.js';

/** A Slack-style mention, as bots/slack/mention.ts builds it (core tests import no bot). */
const slackStyleMention = /<@U0BOT(?:\|[^>]*)?>/i;

describe('cleanCommandText: mentions', () => {
  it('strips an @name mention case-insensitively, only as a whole word', () => {
    const mention = nameMentionPattern('switchboard');
    expect(cleanCommandText('@Switchboard help', { mention })).toEqual({ text: 'help', mentioned: true });
    expect(cleanCommandText('@switchboard', { mention })).toEqual({ text: '', mentioned: true });
    expect(cleanCommandText('@switchboardx help', { mention })).toEqual({
      text: '@switchboardx help',
      mentioned: false,
    });
    expect(cleanCommandText('@switchboard.io help', { mention }).mentioned).toBe(false);
  });

  it('treats regex characters in names and ids literally', () => {
    expect(cleanCommandText('@a.b ping', { mention: nameMentionPattern('a.b') }).text).toBe('ping');
    expect(cleanCommandText('@axb ping', { mention: nameMentionPattern('a.b') }).mentioned).toBe(false);
  });

  it('removes one colon or comma right after the mention', () => {
    const mention = nameMentionPattern('sb');
    expect(cleanCommandText('@sb: ping', { mention }).text).toBe('ping');
    expect(cleanCommandText('@sb, ping', { mention }).text).toBe('ping');
  });

  it('strips only a leading mention, once', () => {
    const mention = slackStyleMention;
    expect(cleanCommandText('ping <@U0BOT>', { mention })).toEqual({
      text: 'ping <@U0BOT>',
      mentioned: false,
    });
    expect(cleanCommandText('<@U0BOT> <@U0BOT> ping', { mention }).text).toBe('<@U0BOT> ping');
  });

  it('accepts any RegExp, ignoring g and y flags and a leading ^', () => {
    expect(cleanCommandText('!bot ping', { mention: /^!bot\b/g }).text).toBe('ping');
    expect(cleanCommandText('  !bot ping', { mention: /!bot/y }).text).toBe('ping');
  });

  it('finds the mention behind a no-break space or zero-width character', () => {
    const mention = slackStyleMention;
    expect(cleanCommandText('\u200b<@U0BOT>\u00a0ping', { mention }).text).toBe('ping');
  });

  it('without a mention option, mentioned is false and the text is only cleaned', () => {
    expect(cleanCommandText('  “ping”  ')).toEqual({ text: '"ping"', mentioned: false });
  });
});

describe('cleanCommandText: text', () => {
  it('keeps inner blanks, including inside quotes', () => {
    expect(cleanCommandText('  echo  "a   b"\tc  ').text).toBe('echo  "a   b"\tc');
  });

  it('unwraps links and normalises quotes in one pass', () => {
    expect(cleanCommandText('curl <https://example.com/x|example.com/x> -H “A: b”').text).toBe(
      'curl example.com/x -H "A: b"',
    );
  });

  it('decodes Slack entities only when asked, after unwrapping links', () => {
    const text = 'kubectl get pods &gt; x &amp;&amp; y &amp;lt;';
    expect(cleanCommandText(text).text).toBe(text);
    expect(cleanCommandText(text, { decodeSlackEntities: true }).text).toBe('kubectl get pods > x && y &lt;');
  });

  it('turns no-break spaces into spaces and removes zero-width characters', () => {
    expect(cleanCommandText('get\u00a0pods\u202f-n\u2007a\u200bb\ufeff').text).toBe('get pods -n ab');
  });
});

describe('unwrapSlackLinks', () => {
  it('uses the label when there is one, the URL otherwise', () => {
    expect(unwrapSlackLinks('<http://x|x> <http://y> <https://a.b/c?d=e&f=g|a.b/c>')).toBe(
      'x http://y a.b/c',
    );
    expect(unwrapSlackLinks('<mailto:a@b.c|a@b.c> <mailto:a@b.c>')).toBe('a@b.c mailto:a@b.c');
    expect(unwrapSlackLinks('<http://x|>')).toBe('http://x');
  });

  it('turns labelled channel references into #name', () => {
    expect(unwrapSlackLinks('<#C123|general> <#C123>')).toBe('#general <#C123>');
  });

  it('leaves mentions, special mentions and other angle brackets alone', () => {
    expect(unwrapSlackLinks('<@U1> <!here> <none> <a:party:123> a < b > c <pod:x>')).toBe(
      '<@U1> <!here> <none> <a:party:123> a < b > c <pod:x>',
    );
  });
});

describe('decodeSlackEntities', () => {
  it('decodes &lt; &gt; &amp; without double decoding', () => {
    expect(decodeSlackEntities('&lt;a&gt; &amp;gt; &quot;')).toBe('<a> &gt; &quot;');
  });
});

describe('normalizeQuotes', () => {
  it('maps single smart quotes to apostrophes and double ones to double quotes', () => {
    expect(normalizeQuotes('‘a’ ‚b‛ ′c‵ ‹d› ＇e＇')).toBe("'a' 'b' 'c' 'd' 'e'");
    expect(normalizeQuotes('“a” „b‟ ″c‶ «d» 〝e〞〟 ＂f＂')).toBe('"a" "b" "c" "d" "e"" "f"');
  });

  it('leaves ASCII quotes and backticks alone', () => {
    expect(normalizeQuotes(`'a' "b" \`c\``)).toBe(`'a' "b" \`c\``);
  });
});
