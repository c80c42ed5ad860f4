/**
 * The one "fit for destination" decision: given a message and what the destination can take, send
 * it inline, cut it with a note, or cut it and attach the whole text as a file. The command bridge
 * applies it once per posted message; renderers only guard their own hard limits.
 */
import type { Message } from '../contract/message.js';
import { type LengthUnit, measureText, messageTextLength } from './message-limits.js';
import { renderMessageText } from './render-text.js';

/** The part of a destination's capabilities the decision reads. */
export interface FitTarget {
  /** Longest text one message may carry. */
  maxMessageLength: number;
  /** How the destination counts `maxMessageLength`; default `utf16`. */
  lengthUnit?: LengthUnit;
  /** The destination accepts a file with the message. */
  files: boolean;
  /**
   * Longest readable text of the whole message, sections included (see `messageTextLength`),
   * for destinations that split one message into several parts; default `maxMessageLength`.
   */
  maxTotalLength?: number;
}

/** Options for {@link fitForDestination}. */
export interface FitForDestinationOptions {
  /** Name of the attached file, e.g. `output.txt`. */
  fileName: string;
  /**
   * Room left for what goes around the body (header, fences, the note); default 400. The body
   * may use the rest, and never less than 100.
   */
  reserve?: number;
  /**
   * A live snapshot of output still running: it is cut like the final answer but gets no file
   * (the final answer carries it), and its note already says the file will be attached.
   */
  snapshot?: boolean;
}

/** What to send: the message as is, cut with a note, or cut with the whole text attached. */
export type FitDecision =
  | { action: 'inline'; message: Message }
  | { action: 'cut'; message: Message; omitted: number }
  | { action: 'attach'; message: Message; omitted: number; file: { name: string; content: Uint8Array } };

/**
 * Decides how `message` reaches a destination described by `target`. A body (`codeBlock`, else
 * `plaintext`) longer than the room keeps its end (the latest output matters most while a command
 * runs), preceded by a note saying how much was left out in the destination's unit; when the
 * destination takes files the note says the full output is attached and the decision carries the
 * whole body as that file. When the whole message (sections included) is still longer than
 * `maxTotalLength`, it is replaced by one line saying so (under its first section header, if
 * any), and the file is the whole message as
 * plain text. Messages within both limits go inline unchanged.
 */
export function fitForDestination(
  message: Message,
  target: FitTarget,
  options: FitForDestinationOptions,
): FitDecision {
  const decision = fitBody(message, target, options);
  // Sections can be too long even when the body fits (or was cut): the platform could not show
  // the message at all, so a short stand-in goes and the whole text is the file.
  const total = messageTextLength(decision.message);
  if (total <= (target.maxTotalLength ?? target.maxMessageLength)) return decision;
  const full = renderMessageText(message, { format: 'plain' }).full;
  const withFile = target.files && !options.snapshot;
  // The first header still says what the message is about; it is one short line.
  const header = message.sections?.find((section) => section.header)?.header?.slice(0, 150);
  const stub: Message = {
    ...(message.timestamp !== undefined ? { timestamp: message.timestamp } : {}),
    ...(header ? { sections: [{ header }] } : {}),
    baseBody: {
      plaintext: withFile
        ? `This message has ${total} characters, too many to show here; the whole text is attached.`
        : `This message has ${total} characters, too many to show here.`,
    },
  };
  if (!withFile) return { action: 'cut', message: stub, omitted: total };
  return {
    action: 'attach',
    message: stub,
    omitted: total,
    file: { name: options.fileName, content: new TextEncoder().encode(full) },
  };
}

/** The body step of {@link fitForDestination}: the message's `codeBlock` or `plaintext` alone. */
function fitBody(message: Message, target: FitTarget, options: FitForDestinationOptions): FitDecision {
  const unit = target.lengthUnit ?? 'utf16';
  const body = message.baseBody.codeBlock ?? message.baseBody.plaintext;
  const budget = Math.max(100, target.maxMessageLength - (options.reserve ?? 400));
  if (body === undefined) return { action: 'inline', message };
  const length = measureText(body, unit);
  if (length <= budget) return { action: 'inline', message };

  const omitted = length - budget;
  const note = target.files
    ? `… ${omitted} earlier characters not shown; full output attached …\n`
    : `… ${omitted} earlier characters not shown …\n`;
  const kept = note + tail(body, budget - measureText(note, unit), unit);
  const baseBody = message.baseBody.codeBlock !== undefined ? { codeBlock: kept } : { plaintext: kept };
  const cut = { ...message, baseBody };
  if (!target.files || options.snapshot) return { action: 'cut', message: cut, omitted };
  const file = { name: options.fileName, content: new TextEncoder().encode(body) };
  return { action: 'attach', message: cut, omitted, file };
}

/** The longest end of `text` whose length in `unit` is at most `room`, never splitting a code point. */
function tail(text: string, room: number, unit: LengthUnit): string {
  if (room <= 0) return '';
  if (unit === 'utf16') {
    const start = text.length - room;
    // Do not begin on the second half of a surrogate pair.
    const code = text.charCodeAt(start);
    return text.slice(code >= 0xdc00 && code <= 0xdfff ? start + 1 : start);
  }
  const points = Array.from(text);
  let used = 0;
  let from = points.length;
  while (from > 0) {
    const size = measureText(points[from - 1] as string, unit);
    if (used + size > room) break;
    used += size;
    from -= 1;
  }
  return points.slice(from).join('');
}
