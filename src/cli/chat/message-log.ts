import type { ConsoleMessage } from '../../core/console-protocol.js';

export interface MessageLogOptions {
  /** Prints one message; `updated` marks a reprint after edits. */
  print(entry: ConsoleMessage, updated: boolean): void;
  /** Output still streaming is reprinted at most this often (the latest version). */
  streamingReprintMs: number;
}

interface Pending {
  entry: ConsoleMessage;
  timer: NodeJS.Timeout;
}

/** Revisions remembered per message, to skip what was printed before a reconnect. */
const rememberedMessages = 5000;

/**
 * Decides what a terminal prints. A terminal cannot change lines it printed, so output that
 * streams (edits marked `streaming`) is printed when posted, then at most every
 * `streamingReprintMs` while it goes on, and whole as soon as its last edit (the one without
 * `streaming`) arrives. Other edits are printed at once. After a reconnect, history the
 * terminal already printed at that revision is not printed again.
 */
export class MessageLog {
  readonly #printed = new Map<string, number>();
  readonly #pending = new Map<string, Pending>();
  /** Messages whose latest version is still streaming: their command has not finished. */
  readonly #streaming = new Set<string>();
  readonly #options: MessageLogOptions;

  constructor(options: MessageLogOptions) {
    this.#options = options;
  }

  /**
   * Messages seen streaming since the last reset whose last edit has not come yet (a due reprint
   * is always of one of them): a terminal reading commands from a pipe waits for them to finish.
   */
  get unfinished(): number {
    return this.#streaming.size;
  }

  /** A new message: printed now. */
  post(entry: ConsoleMessage): void {
    this.#track(entry);
    this.#print(entry, false);
  }

  /** An edit: printed now when it completes a message, later when more output is coming. */
  edit(entry: ConsoleMessage): void {
    this.#track(entry);
    if (!this.#printed.has(entry.id) || !entry.streaming) {
      this.#print(entry, this.#printed.has(entry.id));
      return;
    }
    const previous = this.#pending.get(entry.id);
    if (previous) {
      previous.entry = entry;
      return;
    }
    const timer = setTimeout(() => this.#flush(entry.id), this.#options.streamingReprintMs);
    this.#pending.set(entry.id, { entry, timer });
  }

  /** A history entry after (re)connecting: printed unless already printed at this revision. */
  recall(entry: ConsoleMessage): void {
    // Output that finished while the terminal was disconnected: its last edit is this history.
    if (!entry.streaming) this.#streaming.delete(entry.id);
    const seen = this.#printed.get(entry.id);
    if (seen === entry.revision) return;
    this.#print(entry, seen !== undefined);
  }

  /** Whether the message with this id was printed (or marked) in this session. */
  has(id: string): boolean {
    return this.#printed.has(id);
  }

  /** Remembers `entry` as printed without printing it (history older than what is shown). */
  mark(entry: ConsoleMessage): void {
    this.#remember(entry);
  }

  /** Forgets everything printed (the agent restarted, so message ids start over). */
  reset(): void {
    this.flushAll();
    this.#printed.clear();
    // The agent that was running those commands is gone; their last edits will never come.
    this.#streaming.clear();
  }

  /** Prints every pending edit now. */
  flushAll(): void {
    for (const id of [...this.#pending.keys()]) this.#flush(id);
  }

  #flush(id: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (this.#printed.get(id) === pending.entry.revision) return;
    this.#print(pending.entry, true);
  }

  #print(entry: ConsoleMessage, updated: boolean): void {
    const pending = this.#pending.get(entry.id);
    if (pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(entry.id);
    }
    this.#remember(entry);
    this.#options.print(entry, updated);
  }

  #track(entry: ConsoleMessage): void {
    if (entry.streaming) this.#streaming.add(entry.id);
    else this.#streaming.delete(entry.id);
  }

  #remember(entry: ConsoleMessage): void {
    this.#printed.delete(entry.id);
    this.#printed.set(entry.id, entry.revision);
    if (this.#printed.size > rememberedMessages) {
      this.#printed.delete(this.#printed.keys().next().value as string);
    }
  }
}
