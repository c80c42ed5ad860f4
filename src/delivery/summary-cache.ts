import type { Message } from '../contract/message.js';
import { summarizeEvent } from './event-summary.js';

/** Characters of one digest line in the message, before it is cut. */
export const digestLineChars = 200;
/** Characters of one line of a digest's attached file. */
export const fileLineChars = 2000;

interface Summaries {
  line?: string;
  detail?: string;
  at?: number;
  /** The digest line parts for the sources array last asked for (the copies of an event share it). */
  described?: { sources: readonly string[]; line: DescribedEvent; fileLine?: string };
}

/** An event's part of a digest: who sent it, its line, when it happened. */
export interface DescribedEvent {
  label: string;
  summary: string;
  /** The event's own time in epoch ms (NaN when it has none). */
  at: number;
  /** Identical keys fold into one `N×` line. */
  key: string;
}

/**
 * The digest texts of each event, computed once per event: the source bridge hands the same
 * `Message` object to every channel an event goes to, and a channel that falls behind puts the
 * same waiting events into digest after digest, so summarising per digest and per channel
 * would cost (channels × digests) summaries per event. Keyed weakly: an entry goes when the
 * last queue holding its message lets go of it. One per pipeline, shared by its channels.
 */
export class SummaryCache {
  readonly #entries = new WeakMap<Message, Summaries>();

  /** The event's digest line (title, detail, first fields), cut at {@link digestLineChars}. */
  line(message: Message): string {
    const entry = this.#entry(message);
    entry.line ??= summarizeEvent(message, digestLineChars);
    return entry.line;
  }

  /** The event's line in an attached digest file: every field, cut at {@link fileLineChars}. */
  detail(message: Message): string {
    const entry = this.#entry(message);
    entry.detail ??= summarizeEvent(message, fileLineChars, Number.POSITIVE_INFINITY);
    return entry.detail;
  }

  /** The event's own timestamp in epoch ms, or NaN when it has none. */
  stamp(message: Message): number {
    const entry = this.#entry(message);
    entry.at ??= message.timestamp ? new Date(message.timestamp).getTime() : Number.NaN;
    return entry.at;
  }

  /**
   * The event's digest parts as sent through `sources`: every channel an event goes to gets the
   * same sources array, so the label and fold key are built once per event, not per copy.
   */
  described(message: Message, sources: readonly string[]): DescribedEvent {
    const entry = this.#entry(message);
    const known = entry.described;
    if (known && known.sources === sources) return known.line;
    const label =
      sources.length === 1
        ? (sources[0] as string)
        : sources.length > 0
          ? sources.join('+')
          : 'unknown source';
    const summary = this.line(message);
    const line = { label, summary, at: this.stamp(message), key: `${label}\u0000${summary}` };
    entry.described = { sources, line };
    return line;
  }

  /** The event's line in an attached file (`<time> [<label>] <detail>`), built once per event. */
  fileLine(message: Message, line: DescribedEvent, at: number): string {
    const described = this.#entry(message).described;
    if (described?.line === line && described.fileLine !== undefined) return described.fileLine;
    const text = `${new Date(at).toISOString()} [${line.label}] ${this.detail(message)}`;
    // Only an event with a time of its own has the same line in every channel.
    if (described?.line === line && at === line.at) described.fileLine = text;
    return text;
  }

  #entry(message: Message): Summaries {
    let entry = this.#entries.get(message);
    if (!entry) {
      entry = {};
      this.#entries.set(message, entry);
    }
    return entry;
  }
}
