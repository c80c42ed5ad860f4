import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeliverySettings } from '../config/slices/settings.js';
import {
  createDeliveryPipeline,
  type DeliveryPipeline,
  type DeliveryPipelineOptions,
} from '../delivery/pipeline.js';
import { createMemoryStore } from '../delivery/queue-store.js';
import { openSqliteStore } from '../delivery/sqlite-store.js';
import type { Logger } from '../log/logger.js';

/**
 * The delivery queue file of an agent run on `configFiles`, in `stateDir`: keyed like the
 * runtime state file, so two agents sharing a state directory with different configs keep
 * apart queues, and a restart with the same config finds its own.
 */
export function deliveryQueueFile(stateDir: string, configFiles: readonly string[]): string {
  const paths = configFiles.map((file) => resolve(file)).sort();
  const key = createHash('sha256').update(paths.join('\0')).digest('hex').slice(0, 16);
  return join(stateDir, `delivery-queue-${key}.sqlite`);
}

/** The store options of `createDeliveryPipeline`, from `settings.delivery.store`. */
export type DeliveryStoreOptions = Pick<DeliveryPipelineOptions, 'store' | 'recovered' | 'capBytes'>;

/**
 * Opens the store `settings.store` asks for: the SQLite file in the state directory (created
 * with it; a damaged file is quarantined and replaced, see `openSqliteStore`), or the memory
 * store. Throws SB_ERR_QUEUE_STORE when the file cannot be opened at all.
 */
export function openDeliveryStore(options: {
  settings: DeliverySettings;
  stateDir: string;
  configFiles: readonly string[];
  logger: Logger;
}): DeliveryStoreOptions {
  const { store: chosen, dedupWindow } = options.settings;
  if (chosen.type === 'memory') return { store: createMemoryStore() };
  const log = options.logger.child({ component: 'delivery-store' });
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const file = deliveryQueueFile(options.stateDir, options.configFiles);
  const opened = openSqliteStore({
    file,
    synchronous: chosen.synchronous,
    dedupWindowMs: dedupWindow.ms,
    log,
  });
  const { items, unreadable } = opened.recovered;
  if (items.length > 0 || unreadable > 0)
    log.info(
      { file, messages: items.length, unreadable },
      'delivery queue file holds messages from the previous run',
    );
  return { store: opened.store, recovered: opened.recovered, capBytes: chosen.maxSizeMiB * 1024 * 1024 };
}

/**
 * The agent's one outbox: the delivery pipeline over the store `settings.delivery.store` asks
 * for, posting to whatever destination `destination(id)` currently is (platforms come and go on
 * reload; the queue outlives them).
 */
export function createAgentOutbox(options: {
  destination: DeliveryPipelineOptions['destination'];
  settings: DeliverySettings;
  stateDir: string;
  configFiles: readonly string[];
  logger: Logger;
  metrics: DeliveryPipelineOptions['metrics'];
}): DeliveryPipeline {
  const { destination, settings, logger, metrics } = options;
  return createDeliveryPipeline({
    destination,
    settings,
    logger,
    metrics,
    ...openDeliveryStore(options),
  });
}
