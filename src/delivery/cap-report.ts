import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import type { StoreCounts } from './queue-store.js';

/** Drops at the cap are logged at the first one, then at most this often, with exact counts. */
const logEveryMs = 10_000;

/**
 * Events dropped because the durable queue reached its size cap: each is counted in
 * `switchboard_delivery_store_dropped_total{destination}` and in the total `/status` shows, and
 * logged at warn (the first at once, then summed at most every 10 s), so no drop goes unseen.
 */
export class CapReport {
  #total = 0;
  #unlogged = new Map<string, number>();
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: Logger,
    private readonly metrics?: AgentMetrics,
  ) {}

  /** Events dropped at the cap since start. */
  get total(): number {
    return this.#total;
  }

  /** One event of `destinationId` was dropped (evicted, or not queued when nothing could be). */
  dropped(destinationId: string, counts: StoreCounts, capBytes: number, now = Date.now()): void {
    this.#total += 1;
    this.metrics?.deliveryStoreDropped.inc({ destination: destinationId });
    this.#unlogged.set(destinationId, (this.#unlogged.get(destinationId) ?? 0) + 1);
    if (now - this.#loggedAt >= logEveryMs) this.flush(counts, capBytes, now);
  }

  /** Logs the drops not logged yet (the pipeline calls it when it closes). */
  flush(counts: StoreCounts, capBytes: number, now = Date.now()): void {
    if (this.#unlogged.size === 0) return;
    this.#loggedAt = now;
    const byDestination = Object.fromEntries(this.#unlogged);
    this.#unlogged.clear();
    this.log.warn(
      {
        dropped: byDestination,
        droppedTotal: this.#total,
        storedBytes: counts.bytes,
        storedItems: counts.items,
        capBytes,
      },
      'delivery queue file at its size cap (settings.delivery.store.maxSizeMiB): oldest events dropped',
    );
  }
}
