import type { Outbound, PostedRef } from './destination.js';

/** The single path every outbound message takes; bridges and bots never send on their own. */
export interface Outbox {
  /** Delivers one message; undefined when it could not be delivered (the failure is logged and counted). */
  send(outbound: Outbound): Promise<PostedRef | undefined>;
  /**
   * Resolves once every message `send` accepted so far is in the durable queue (at once when
   * the queue keeps nothing); rejects when that write failed. A caller that acknowledges
   * upstream (an incoming webhook's HTTP answer) waits for it, so an acknowledged event
   * survives a crash. Absent on outboxes that store nothing.
   */
  persisted?(): Promise<void>;
}
