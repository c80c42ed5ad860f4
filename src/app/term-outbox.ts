import type { PostedRef } from '../delivery/destination.js';
import type { DeliveryPipeline } from '../delivery/pipeline.js';
import type { Logger } from '../log/logger.js';

/** The outbox of a replica in HA mode: a delivery pipeline per leadership term. */
export interface TermOutbox extends DeliveryPipeline {
  /** Opens the term's pipeline (the shared JetStream queue: what the last leader left is delivered). */
  begin(): void;
  /**
   * Ends the term: delivery goes on for at most `drainMs` (0: no new post starts), then what is
   * queued stays in the shared queue for the next leader.
   */
  end(drainMs?: number): Promise<void>;
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
  /** The pipeline of the term that just ended: it still stores what it accepted while closing. */
  let ended: DeliveryPipeline | undefined;
  /** Messages refused since the last term ended. */
  let refusedSinceEnd = 0;
  let ending: Promise<void> = Promise.resolve();
  let notLeading = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  function refused(): Promise<PostedRef | undefined> {
    notLeading += 1;
    refusedSinceEnd += 1;
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
      ended = undefined;
    },
    end(drainMs = 0) {
      const pipeline = current;
      current = undefined;
      ended = pipeline;
      refusedSinceEnd = 0;
      if (pipeline) ending = ending.then(() => pipeline.close({ drainMs }));
      return ending;
    },
    send: (outbound) => (current ? current.send(outbound) : refused()),
    // Between terms: what the ended term accepted is still written while its pipeline closes
    // (the sender gets 200 once it is); once a message was refused, a webhook answered now must
    // be refused too (503, retried on the next leader), or its dropped event would be lost while
    // the sender was told 200.
    persisted: () => {
      if (current) return current.persisted();
      if (refusedSinceEnd > 0 || !ended)
        return Promise.reject(
          new Error('this replica stopped leading before the event was stored (another replica takes over)'),
        );
      return ended.persisted();
    },
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
