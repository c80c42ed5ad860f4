/**
 * Cleans the text of an incoming chat message into a command: the bot's mention, chat link markup
 * and typographic quotes are what chat clients add, and none of them is part of the command.
 */

/** Options for {@link cleanCommandText}. */
export interface CleanCommandOptions {
  /**
   * The bot's mention (`Bot.mentionPattern()`, built by the platform descriptor's `mention`,
   * e.g. {@link nameMentionPattern}). One match at the very start of
   * the text (after blanks) is removed, with one `:` or `,` right after it. Flags `g` and `y`
   * are ignored and a leading `^` is harmless.
   */
  mention?: RegExp;
  /**
   * Decode the three entities Slack escapes in message text (`&lt;`, `&gt;`, `&amp;`). Only for
   * Slack: on other platforms `&lt;` is what the user typed.
   */
  decodeSlackEntities?: boolean;
}

/** The result of {@link cleanCommandText}. */
export interface CleanedCommand {
  /** The command, trimmed; blanks inside it are kept as typed. */
  text: string;
  /** True when a leading mention was found and removed. */
  mentioned: boolean;
}

/**
 * Turns a chat message into command text, in this order:
 * 1. zero-width characters (U+200B–U+200D, U+2060, U+FEFF) are removed and no-break spaces
 *    (U+00A0, U+2007, U+202F) become plain spaces: clients insert them after mentions and on paste;
 * 2. a leading bot mention is removed (see {@link CleanCommandOptions.mention});
 * 3. Slack link markup is unwrapped ({@link unwrapSlackLinks});
 * 4. Slack's `&lt;` `&gt;` `&amp;` are decoded, when asked;
 * 5. typographic quotes become ASCII ({@link normalizeQuotes});
 * 6. the result is trimmed. Nothing else changes: inner blanks are kept, since they can sit inside
 *    quotes.
 */
export function cleanCommandText(text: string, options: CleanCommandOptions = {}): CleanedCommand {
  let out = text.replace(/[\u200b-\u200d\u2060\ufeff]/g, '').replace(/[\u00a0\u2007\u202f]/g, ' ');
  let mentioned = false;
  if (options.mention) {
    const trimmed = out.replace(/^\s+/, '');
    const sticky = new RegExp(options.mention.source, `${options.mention.flags.replace(/[gy]/g, '')}y`);
    const match = sticky.exec(trimmed);
    if (match) {
      mentioned = true;
      out = trimmed.slice(match[0].length).replace(/^[:,]/, '');
    }
  }
  out = unwrapSlackLinks(out);
  if (options.decodeSlackEntities) out = decodeSlackEntities(out);
  return { text: normalizeQuotes(out).trim(), mentioned };
}

/**
 * Matches `@name` as a whole word (Rocket.Chat, Mattermost, the console), case-insensitive:
 * `@Switchboard ping` matches `switchboard`, `@switchboardx` does not.
 */
export function nameMentionPattern(name: string): RegExp {
  return new RegExp(`@${escapeRegExp(name)}(?![\\w.-])`, 'i');
}

/** `<url>` or `<url|label>` for the URL schemes Slack links; `<a:name:id>` (a Discord emoji) is no link. */
const linkMarkup = /<((?:https?|mailto|ftps?|sftp|ssh|tel|file|slack):[^<>|\s]*)(?:\|([^<>]*))?>/gi;

/**
 * Replaces Slack link markup with what the user typed: `<https://x|label>` → `label`,
 * `<https://x>` → `https://x`, `<mailto:a@b|a@b>` → `a@b`, `<#C123|general>` → `#general`.
 * Only links with a known scheme (http, https, mailto, ftp, ftps, sftp, ssh, tel, file, slack)
 * and labelled channel references are touched; user mentions (`<@U…>`),
 * special mentions (`<!here>`) and other angle brackets stay as they are.
 */
export function unwrapSlackLinks(text: string): string {
  return text
    .replace(linkMarkup, (_all, url: string, label?: string) => (label ? label : url))
    .replace(/<#[A-Z0-9]+\|([^<>]+)>/gi, (_all, name: string) => `#${name}`);
}

/** Decodes the entities Slack escapes in message text; `&amp;` last, so `&amp;lt;` stays `&lt;`. */
export function decodeSlackEntities(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

const singleQuotes = /[\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\uff07]/g;
const doubleQuotes = /[\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e\u301f\uff02]/g;

/**
 * Turns typographic quotes into ASCII so they quote in commands: single ones (‘ ’ ‚ ‛ ′ ‵ ‹ ›
 * ＇) become `'`, double ones (“ ” „ ‟ ″ ‶ « » 〝 〞 〟 ＂) become `"`. Botkube turns all of them
 * into `"`; keeping single as single means `‘a b’` still quotes and `"it’s"` stays one word.
 */
export function normalizeQuotes(text: string): string {
  return text.replace(singleQuotes, "'").replace(doubleQuotes, '"');
}

/** `text` with every regular-expression metacharacter escaped, to match it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
