import { backoffDelay } from './backoff.js';
import type { DeliveryError, DeliveryFailureReason } from './delivery-error.js';
import type { DeliverySettings } from './destination.js';

/** What a channel does after a failed try. */
export type FailureDecision =
  /** The platform rate-limited us: pause the channel this long, keep the message, try again. */
  | { action: 'pause'; ms: number }
  /** A transient failure: try again after this backoff. */
  | { action: 'retry'; ms: number }
  /** A digest was too large: send a smaller one. */
  | { action: 'shrink' }
  /** Give up on the message: log and count it. `expired` when it kept failing past giveUpAfter. */
  | { action: 'drop'; expired: boolean };

export interface FailureContext {
  err: unknown;
  /** Transient failures of the channel in a row before this one. */
  attempts: number;
  /** Rate-limit answers in a row before this one. */
  rateLimits: number;
  /** When the oldest message of the failed try was queued (epoch ms). */
  oldestEnqueuedAt: number;
  now: number;
  /** The try was a digest that can still be made smaller. */
  canShrink: boolean;
  retry: DeliverySettings['retry'];
  random?: () => number;
}

/**
 * Classifies a failed delivery by what happens next. Only a DeliveryError (checked by its
 * code) can be retried; anything else is a bug in a destination and is not retried. Rate
 * limits wait as long as the platform said (or back off when it did not say), and are never
 * given up on; other retryable failures back off until the message is older than
 * `retry.giveUpAfter`.
 */
export function decideAfterFailure(context: FailureContext): {
  reason: DeliveryFailureReason;
  decision: FailureDecision;
} {
  const delivery =
    (context.err as { code?: string } | undefined)?.code === 'SB_ERR_DELIVERY'
      ? (context.err as DeliveryError)
      : undefined;
  const reason = delivery?.reason ?? 'other';
  const policy = { initialMs: context.retry.initialBackoff.ms, maxMs: context.retry.maxBackoff.ms };
  if (reason === 'rate-limited') {
    const ms = delivery?.retryAfterMs ?? backoffDelay(context.rateLimits + 1, policy, context.random);
    return { reason, decision: { action: 'pause', ms: Math.max(0, ms) } };
  }
  const expired = context.now - context.oldestEnqueuedAt >= context.retry.giveUpAfter.ms;
  if (delivery?.retryable && !expired) {
    return {
      reason,
      decision: { action: 'retry', ms: backoffDelay(context.attempts + 1, policy, context.random) },
    };
  }
  if (reason === 'too-large' && context.canShrink) return { reason, decision: { action: 'shrink' } };
  return { reason, decision: { action: 'drop', expired: expired && !!delivery?.retryable } };
}
