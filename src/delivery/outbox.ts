import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import { DeliveryError } from './delivery-error.js';
import type { Destination, Outbound, PostedRef } from './destination.js';

/** The single path every outbound message takes; bridges and bots never send on their own. */
export interface Outbox {
  /** Delivers one message; undefined when it could not be delivered (the failure is logged and counted). */
  send(outbound: Outbound): Promise<PostedRef | undefined>;
}

export interface DirectOutboxOptions {
  destination(id: string): Destination | undefined;
  logger: Logger;
  metrics?: AgentMetrics;
}

/**
 * Delivers each message straight to its destination. This is the seam the
 * paced delivery pipeline (queues, coalescing, dedup, retries) replaces, without
 * touching bridges or bots.
 */
export function createDirectOutbox(options: DirectOutboxOptions): Outbox {
  const log = options.logger.child({ component: 'outbox' });
  return {
    async send(outbound) {
      const id = outbound.address.destinationId;
      const destination = options.destination(id);
      if (!destination) {
        log.warn({ destination: id }, 'message for an unknown destination dropped');
        options.metrics?.sendErrors.inc({ destination: id, reason: 'unknown-channel' });
        return undefined;
      }
      try {
        return await destination.deliver(outbound);
      } catch (err) {
        const reason = err instanceof DeliveryError ? err.reason : 'other';
        if (reason === 'rate-limited') options.metrics?.rateLimited.inc({ destination: id });
        options.metrics?.sendErrors.inc({ destination: id, reason });
        log.warn(
          { destination: id, channel: outbound.address.channelId, reason, err: (err as Error).message },
          'delivery failed',
        );
        return undefined;
      }
    },
  };
}
