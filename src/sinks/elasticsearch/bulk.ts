import type { Client, estypes } from '@elastic/elasticsearch';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { Logger } from '../../log/logger.js';
import type { ItemResult } from './batcher.js';
import { itemError, requestError } from './errors.js';
import type { IndexCreator } from './indices.js';

/** One document on its way into one dated index. */
export interface BulkItem {
  /** The dated index, e.g. `botkube-2025.03.02`. */
  index: string;
  shards: number;
  replicas: number;
  /** Action and source lines, each without its newline. */
  action: string;
  source: string;
}

export interface BulkSenderOptions {
  client: Client;
  indices: IndexCreator;
  /** The server URL without credentials, for messages. */
  server: string;
  what: string;
  requestTimeoutMs: number;
  logger: Logger;
}

/** Bytes an item adds to the NDJSON body (two lines, two newlines). */
export function itemBytes(item: BulkItem): number {
  return Buffer.byteLength(item.action) + Buffer.byteLength(item.source) + 2;
}

/**
 * Sends one batch: makes sure the server is Elasticsearch 8+ (once), creates the batch's
 * dated indices (once each), then writes every document in one `_bulk` request and
 * returns each item's own outcome. Documents of an index that could not be created fail
 * with that error; the others are still written.
 */
export function createBulkSender(options: BulkSenderOptions) {
  let checked: Promise<void> | undefined;

  async function checkServer(): Promise<void> {
    const info = await options.client.info(undefined, { requestTimeout: options.requestTimeoutMs });
    const version = info.version?.number ?? '';
    const major = Number.parseInt(version, 10);
    if (Number.isFinite(major) && major < 8) {
      throw new DeliveryError(
        `${options.what}: ${options.server} runs Elasticsearch ${version}; this sink needs Elasticsearch 8 or later`,
        { reason: 'rejected', retryable: false },
      );
    }
    options.logger.info(
      { server: options.server, version, cluster: info.cluster_name },
      'connected to Elasticsearch',
    );
  }

  return async function send(items: readonly BulkItem[]): Promise<ItemResult<void>[]> {
    checked ??= checkServer().catch((err: unknown) => {
      checked = undefined;
      throw err;
    });
    try {
      await checked;
    } catch (err) {
      throw requestError(options.what, options.server, err);
    }

    const results: (ItemResult<void> | undefined)[] = new Array(items.length).fill(undefined);
    const creation = new Map<string, Promise<unknown>>();
    for (const item of items) {
      if (!creation.has(item.index)) {
        creation.set(
          item.index,
          options.indices.ensure(item.index, item).then(
            () => undefined,
            (err: unknown) =>
              requestError(`${options.what}: creating index ${item.index}`, options.server, err),
          ),
        );
      }
    }
    const failedIndex = new Map<string, DeliveryError>();
    for (const [index, pending] of creation) {
      const outcome = await pending;
      if (outcome instanceof DeliveryError) failedIndex.set(index, outcome);
    }

    const sent: number[] = [];
    const operations: string[] = [];
    items.forEach((item, i) => {
      const failure = failedIndex.get(item.index);
      if (failure) {
        results[i] = { ok: false, error: failure };
        return;
      }
      sent.push(i);
      operations.push(item.action, item.source);
    });

    if (sent.length > 0) {
      const started = performance.now();
      let response: estypes.BulkResponse;
      try {
        response = await options.client.bulk({ operations }, { requestTimeout: options.requestTimeoutMs });
      } catch (err) {
        const error = requestError(`${options.what}: bulk request`, options.server, err);
        for (const i of sent) results[i] = { ok: false, error };
        return results as ItemResult<void>[];
      }
      options.logger.debug(
        {
          documents: sent.length,
          took: response.took,
          ms: Math.round(performance.now() - started),
          errors: response.errors,
        },
        'bulk request done',
      );
      if (response.items.length !== sent.length) {
        const error = new DeliveryError(
          `${options.what}: bulk response has ${response.items.length} items for ${sent.length} documents`,
          { reason: 'unavailable', retryable: true },
        );
        for (const i of sent) results[i] = { ok: false, error };
        return results as ItemResult<void>[];
      }
      sent.forEach((i, position) => {
        const entry = response.items[position] ?? {};
        const outcome = entry.index ?? entry.create ?? Object.values(entry)[0];
        const item = items[i] as BulkItem;
        if (outcome && outcome.status >= 200 && outcome.status < 300 && !outcome.error) {
          results[i] = { ok: true, value: undefined };
          return;
        }
        const status = outcome?.status ?? 0;
        const type = (outcome?.error as { type?: unknown } | undefined)?.type;
        if (type === 'index_not_found_exception') {
          // Deleted since we created it: create it again on the retry.
          options.indices.forget(item.index);
          results[i] = {
            ok: false,
            error: new DeliveryError(
              `${options.what}: index ${item.index} disappeared; it is created again`,
              {
                reason: 'unavailable',
                retryable: true,
              },
            ),
          };
          return;
        }
        results[i] = {
          ok: false,
          error: itemError(
            `${options.what}: indexing into ${item.index}`,
            status,
            outcome?.error ?? 'no result',
          ),
        };
      });
    }
    return results as ItemResult<void>[];
  };
}
