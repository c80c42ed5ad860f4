import { Pool } from 'undici';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { Outbound } from '../../delivery/destination.js';
import { createScrubber } from '../scrub.js';
import { type Sink, type SinkDeps, SinkHealth, sinkCapabilities } from '../sink.js';
import { toSinkEvent } from '../sink-event.js';
import { responseError, transportError } from './classify.js';
import type { WebhookSink as WebhookSettings } from './config.js';
import { renderWebhookPayload } from './render.js';
import { webhookTarget } from './target.js';

export type { WebhookPayload } from './render.js';

export interface WebhookSinkOptions extends SinkDeps {
  /** The destination ID, `<group>/webhook`. */
  id: string;
  settings: WebhookSettings;
  /** Clock for events without a timestamp (tests pin it). */
  now?: () => Date;
  /**
   * Connections to the receiver: `settings.delivery.sinkConcurrency` (default 16), the POSTs the
   * pipeline has in flight at once. A request then never waits in the pool for a connection, so
   * its timeout measures the receiver, not the queue in front of it.
   */
  connections?: number;
}

const defaultConnections = 16;
/** Bytes of a receiver's error answer kept for the message; the rest is discarded. */
const errorBodyLimit = 4096;

/**
 * A webhook sink: each event is one JSON POST (Botkube's `{source, data, timeStamp}` plus
 * `sources`, `id`, `text`, `cluster`) with the configured headers and auth, over a
 * keep-alive connection pool. Any 2xx is success. 429, 408, 5xx, timeouts and connection
 * errors reject retryable (with `retryAfterMs` from `Retry-After`); other answers reject
 * for good. The URL is a secret: it never appears in errors or logs.
 *
 * @throws SwitchboardError `SB_ERR_SINK_CONFIG` when the URL or a header cannot be used.
 */
export function createWebhookSink(options: WebhookSinkOptions): Sink {
  const target = webhookTarget(options.id, options.settings);
  const scrub = createScrubber(target.secrets);
  const log = options.logger.child({ component: 'sink', sink: options.id });
  const health = new SinkHealth(log, 'webhook sink');
  const now = options.now ?? (() => new Date());
  const what = `webhook sink ${options.id}: the receiver`;
  const pool = new Pool(target.origin, {
    connections: options.connections ?? defaultConnections,
    connect: { timeout: target.timeoutMs },
    headersTimeout: target.timeoutMs,
    bodyTimeout: target.timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const inFlight = new Set<Promise<unknown>>();

  async function post(outbound: Outbound): Promise<void> {
    const event = toSinkEvent(outbound, now);
    const body = JSON.stringify(renderWebhookPayload(event, { clusterName: options.clusterName }));
    // No timer of our own: it would start now, while the request may still wait in the pool for
    // a connection (more deliveries in flight than connections), and time out a POST the
    // receiver never saw. undici's connect, headers and body timeouts start when the request is
    // sent on a connection, so `timeout` measures the receiver only.
    try {
      const response = await pool.request({
        method: 'POST',
        path: target.path,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'switchboard-webhook-sink',
          'idempotency-key': event.id,
          ...target.headers,
        },
        body,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        await response.body.dump();
        return;
      }
      const text = await readLimited(response.body, errorBodyLimit);
      throw responseError(what, response.statusCode, response.headers, text, scrub);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      throw transportError(what, err, false, target.timeoutMs, scrub);
    }
  }

  log.info({ timeoutMs: target.timeoutMs }, 'webhook sink ready');
  return {
    id: options.id,
    kind: 'sink',
    capabilities: sinkCapabilities,
    async deliver(outbound) {
      if (health.isStopped) {
        throw new DeliveryError(`webhook sink ${options.id} is stopped`, {
          reason: 'unavailable',
          retryable: true,
        });
      }
      // Edits of an earlier message mean nothing to a receiver of events.
      if (outbound.replaces) return undefined;
      const attempt = post(outbound);
      inFlight.add(attempt);
      try {
        await attempt;
        health.succeeded();
        log.debug({ sources: outbound.sources }, 'event posted');
        return undefined;
      } catch (err) {
        health.failed((err as Error).message);
        throw err;
      } finally {
        inFlight.delete(attempt);
      }
    },
    status: () => health.status(),
    async stop() {
      if (health.isStopped) return;
      health.stopped();
      await Promise.allSettled([...inFlight]);
      await pool.close();
    },
  };
}

/** Reads up to `limit` bytes of a body as text and discards the rest. */
async function readLimited(body: AsyncIterable<Buffer> & { dump(): Promise<void> }, limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  await body.dump().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
