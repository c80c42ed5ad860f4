import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { HaSettings } from '../config/slices/ha.js';
import type { DeliverySettings } from '../config/slices/settings.js';
import { createDeferredPipeline } from '../delivery/deferred-pipeline.js';
import type { JetStreamStoreOptions } from '../delivery/jetstream-store.js';
import {
  createDeliveryPipeline,
  type DeliveryPipeline,
  type DeliveryPipelineOptions,
} from '../delivery/pipeline.js';
import { lockQueueFile } from '../delivery/queue-lock.js';
import { createMemoryStore, type QueueStore } from '../delivery/queue-store.js';
import { openSqliteStore } from '../delivery/sqlite-store.js';
import type { Logger } from '../log/logger.js';

/**
 * The delivery queue file of an agent run on `configFiles`, in `stateDir`: keyed like the
 * runtime state file, so two agents sharing a state directory with different configs keep
 * apart queues, and a restart with the same config finds its own.
 */
export function deliveryQueueFile(stateDir: string, configFiles: readonly string[]): string {
  return join(stateDir, `delivery-queue-${configKey(configFiles)}.sqlite`);
}

function configKey(configFiles: readonly string[]): string {
  const paths = configFiles.map((file) => resolve(file)).sort();
  return createHash('sha256').update(paths.join('\0')).digest('hex').slice(0, 16);
}

/**
 * The JetStream consumer that names this deployment's queue (and, with HA, its shared state key
 * and webhook subject): `settings.delivery.store.jetstream.consumer` when set; with HA,
 * `ha-<lease>`, the same for every replica whatever path its config is at; else `agent-<key>`,
 * keyed like the SQLite file, so a restart with the same config finds its queue.
 */
export function consumerName(
  settings: DeliverySettings,
  ha: HaSettings | undefined,
  configFiles: readonly string[],
): string {
  const configured = settings.store.jetstream.consumer;
  if (configured) return configured;
  if (ha?.enabled) {
    const { store, kubernetes, nats } = ha.election;
    const lease = store === 'kubernetes' ? kubernetes.name : `${nats.bucket}-${nats.key}`;
    return `ha-${lease.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
  }
  return `agent-${configKey(configFiles)}`;
}

/** {@link consumerName} of a whole config. */
export function deploymentConsumer(config: Config, configFiles: readonly string[]): string {
  return consumerName(config.settings.delivery, config.settings.ha, configFiles);
}

/** The JetStream store options from `settings.delivery.store.jetstream` (consumer: {@link consumerName}). */
export function jetStreamOptions(
  settings: DeliverySettings,
  configFiles: readonly string[],
  log: Logger,
  ha?: HaSettings,
): JetStreamStoreOptions {
  const js = settings.store.jetstream;
  const wantsTls =
    js.tls.enabled ||
    js.tls.caFile !== '' ||
    js.tls.certFile !== '' ||
    js.servers.some((s) => s.startsWith('tls://'));
  return {
    servers: js.servers,
    stream: js.stream,
    subject: js.subject,
    consumer: consumerName(settings, ha, configFiles),
    replicas: js.replicas,
    auth: {
      ...(js.user ? { user: js.user, password: js.password.reveal() } : {}),
      ...(js.token.isEmpty() ? {} : { token: js.token.reveal() }),
      ...(js.credentials.isEmpty() ? {} : { credentials: js.credentials.reveal() }),
    },
    ...(wantsTls
      ? { tls: { caFile: js.tls.caFile, certFile: js.tls.certFile, keyFile: js.tls.keyFile } }
      : {}),
    dedupWindowMs: settings.dedupWindow.ms,
    log,
  };
}

/** The store options of `createDeliveryPipeline`, from `settings.delivery.store`. */
export type DeliveryStoreOptions = Pick<DeliveryPipelineOptions, 'store' | 'recovered' | 'capBytes'>;

/**
 * Opens the store `settings.store` asks for: the SQLite file in the state directory (created
 * with it; a damaged file is quarantined and replaced, see `openSqliteStore`), or the memory
 * store. Throws SB_ERR_QUEUE_STORE when the file cannot be opened at all, SB_ERR_QUEUE_LOCKED
 * when another running agent holds it.
 */
export function openDeliveryStore(options: {
  settings: DeliverySettings;
  stateDir: string;
  configFiles: readonly string[];
  logger: Logger;
}): DeliveryStoreOptions {
  const { store: chosen, dedupWindow } = options.settings;
  if (chosen.type !== 'sqlite') return { store: createMemoryStore() };
  const log = options.logger.child({ component: 'delivery-store' });
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const file = deliveryQueueFile(options.stateDir, options.configFiles);
  const lock = lockQueueFile(file);
  let opened: ReturnType<typeof openSqliteStore>;
  try {
    opened = openSqliteStore({ file, synchronous: chosen.synchronous, dedupWindowMs: dedupWindow.ms, log });
  } catch (err) {
    lock.release();
    throw err;
  }
  const sqlite = opened.store;
  const store: QueueStore = {
    append: (items) => sqlite.append(items),
    ack: (ids, posted) => sqlite.ack(ids, posted),
    counts: () => sqlite.counts(),
    close: () => sqlite.close().finally(() => lock.release()),
  };
  const { items, unreadable } = opened.recovered;
  if (items.length > 0 || unreadable > 0)
    log.info(
      { file, messages: items.length, unreadable },
      'delivery queue file holds messages from the previous run',
    );
  return { store, recovered: opened.recovered, capBytes: chosen.maxSizeMiB * 1024 * 1024 };
}

/**
 * The agent's one outbox: the delivery pipeline over the store `settings.delivery.store` asks
 * for, posting to whatever destination `destination(id)` currently is (platforms come and go on
 * reload; the queue outlives them).
 */
export function createAgentOutbox(options: {
  destination: DeliveryPipelineOptions['destination'];
  settings: DeliverySettings;
  /** With HA on, the queue is the deployment's (see {@link consumerName}). */
  ha?: HaSettings;
  stateDir: string;
  configFiles: readonly string[];
  logger: Logger;
  metrics: DeliveryPipelineOptions['metrics'];
}): DeliveryPipeline {
  const { destination, settings, logger, metrics } = options;
  const base = { destination, settings, logger, metrics };
  if (settings.store.type !== 'jetstream')
    return createDeliveryPipeline({ ...base, ...openDeliveryStore(options) });
  const log = logger.child({ component: 'delivery-store' });
  const js = jetStreamOptions(settings, options.configFiles, log, options.ha);
  return createDeferredPipeline(
    async (signal) => {
      try {
        // Loaded only for this store: the NATS client is about 2 MiB of heap an agent on the
        // SQLite or memory store would carry for nothing.
        const { openJetStreamStore } = await import('../delivery/jetstream-store.js');
        const opened = await openJetStreamStore({ ...js, signal });
        return createDeliveryPipeline({
          ...base,
          store: opened.store,
          recovered: opened.recovered,
          capBytes: settings.store.maxSizeMiB * 1024 * 1024,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        // The agent keeps serving: messages go on being delivered, from memory only, and loudly so.
        log.error(
          { code: 'SB_ERR_QUEUE_STORE', err: (err as Error).message },
          'the JetStream delivery queue could not be opened; delivering from memory only (nothing survives a restart)',
        );
        return createDeliveryPipeline({ ...base, store: createMemoryStore() });
      }
    },
    logger,
    { persistedWaitsForStore: options.ha?.enabled === true },
  );
}
