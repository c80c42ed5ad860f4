import { errors } from '@elastic/elasticsearch';
import { DeliveryError } from '../../delivery/delivery-error.js';
import { parseRetryAfter } from '../retry-after.js';

/** `type: reason` of an Elasticsearch error body, as far as it has one. */
export function describeEsError(error: unknown): string {
  const e = error as {
    type?: unknown;
    reason?: unknown;
    caused_by?: { type?: unknown; reason?: unknown };
  } | null;
  if (!e || typeof e !== 'object') return typeof error === 'string' ? error : 'unknown error';
  const type = typeof e.type === 'string' ? e.type : 'error';
  const reason = typeof e.reason === 'string' ? `: ${e.reason}` : '';
  const caused =
    e.caused_by && typeof e.caused_by.reason === 'string'
      ? ` (caused by ${String(e.caused_by.type)}: ${e.caused_by.reason})`
      : '';
  return `${type}${reason}${caused}`.slice(0, 500);
}

/** Error types that say the cluster is busy or blocked for now, whatever the status. */
const transientTypes = new Set([
  'es_rejected_execution_exception',
  'circuit_breaking_exception',
  'cluster_block_exception',
  'unavailable_shards_exception',
  'node_not_connected_exception',
  'no_shard_available_action_exception',
]);

/**
 * The DeliveryError for one failed bulk item (or a whole failed request): 429 and 5xx and
 * transient cluster states are retried; 401/403 are `auth`; mapping and parsing errors
 * (400) are `rejected` for good, since the same document would fail again.
 */
export function itemError(
  what: string,
  status: number,
  error: unknown,
  retryAfterMs?: number,
): DeliveryError {
  const type = (error as { type?: unknown } | null)?.type;
  const message = `${what}: ${status} ${describeEsError(error)}`;
  const after = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429)
    return new DeliveryError(message, { reason: 'rate-limited', retryable: true, ...after });
  if (status === 408) return new DeliveryError(message, { reason: 'timeout', retryable: true, ...after });
  if (status >= 500 || (typeof type === 'string' && transientTypes.has(type))) {
    return new DeliveryError(message, { reason: 'unavailable', retryable: true, ...after });
  }
  if (status === 401 || status === 403) {
    return new DeliveryError(`${message} (check username/password or apiKey and the user's privileges)`, {
      reason: 'auth',
      retryable: false,
    });
  }
  if (status === 413) return new DeliveryError(message, { reason: 'too-large', retryable: false });
  return new DeliveryError(message, { reason: 'rejected', retryable: false });
}

/**
 * The DeliveryError for a request the client could not complete. `server` is the URL
 * without credentials, named so the operator sees which cluster failed.
 */
export function requestError(what: string, server: string, err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const body = err.body as { error?: unknown } | string | undefined;
    const error =
      typeof body === 'object' && body?.error !== undefined ? body.error : body || `HTTP ${status}`;
    const retryAfterMs = parseRetryAfter(err.headers?.['retry-after']);
    const failure = itemError(`${what} at ${server}`, status, error, retryAfterMs);
    if (status === 404) {
      return new DeliveryError(`${failure.message} (is ${server} the cluster's URL, path prefix included?)`, {
        reason: 'rejected',
        retryable: false,
        cause: err,
      });
    }
    return new DeliveryError(failure.message, {
      reason: failure.reason,
      retryable: failure.retryable,
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
      cause: err,
    });
  }
  if (err instanceof errors.ProductNotSupportedError) {
    return new DeliveryError(
      `${what}: the server at ${server} is not Elasticsearch (no "x-elastic-product: Elasticsearch" header); OpenSearch and other forks are not supported`,
      { reason: 'rejected', retryable: false, cause: err },
    );
  }
  if (err instanceof errors.TimeoutError) {
    return new DeliveryError(`${what}: ${server} did not answer in time`, {
      reason: 'timeout',
      retryable: true,
      cause: err,
    });
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    return new DeliveryError(
      `${what}: cannot reach ${server}: ${err.message}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`,
      { reason: 'unavailable', retryable: true, cause: err },
    );
  }
  if (err instanceof errors.DeserializationError) {
    return new DeliveryError(`${what}: ${server} answered with a body that is not JSON`, {
      reason: 'unavailable',
      retryable: true,
      cause: err,
    });
  }
  return new DeliveryError(`${what}: ${(err as Error)?.message ?? String(err)}`, {
    reason: 'other',
    retryable: false,
    cause: err,
  });
}
