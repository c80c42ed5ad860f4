import type { PostedRef } from '../delivery/destination.js';
import type { DeliveryPipeline } from '../delivery/pipeline.js';
import type { Logger } from '../log/logger.js';

/** The outbox of a replica in HA mode: a delivery pipeline per leadership term. */
export interface TermOutbox extends DeliveryPipeline {
  /** Opens the term's pipeline (the shared JetStream queue: what the last leader left is delivered). */
  begin(): void;
  /**
   * Ends the term at once: no new post starts (posts in flight finish); what is queued stays in
   * the shared queue for the next leader.
   */
  end(): Promise<void>;
}

/** Messages offered between terms are logged at most this often, with counts. */
const logEveryMs = 10_000;

/**
 * Only the leader delivers, so a replica opens the shared queue when its term begins and closes
 * it (without draining) when the term ends: a deposed leader posting while its successor does
 * would double messages. Between terms the replica has no chat connection and no source stream;
 * what still arrives (the answer of a command that was running at the step-down) is not
 * delivered, and is counted and logged.
 */
export function createTermOutbox(open: () => DeliveryPipeline, logger: Logger): TermOutbox {
  const log = logger.child({ component: 'delivery' });
  let current: DeliveryPipeline | undefined;
  let ending: Promise<void> = Promise.resolve();
  let notLeading = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  function refused(): Promise<PostedRef | undefined> {
    notLeading += 1;
    const now = Date.now();
    if (now - loggedAt >= logEveryMs) {
      loggedAt = now;
      log.warn(
        { notDelivered: notLeading },
        'a message came while this replica does not lead (a command answered after the step-down); not delivered',
      );
    }
    return Promise.resolve(undefined);
  }

  return {
    begin() {
      if (closed || current) return;
      current = open();
    },
    end() {
      const pipeline = current;
      current = undefined;
      if (pipeline) ending = ending.then(() => pipeline.close({ drainMs: 0 }));
      return ending;
    },
    send: (outbound) => (current ? current.send(outbound) : refused()),
    persisted: () => current?.persisted() ?? Promise.resolve(),
    depths: () => current?.depths() ?? [],
    storeStatus: () =>
      current?.storeStatus() ?? { items: 0, bytes: 0, droppedAtCap: 0, awaitingDestination: 0 },
    resume: () => current?.resume(),
    async close(options) {
      closed = true;
      const pipeline = current;
      current = undefined;
      await ending;
      await pipeline?.close(options);
    },
  };
}
