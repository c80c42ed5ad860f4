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

  #entry(message: Message): Summaries {
    let entry = this.#entries.get(message);
    if (!entry) {
      entry = {};
      this.#entries.set(message, entry);
    }
    return entry;
  }
}
