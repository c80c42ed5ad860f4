/**
 * Message size: measuring text the way platforms count it, deciding whether an answer fits or
 * goes out as a file, and cutting a message's body to fit while keeping the rest of it. Each
 * platform's own limit is in its descriptor's capabilities (`maxMessageLength`, `lengthUnit`).
 */
import type { Message } from '../contract/message.js';
import { renderMessageText } from './render-text.js';

/**
 * How a platform counts: `utf16` code units (JavaScript `length`; Slack and Discord limits are
 * safe in it, since it never undercounts code points), Unicode `codepoints` (Mattermost runes),
 * or `utf8` bytes.
 */
export type LengthUnit = 'utf16' | 'codepoints' | 'utf8';

/** The length of `text` in `unit`. */
export function measureText(text: string, unit: LengthUnit = 'utf16'): number {
  switch (unit) {
    case 'utf16':
      return text.length;
    case 'codepoints': {
      let count = 0;
      for (const _ of text) count += 1;
      return count;
    }
    case 'utf8':
      return new TextEncoder().encode(text).length;
  }
}

/**
 * The characters (UTF-16 code units) of every text a person would read in `message`: bodies,
 * headers, descriptions, fields (key and value), bullet titles and items, button names and
 * descriptions, context, select and input labels and option names. Markup a renderer adds is not
 * counted, so renderers should keep a margin or measure their own output.
 */
export function messageTextLength(message: Message): number {
  let total = 0;
  const add = (...texts: (string | undefined)[]) => {
    for (const t of texts) total += t?.length ?? 0;
  };
  add(message.baseBody.plaintext, message.baseBody.codeBlock);
  for (const input of message.plaintextInputs ?? []) add(input.text, input.placeholder);
  for (const s of message.sections ?? []) {
    add(s.header, s.description, s.body?.plaintext, s.body?.codeBlock);
    for (const f of s.textFields ?? []) add(f.key, f.value);
    for (const l of s.bulletLists ?? []) add(l.title, ...(l.items ?? []));
    for (const b of s.buttons ?? []) add(b.name, b.description);
    for (const c of s.context ?? []) add(c.text);
    for (const i of s.plaintextInputs ?? []) add(i.text, i.placeholder);
    const m = s.multiSelect;
    if (m)
      add(
        m.name,
        m.description?.plaintext,
        m.description?.codeBlock,
        ...(m.options ?? []).map((o) => o.name),
      );
    for (const sel of s.selects?.items ?? []) {
      add(
        sel.name,
        ...(sel.optionGroups ?? []).flatMap((g) => [g.name, ...(g.options ?? []).map((o) => o.name)]),
      );
    }
  }
  return total;
}

/** Options for {@link fitMessageBody}. */
export interface FitOptions {
  /** Keep the `start` (default) or the `end` of the body (latest output, while streaming). */
  keep?: 'start' | 'end';
  /** Line put where the body was cut. Default says how many characters were left out. */
  notice?: (removedChars: number) => string;
}

/** The result of {@link fitMessageBody}. */
export interface FittedMessage {
  message: Message;
  cut: boolean;
  /** Characters of the body left out. */
  removedChars: number;
}

/**
 * Cuts the `baseBody` text (`codeBlock`, else `plaintext`) of `message` so that
 * {@link messageTextLength} is at most `maxChars`, keeping whole lines where possible (a single
 * line longer than the room is cut inside). The notice line goes where text was removed. The
 * rest of the message is kept; if it alone exceeds `maxChars`, the body is reduced to the
 * notice. The input is not changed.
 */
export function fitMessageBody(message: Message, maxChars: number, options: FitOptions = {}): FittedMessage {
  const key = message.baseBody.codeBlock !== undefined ? 'codeBlock' : 'plaintext';
  const body = message.baseBody[key] ?? '';
  const over = messageTextLength(message) - maxChars;
  if (over <= 0 || body === '') return { message, cut: false, removedChars: 0 };
  const keepEnd = options.keep === 'end';
  const noticeFor =
    options.notice ??
    ((n: number) =>
      keepEnd ? `… ${n} earlier characters not shown …` : `… ${n} more characters not shown …`);
  // The notice's length depends on the count it shows; measure it with the largest count.
  const room = Math.max(0, body.length - over - noticeFor(body.length).length - 1);
  let kept = keepEnd ? body.slice(body.length - room) : body.slice(0, room);
  if (keepEnd) {
    const newline = kept.indexOf('\n');
    if (newline !== -1 && body[body.length - room - 1] !== '\n') kept = kept.slice(newline + 1);
  } else {
    const newline = kept.lastIndexOf('\n');
    if (newline !== -1 && body[room] !== '\n') kept = kept.slice(0, newline);
  }
  const removed = body.length - kept.length;
  const notice = noticeFor(removed);
  const text = kept === '' ? notice : keepEnd ? `${notice}\n${kept}` : `${kept}\n${notice}`;
  return {
    message: { ...message, baseBody: { ...message.baseBody, [key]: text } },
    cut: true,
    removedChars: removed,
  };
}

/**
 * The file to attach when an answer is cut: the whole message rendered as plain text (UTF-8),
 * with `{{BotName}}` replaced by `botName` when given.
 */
export function outputAttachment(
  message: Message,
  options: { name?: string; botName?: string } = {},
): { name: string; content: Uint8Array } {
  const text = renderMessageText(message, options.botName ? { botName: options.botName } : {}).full;
  return { name: options.name ?? 'output.txt', content: new TextEncoder().encode(`${text}\n`) };
}
