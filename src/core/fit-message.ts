/**
 * The one "fit for destination" decision: given a message and what the destination can take, send
 * it inline, cut it with a note, or cut it and attach the whole text as a file. The command bridge
 * applies it once per posted message; renderers only guard their own hard limits.
 */
import type { Message } from '../contract/message.js';
import { type LengthUnit, measureText } from './message-limits.js';

/** The part of a destination's capabilities the decision reads. */
export interface FitTarget {
  /** Longest text one message may carry. */
  maxMessageLength: number;
  /** How the destination counts `maxMessageLength`; default `utf16`. */
  lengthUnit?: LengthUnit;
  /** The destination accepts a file with the message. */
  files: boolean;
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
 * whole body as that file. Messages without a body, or whose body fits, go inline unchanged.
 */
export function fitForDestination(
  message: Message,
  target: FitTarget,
  options: FitForDestinationOptions,
): FitDecision {
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
