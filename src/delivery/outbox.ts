import type { Outbound, PostedRef } from './destination.js';

/** The single path every outbound message takes; bridges and bots never send on their own. */
export interface Outbox {
  /** Delivers one message; undefined when it could not be delivered (the failure is logged and counted). */
  send(outbound: Outbound): Promise<PostedRef | undefined>;
  /**
   * The same as `send` for a caller that does not wait: no promise is made. `done`, when given,
   * is called once with what `send` would resolve with (possibly before `post` returns); a
   * caller passes one function for many messages, so a fan-out allocates nothing per copy to
   * hear back. Absent on outboxes that only `send`.
   */
  post?(outbound: Outbound, done?: (ref: PostedRef | undefined) => void): void;
  /**
   * Resolves once every message `send` accepted so far is in the durable queue (at once when
   * the queue keeps nothing); rejects when that write failed. A caller that acknowledges
   * upstream (an incoming webhook's HTTP answer) waits for it, so an acknowledged event
   * survives a crash. Absent on outboxes that store nothing.
   */
  persisted?(): Promise<void>;
}
