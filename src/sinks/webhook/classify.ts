import { DeliveryError } from '../../delivery/delivery-error.js';
import { parseRetryAfter } from '../retry-after.js';

/** Longest piece of a receiver's error body quoted in an error message. */
const snippetChars = 300;

/**
 * The DeliveryError for a non-2xx answer: 429 and 5xx (and 408) are retried, honouring
 * `Retry-After`; 401/403 are `auth`, 413 `too-large`, any other status `rejected`, none
 * of them retried. `scrub` removes secrets from the receiver's text.
 */
export function responseError(
  what: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  scrub: (text: string) => string,
): DeliveryError {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const said = body.trim() === '' ? '' : `: ${oneLine(scrub(body))}`;
  const message = `${what} answered ${status}${said}`;
  const withRetryAfter = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429)
    return new DeliveryError(message, { reason: 'rate-limited', retryable: true, ...withRetryAfter });
  if (status === 408)
    return new DeliveryError(message, { reason: 'timeout', retryable: true, ...withRetryAfter });
  if (status >= 500)
    return new DeliveryError(message, { reason: 'unavailable', retryable: true, ...withRetryAfter });
  if (status === 401 || status === 403) {
    return new DeliveryError(`${message} (check the webhook's auth or headers)`, {
      reason: 'auth',
      retryable: false,
    });
  }
  if (status === 413) return new DeliveryError(message, { reason: 'too-large', retryable: false });
  if (status >= 300 && status < 400) {
    return new DeliveryError(`${message} (redirects are not followed; configure the final URL)`, {
      reason: 'rejected',
      retryable: false,
    });
  }
  return new DeliveryError(message, { reason: 'rejected', retryable: false });
}

/** undici error codes of a request that never got an answer in time. */
const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The DeliveryError for a request that got no answer: timeouts are `timeout`, anything
 * else (refused, reset, DNS, TLS) `unavailable`; all are retried. The cause is a scrubbed
 * copy, so serialising the chain cannot leak the URL either.
 */
export function transportError(
  what: string,
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
  scrub: (text: string) => string,
): DeliveryError {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const innerCode = typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const text = scrub(String(e?.message ?? err));
  const cause = Object.assign(new Error(text), code ? { code } : {});
  if (timedOut || (code && timeoutCodes.has(code))) {
    return new DeliveryError(`${what} did not answer within ${timeoutMs} ms`, {
      reason: 'timeout',
      retryable: true,
      cause,
    });
  }
  const label = innerCode ?? code;
  return new DeliveryError(`${what} could not be reached: ${label ? `${label} ` : ''}${text}`.trim(), {
    reason: 'unavailable',
    retryable: true,
    cause,
  });
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > snippetChars ? `${flat.slice(0, snippetChars)}…` : flat;
}
