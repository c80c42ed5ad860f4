import { SwitchboardError } from '../errors/switchboard-error.js';

/** Why a delivery failed; a closed set, used as a metrics label. */
export type DeliveryFailureReason =
  | 'rate-limited'
  | 'unavailable'
  | 'timeout'
  | 'rejected'
  | 'too-large'
  | 'unknown-channel'
  | 'auth'
  | 'other';

/**
 * A message could not be delivered. `retryable` tells the pipeline whether to try
 * again; `retryAfterMs` carries a platform's Retry-After.
 */
export class DeliveryError extends SwitchboardError {
  readonly retryable: boolean;
  readonly reason: DeliveryFailureReason;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { reason: DeliveryFailureReason; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super('SB_ERR_DELIVERY', message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.reason = options.reason;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}
