import type { ConsoleMessage } from '../../bots/console/page/protocol.js';

export interface MessageLogOptions {
  /** Prints one message; `updated` marks a reprint after edits. */
  print(entry: ConsoleMessage, updated: boolean): void;
  /** An edited message is reprinted once it has not changed for this long. */
  quietMs: number;
  /** …or at the latest this long after its first unprinted edit, for output that keeps streaming. */
  maxWaitMs: number;
}

interface Pending {
  entry: ConsoleMessage;
  since: number;
  timer: NodeJS.Timeout;
}

/** Revisions remembered per message, to skip what was printed before a reconnect. */
const rememberedMessages = 5000;

/**
 * Decides what a terminal prints. A terminal cannot change lines it printed, so a message that
 * is edited (streaming output) is printed when posted and reprinted, whole, once its edits
 * settle, rather than once per edit. After a reconnect, history the terminal already printed at
 * that revision is not printed again.
 */
export class MessageLog {
  readonly #printed = new Map<string, number>();
  readonly #pending = new Map<string, Pending>();
  readonly #options: MessageLogOptions;

  constructor(options: MessageLogOptions) {
    this.#options = options;
  }

  /** Edits not printed yet. */
  get pendingEdits(): number {
    return this.#pending.size;
  }

  /** A new message: printed now. */
  post(entry: ConsoleMessage): void {
    this.#print(entry, false);
  }

  /** An edit: printed when it settles (a message never printed is printed now). */
  edit(entry: ConsoleMessage): void {
    if (!this.#printed.has(entry.id)) {
      this.#print(entry, false);
      return;
    }
    const now = Date.now();
    const previous = this.#pending.get(entry.id);
    if (previous) clearTimeout(previous.timer);
    const since = previous?.since ?? now;
    const wait = Math.max(0, Math.min(this.#options.quietMs, since + this.#options.maxWaitMs - now));
    const timer = setTimeout(() => this.#flush(entry.id), wait);
    this.#pending.set(entry.id, { entry, since, timer });
  }

  /** A history entry after (re)connecting: printed unless already printed at this revision. */
  recall(entry: ConsoleMessage): void {
    const seen = this.#printed.get(entry.id);
    if (seen === entry.revision) return;
    this.#print(entry, seen !== undefined);
  }

  /** Remembers `entry` as printed without printing it (history older than what is shown). */
  mark(entry: ConsoleMessage): void {
    this.#remember(entry);
  }

  /** Forgets everything printed (the agent restarted, so message ids start over). */
  reset(): void {
    this.flushAll();
    this.#printed.clear();
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

  #remember(entry: ConsoleMessage): void {
    this.#printed.delete(entry.id);
    this.#printed.set(entry.id, entry.revision);
    if (this.#printed.size > rememberedMessages) {
      this.#printed.delete(this.#printed.keys().next().value as string);
    }
  }
}
