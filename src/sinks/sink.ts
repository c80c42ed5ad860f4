import type { Destination } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';
import type { PlatformCapabilities } from '../platforms/descriptor.js';

/** Health of a sink as `/status` shows it. */
export interface SinkStatus {
  /** `failing` after a failed delivery, until the next success. */
  state: 'ready' | 'failing' | 'stopped';
  /** Deliveries that succeeded / failed since start. */
  delivered: number;
  failed: number;
  /** Message of the last failure (secrets scrubbed). */
  lastError?: string;
}

/**
 * A one-way destination (webhook, Elasticsearch): every event it is given is delivered
 * or the promise rejects with a DeliveryError saying whether to retry. It has no `start`
 * (that is what tells a sink from a bot); `stop` sends what is pending and releases
 * connections.
 */
export interface Sink extends Destination {
  readonly kind: 'sink';
  status(): SinkStatus;
  /** Stops accepting (later deliveries fail, retryable), sends what is pending, closes connections. */
  stop(): Promise<void>;
}

/** What every sink gets from the agent. */
export interface SinkDeps {
  logger: Logger;
  /** `settings.clusterName`, reported with each event when set. */
  clusterName?: string;
}

/** Sinks receive raw objects: no edits, files, threads or buttons, and no text limit of their own. */
export const sinkCapabilities: PlatformCapabilities = Object.freeze({
  edit: false,
  files: false,
  threads: false,
  interactive: false,
  maxMessageLength: 1_000_000,
  lengthUnit: 'utf16',
});

/** Keeps the counters behind {@link SinkStatus}. */
export class SinkHealth {
  #state: SinkStatus['state'] = 'ready';
  #delivered = 0;
  #failed = 0;
  #lastError: string | undefined;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  succeeded(count = 1): void {
    this.#delivered += count;
    if (this.#state === 'failing') {
      this.#state = 'ready';
      this.log.info({ delivered: this.#delivered }, `${this.what} recovered`);
    }
  }

  /** Records a failure; the first one after a success is logged (later ones the pipeline counts). */
  failed(message: string, count = 1): void {
    this.#failed += count;
    this.#lastError = message;
    if (this.#state === 'ready') {
      this.#state = 'failing';
      this.log.warn({ err: message }, `${this.what} failing`);
    }
  }

  stopped(): void {
    this.#state = 'stopped';
  }

  get isStopped(): boolean {
    return this.#state === 'stopped';
  }

  status(): SinkStatus {
    return {
      state: this.#state,
      delivered: this.#delivered,
      failed: this.#failed,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }
}
