import type { Outbound, PostedRef } from './destination.js';
import type { QueuedDelivery } from './queue.js';

/**
 * Tracks the queued (not yet sent) edit of each posted message, so a newer edit replaces it in
 * place: live output then costs one post per token however often the command updates it.
 */
export class EditCollapse {
  readonly #pending = new Map<string, QueuedDelivery>();

  /** The queued edit a new edit should replace, already updated in place; undefined when none. */
  replace(outbound: Outbound): QueuedDelivery | undefined {
    if (!outbound.replaces) return undefined;
    const key = keyOf(outbound.replaces);
    const pending = this.#pending.get(key);
    if (!pending) return undefined;
    const updated: QueuedDelivery = { ...pending, outbound };
    this.#pending.set(key, updated);
    return updated;
  }

  /** A new edit was queued. */
  queued(item: QueuedDelivery): void {
    if (item.outbound.replaces) this.#pending.set(keyOf(item.outbound.replaces), item);
  }

  /**
   * `item` is at the head of the queue. Returns the newer queued edit of the same message when
   * there is one (then `item` is stale and should be folded into it); otherwise marks `item`
   * as being sent, so later edits queue behind it instead of changing it.
   */
  take(item: QueuedDelivery): QueuedDelivery | undefined {
    if (!item.outbound.replaces) return undefined;
    const key = keyOf(item.outbound.replaces);
    const newest = this.#pending.get(key);
    if (newest && newest.id !== item.id) return newest;
    if (newest) this.#pending.delete(key);
    return undefined;
  }

  /** Sending `item` failed; it is queued again and takes newer edits unless one is already queued. */
  requeued(item: QueuedDelivery): void {
    if (!item.outbound.replaces) return;
    const key = keyOf(item.outbound.replaces);
    if (!this.#pending.has(key)) this.#pending.set(key, item);
  }
}

function keyOf(ref: PostedRef): string {
  return `${ref.channelId}\u0000${ref.messageId}`;
}
