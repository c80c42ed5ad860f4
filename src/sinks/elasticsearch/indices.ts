import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../log/logger.js';

/** Dated indices remembered; older days fall out first (a day's index is created once). */
const remembered = 64;

export interface IndexCreatorOptions {
  client: Client;
  logger: Logger;
  requestTimeoutMs: number;
}

/**
 * Creates each dated index once, with its shards and replicas, and remembers it: no
 * existence check or refresh per event (Botkube did both on every event). An index that
 * already exists is fine; a user allowed to write but not to create indices is warned
 * about once and the bulk request tried anyway, since auto-creation or an operator may
 * have made the index. Concurrent callers share one creation request.
 */
export class IndexCreator {
  readonly #known = new Map<string, Promise<void>>();

  constructor(private readonly options: IndexCreatorOptions) {}

  /** Resolves when `index` exists (or may be written anyway); rejects with the client's error. */
  ensure(index: string, settings: { shards: number; replicas: number }): Promise<void> {
    let pending = this.#known.get(index);
    if (!pending) {
      pending = this.#create(index, settings);
      this.#known.set(index, pending);
      pending.catch(() => {
        if (this.#known.get(index) === pending) this.#known.delete(index);
      });
      while (this.#known.size > remembered) {
        const oldest = this.#known.keys().next().value as string;
        this.#known.delete(oldest);
      }
    }
    return pending;
  }

  /** Forgets `index`, so the next event creates it again (it was deleted behind our back). */
  forget(index: string): void {
    this.#known.delete(index);
  }

  async #create(index: string, settings: { shards: number; replicas: number }): Promise<void> {
    try {
      await this.options.client.indices.create(
        {
          index,
          settings: { index: { number_of_shards: settings.shards, number_of_replicas: settings.replicas } },
        },
        { requestTimeout: this.options.requestTimeoutMs },
      );
      this.options.logger.info({ index, ...settings }, 'index created');
    } catch (err) {
      const type = errorType(err);
      if (type === 'resource_already_exists_exception') return;
      if (statusOf(err) === 403) {
        this.options.logger.warn(
          { index, err: (err as Error).message },
          'not allowed to create the index; writing to it anyway',
        );
        return;
      }
      throw err;
    }
  }
}

function errorType(err: unknown): string | undefined {
  const body = (err as { body?: { error?: { type?: unknown } } }).body;
  const type = body?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}
