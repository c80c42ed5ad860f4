/**
 * Discord REST failures as DeliveryErrors the pipeline acts on: retried (rate limit, outage,
 * network) or given up (unknown channel, missing access, rejected body). Messages never carry the
 * token: discord.js errors name the route, not the Authorization header.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { DeliveryError, type DeliveryFailureReason } from '../../delivery/delivery-error.js';

/** Discord JSON error codes and the delivery outcome each one means. */
const codeReasons: Record<number, { reason: DeliveryFailureReason; retryable: boolean }> = {
  10003: { reason: 'unknown-channel', retryable: false },
  10008: { reason: 'rejected', retryable: false },
  10062: { reason: 'rejected', retryable: false },
  40005: { reason: 'too-large', retryable: false },
  50001: { reason: 'auth', retryable: false },
  50013: { reason: 'auth', retryable: false },
  50006: { reason: 'rejected', retryable: false },
  50035: { reason: 'rejected', retryable: false },
};

/** The Discord JSON error code of a REST failure, when it is one. */
export function discordErrorCode(err: unknown): number | undefined {
  return err instanceof DiscordAPIError && typeof err.code === 'number' ? err.code : undefined;
}

export function deliveryErrorFrom(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const fail = (reason: DeliveryFailureReason, retryable: boolean, detail: string, retryAfterMs?: number) =>
    new DeliveryError(`Discord ${what} failed: ${detail}`, {
      reason,
      retryable,
      cause: err,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  if (err instanceof RateLimitError) return fail('rate-limited', true, 'rate limited', err.retryAfter);
  if (err instanceof DiscordAPIError) {
    const known = typeof err.code === 'number' ? codeReasons[err.code] : undefined;
    if (known) return fail(known.reason, known.retryable, `${err.code} ${err.message}`);
    if (err.status === 401 || err.status === 403) return fail('auth', false, `${err.status} ${err.message}`);
    if (err.status === 404) return fail('unknown-channel', false, `404 ${err.message}`);
    if (err.status >= 500) return fail('unavailable', true, `${err.status} ${err.message}`);
    return fail('rejected', false, `${err.status} ${err.code} ${err.message}`);
  }
  if (err instanceof HTTPError)
    return fail(err.status >= 500 ? 'unavailable' : 'rejected', err.status >= 500, `HTTP ${err.status}`);
  const e = err as { name?: string; message?: string };
  if (e?.name === 'AbortError') return fail('timeout', true, 'request timed out');
  return fail('unavailable', true, e?.message ?? String(err));
}
