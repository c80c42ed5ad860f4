import type { Outbound, PostedRef } from './destination.js';

/** The single path every outbound message takes; bridges and bots never send on their own. */
export interface Outbox {
  /** Delivers one message; undefined when it could not be delivered (the failure is logged and counted). */
  send(outbound: Outbound): Promise<PostedRef | undefined>;
}
