import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import type { DeliverySettings, Destination, Outbound } from './destination.js';
import type { Overflow } from './overflow.js';
import type { DeliveryQueue, QueuedDelivery, QueueKey, QueueLane } from './queue.js';
import type { PostedKey } from './queue-store.js';
import type { SummaryCache } from './summary-cache.js';

export interface ChannelWorkerOptions {
  key: QueueKey;
  /** Fixed for the channel: chat channels get digests, sinks get every event on its own. */
  kind: 'chat' | 'sink';
  /** Looked up on every try: a reload may replace the destination. */
  destination(): Destination | undefined;
  queue: DeliveryQueue;
  settings: DeliverySettings;
  nextId(): number;
  /**
   * Whether one more event may be queued, given the events this channel has queued; false
   * folds it into the overflow count. The pipeline applies the memory bounds or the store's
   * size cap (making room by evicting older events) here.
   */
  room(queuedEvents: number): boolean;
  /** Dedup keys of events posted before a restart (from a durable store), oldest first. */
  posted?: readonly PostedKey[];
  /** Queued events and replies changed by these amounts. */
  onDepth(events: number, replies: number): void;
  /** Digest lines per event, shared by the pipeline's channels (an event is summarised once). */
  summaries: SummaryCache;
  log: Logger;
  metrics?: AgentMetrics;
  random?: () => number;
}

/** What a worker had not delivered when it was abandoned. */
export interface Leftover {
  replies: number;
  events: number;
  /** Events counted without details and not yet reported (chat) or logged (sinks). */
  overflow: number;
}

/** One try of a channel worker: the queued items it settles, and what is sent for them. */
export interface Batch {
  lane: QueueLane;
  items: QueuedDelivery[];
  outbound: Outbound;
  /** Set for digests: the overflow tally they report. */
  overflow?: Overflow;
  /** The token bucket's state after this batch spent a token. */
  spent?: number;
}
