import { Client } from '@elastic/elasticsearch';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { Outbound } from '../../delivery/destination.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { type Sink, type SinkDeps, SinkHealth, sinkCapabilities } from '../sink.js';
import { toSinkEvent } from '../sink-event.js';
import { createBatcher } from './batcher.js';
import { type BulkItem, createBulkSender, itemBytes } from './bulk.js';
import type { ElasticsearchSink as ElasticsearchSettings } from './config.js';
import { IndexCreator } from './indices.js';
import { datedIndexName, renderDocument } from './render.js';
import { esTarget, type IndexTarget } from './target.js';

export type { EventDocument, EventMeta } from './render.js';

export interface ElasticsearchSinkOptions extends SinkDeps {
  /** The destination ID, `<group>/elasticsearch`. */
  id: string;
  settings: ElasticsearchSettings;
  /** Clock for events without a timestamp (tests pin it). */
  now?: () => Date;
}

/** Bulk requests in flight at once; more waiting documents join the next batch instead. */
const maxInFlight = 2;

/**
 * An Elasticsearch sink on the official client. Each event becomes one document (the raw
 * object's fields, `@timestamp`, and `switchboard: {id, sources, text, cluster}`) in every
 * configured index bound to one of its source groups, named `<name>-YYYY.MM.DD` after the
 * event's UTC date. Documents are batched into `_bulk` requests; each `deliver` settles with
 * its own documents' outcome. Each dated index is created once (shards, replicas); there
 * is no per-event existence check, refresh or flush. The document `_id` is the event id, so
 * a retried event overwrites instead of duplicating (Botkube kubeshop/botkube#1266).
 *
 * @throws SwitchboardError `SB_ERR_SINK_CONFIG` for a bad server URL or index name, no
 *   index, or `awsSigning.enabled` (not supported).
 */
export function createElasticsearchSink(options: ElasticsearchSinkOptions): Sink {
  const target = esTarget(options.id, options.settings);
  const what = `elasticsearch sink ${options.id}`;
  const log = options.logger.child(
    { component: 'sink', sink: options.id },
    target.logLevel ? { level: target.logLevel } : {},
  );
  const health = new SinkHealth(log, 'elasticsearch sink');
  const now = options.now ?? (() => new Date());
  let client: Client;
  try {
    client = new Client(target.client);
  } catch (err) {
    throw new SwitchboardError('SB_ERR_SINK_CONFIG', `${what}: ${(err as Error).message}`, { cause: err });
  }
  const requestTimeoutMs = target.client.requestTimeout as number;
  const send = createBulkSender({
    client,
    indices: new IndexCreator({ client, logger: log, requestTimeoutMs }),
    server: target.server,
    what,
    requestTimeoutMs,
    logger: log,
  });
  const batcher = createBatcher<BulkItem, void>({
    maxItems: target.bulk.maxDocuments,
    maxBytes: target.bulk.maxBytes,
    lingerMs: target.bulk.flushIntervalMs,
    maxInFlight,
    maxQueued: Math.max(1000, target.bulk.maxDocuments * 4),
    size: itemBytes,
    send,
    // Back-pressure: the pipeline pauses this sink for a while and tries the event again.
    overloaded: () =>
      new DeliveryError(`${what}: too many documents waiting for Elasticsearch`, {
        reason: 'rate-limited',
        retryable: true,
        retryAfterMs: Math.max(250, target.bulk.flushIntervalMs),
      }),
    closed: () => new DeliveryError(`${what} is stopped`, { reason: 'unavailable', retryable: true }),
  });

  if (target.typedIndices.length > 0) {
    log.info({ indices: target.typedIndices }, 'index type is ignored: Elasticsearch 8 has no mapping types');
  }
  log.info({ server: target.server, indices: target.indices.map((i) => i.name) }, 'elasticsearch sink ready');

  /** Indices whose bindings name one of the event's groups; all of them when it names none. */
  const indicesFor = (sources: readonly string[]): IndexTarget[] =>
    sources.length === 0
      ? target.indices
      : target.indices.filter((index) => sources.some((group) => index.sources.has(group)));

  async function write(outbound: Outbound): Promise<void> {
    const event = toSinkEvent(outbound, now);
    const indices = indicesFor(event.sources);
    if (indices.length === 0) {
      log.debug({ sources: event.sources }, 'no index is bound to the event’s source groups');
      return;
    }
    let source: string;
    try {
      source = JSON.stringify(renderDocument(event, { clusterName: options.clusterName }));
    } catch (err) {
      throw new DeliveryError(`${what}: the event cannot be written as JSON: ${(err as Error).message}`, {
        reason: 'rejected',
        retryable: false,
        cause: err,
      });
    }
    const outcomes = await Promise.allSettled(
      indices.map((index) => {
        const name = datedIndexName(index.name, event.time);
        return batcher.add({
          index: name,
          shards: index.shards,
          replicas: index.replicas,
          action: JSON.stringify({ index: { _index: name, _id: event.id } }),
          source,
        });
      }),
    );
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
    if (failures.length > 0) throw combine(failures);
  }

  return {
    id: options.id,
    kind: 'sink',
    capabilities: sinkCapabilities,
    async deliver(outbound) {
      // Edits of an earlier message mean nothing to an index of events.
      if (outbound.replaces) return undefined;
      try {
        await write(outbound);
        health.succeeded();
        return undefined;
      } catch (err) {
        health.failed((err as Error).message);
        throw err;
      }
    },
    status: () => health.status(),
    async stop() {
      if (health.isStopped) return;
      health.stopped();
      await batcher.close();
      await client.close();
    },
  };
}

/**
 * One error for an event written to several indices. Retrying re-sends every index, which
 * is harmless (same `_id`), so the event is retried when any failure is retryable.
 */
function combine(failures: Error[]): Error {
  const first = failures[0] as Error;
  if (failures.length === 1) return first;
  const deliveryErrors = failures.filter((f): f is DeliveryError => f instanceof DeliveryError);
  const retryable = deliveryErrors.find((f) => f.retryable);
  const lead = retryable ?? deliveryErrors[0];
  return new DeliveryError(failures.map((f) => f.message).join('; '), {
    reason: lead?.reason ?? 'other',
    retryable: retryable !== undefined,
    ...(lead?.retryAfterMs === undefined ? {} : { retryAfterMs: lead.retryAfterMs }),
    cause: first,
  });
}
