import { DeliveryError } from '../delivery/delivery-error.js';
import type { Destination } from '../delivery/destination.js';

/**
 * Stands in for a platform that failed to start while it is retried: its messages fail as
 * retryable, so the delivery pipeline keeps them (within `settings.delivery.retry.giveUpAfter`)
 * and hands them to the real platform once it is up, instead of dropping them for a destination
 * that does not exist. It keeps the failed platform's kind, capabilities and pacing.
 */
export function unavailableDestination(failed: Destination, reason: () => string): Destination {
  return {
    id: failed.id,
    kind: failed.kind,
    capabilities: failed.capabilities,
    ...(failed.pacing ? { pacing: failed.pacing } : {}),
    deliver: () =>
      Promise.reject(
        new DeliveryError(`${failed.id} is not connected: ${reason()}`, {
          reason: 'unavailable',
          retryable: true,
        }),
      ),
  };
}
