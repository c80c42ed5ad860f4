/**
 * Interactions the bot has acknowledged and may still answer through their webhook: a deferred
 * slash command (its "thinking…" reply is edited into the answer) or a deferred component use
 * (answers are follow-ups). Discord lets a token be used for 15 minutes; entries are dropped a
 * little earlier, after which answers go to the channel as ordinary messages.
 */

export interface PendingInteraction {
  id: string;
  /** The interaction token: a credential for its webhook, never logged. */
  token: string;
  applicationId: string;
  /** `command`: a deferred reply waits to be edited; `component`: the click was acknowledged silently. */
  kind: 'command' | 'component';
  receivedAt: number;
  /** The deferred reply was edited into an answer (or removed); later answers are follow-ups. */
  originalUsed: boolean;
}

/** Under Discord's 15 minutes, so a call made at the edge does not fail with an expired token. */
const usableMs = 14 * 60 * 1000;
const kept = 2000;

export class InteractionBook {
  readonly #entries = new Map<string, PendingInteraction>();

  constructor(private readonly now: () => number = Date.now) {}

  add(entry: Omit<PendingInteraction, 'originalUsed'>): void {
    this.#entries.set(entry.id, { ...entry, originalUsed: false });
    for (const [id, e] of this.#entries) {
      if (this.#entries.size <= kept && this.now() - e.receivedAt < usableMs) break;
      this.#entries.delete(id);
    }
  }

  /** The interaction while its token may still be used. */
  get(id: string): PendingInteraction | undefined {
    const entry = this.#entries.get(id);
    if (entry && this.now() - entry.receivedAt >= usableMs) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry;
  }

  forget(id: string): void {
    this.#entries.delete(id);
  }
}
