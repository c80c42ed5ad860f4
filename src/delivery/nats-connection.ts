import {
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  type NatsConnection,
} from '@nats-io/transport-node';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';

/** Where a NATS server is and how to authenticate (from `settings.delivery.store.jetstream`). */
export interface NatsEndpoint {
  servers: readonly string[];
  auth: { user?: string; password?: string; token?: string; credentials?: string };
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

const encoder = new TextEncoder();

/**
 * Client options for `endpoint`. Once connected, the client never gives up reconnecting:
 * callers retry their writes (with message ids) until the server is back.
 */
export function natsConnectionOptions(
  endpoint: NatsEndpoint,
  name: string,
  retryMs = 1000,
): ConnectionOptions {
  const { auth, tls } = endpoint;
  return {
    servers: [...endpoint.servers],
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: retryMs,
    timeout: 5000,
    ...(auth.user ? { user: auth.user, pass: auth.password ?? '' } : {}),
    ...(auth.token ? { token: auth.token } : {}),
    ...(auth.credentials ? { authenticator: credsAuthenticator(encoder.encode(auth.credentials)) } : {}),
    ...(tls
      ? {
          tls: {
            ...(tls.caFile ? { caFile: tls.caFile } : {}),
            ...(tls.certFile ? { certFile: tls.certFile } : {}),
            ...(tls.keyFile ? { keyFile: tls.keyFile } : {}),
          },
        }
      : {}),
  };
}

/** Failed first connections are logged at most this often, with the attempt count. */
const logEveryMs = 30_000;

/**
 * The first connection: a server that does not answer is logged (at once, then every 30 s with
 * the attempt count) and tried again every `retryMs`, until `signal` stops it (then
 * SB_ERR_QUEUE_STORE is thrown). `purpose` says in the log what waits for NATS.
 */
export async function connectNatsWithRetry(options: {
  endpoint: NatsEndpoint;
  name: string;
  purpose: string;
  log: Logger;
  retryMs?: number;
  signal?: AbortSignal;
}): Promise<NatsConnection> {
  const { endpoint, log, signal } = options;
  const retryMs = options.retryMs ?? 1000;
  const where = endpoint.servers.join(', ');
  let attempts = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  for (;;) {
    if (signal?.aborted)
      throw new SwitchboardError(
        'SB_ERR_QUEUE_STORE',
        `stopped before NATS at ${where} answered (${attempts} attempts; ${options.purpose})`,
      );
    try {
      const nc = await connect(natsConnectionOptions(endpoint, options.name, retryMs));
      if (attempts > 0) log.info({ servers: endpoint.servers, attempts }, `NATS reached: ${options.purpose}`);
      return nc;
    } catch (err) {
      attempts += 1;
      const now = Date.now();
      if (now - loggedAt >= logEveryMs) {
        loggedAt = now;
        log.error(
          { code: 'SB_ERR_QUEUE_STORE', servers: endpoint.servers, attempts, err: (err as Error).message },
          `cannot reach NATS at ${where} (settings.delivery.store.jetstream.servers): ${(err as Error).message}; trying again every ${retryMs} ms (${options.purpose})`,
        );
      }
      await sleep(retryMs, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
