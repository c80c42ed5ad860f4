import type { ConsoleMessage } from '../../core/console-protocol.js';

/** How much of each channel the console keeps for clients that connect later. */
export interface HistoryLimits {
  /** Messages per channel. */
  messages: number;
  /** Serialized size per channel, in characters; one message over it is still kept. */
  chars: number;
}

interface Entry {
  message: ConsoleMessage;
  size: number;
}

/**
 * The recent messages of each channel, oldest first, bounded by count and by size; the oldest
 * go first. Edits replace a message in place, so a late client sees streaming output as it
 * stands, not every step of it.
 */
export class ConsoleHistory {
  /** Per channel: entries oldest first, and the same entries by message id (puts and gets look up by id). */
  readonly #channels = new Map<string, { entries: Entry[]; byId: Map<string, Entry>; chars: number }>();
  readonly #limits: HistoryLimits;

  constructor(channels: readonly string[], limits: HistoryLimits) {
    if (limits.messages < 1 || limits.chars < 1) {
      throw new RangeError(`history limits must be positive, got ${JSON.stringify(limits)}`);
    }
    this.#limits = limits;
    for (const channel of channels) this.#channels.set(channel, { entries: [], byId: new Map(), chars: 0 });
  }

  has(channel: string): boolean {
    return this.#channels.has(channel);
  }

  /**
   * Adds a message, or replaces the one with the same id. `size` is its serialized length.
   * Returns false when the channel is unknown.
   */
  put(message: ConsoleMessage, size: number): boolean {
    const channel = this.#channels.get(message.channel);
    if (!channel) return false;
    const old = channel.byId.get(message.id);
    if (old) {
      channel.chars += size - old.size;
      old.message = message;
      old.size = size;
    } else {
      const entry = { message, size };
      channel.entries.push(entry);
      channel.byId.set(message.id, entry);
      channel.chars += size;
    }
    while (
      channel.entries.length > 1 &&
      (channel.entries.length > this.#limits.messages || channel.chars > this.#limits.chars)
    ) {
      const dropped = channel.entries.shift() as Entry;
      channel.byId.delete(dropped.message.id);
      channel.chars -= dropped.size;
    }
    return true;
  }

  /** The message with `id` in `channel`, if it is still kept. */
  get(channel: string, id: string): ConsoleMessage | undefined {
    return this.#channels.get(channel)?.byId.get(id)?.message;
  }

  /** The kept messages of `channel`, oldest first. */
  list(channel: string): ConsoleMessage[] {
    return (this.#channels.get(channel)?.entries ?? []).map((e) => e.message);
  }
}
