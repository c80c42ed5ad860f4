import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log/logger.js';
import type { SourceCursorStore } from './source-cursors.js';
import { createWriteBehind } from './write-behind.js';

/**
 * Source cursors of replicas (HA) in a NATS KV bucket, one key per stream
 * (`<deployment>.<stream key>`), so a new leader opens each stream where the last one stopped.
 * Written behind like the file store: at most one round of puts per `intervalMs`, the newest
 * cursor of each stream only. A deposed leader's late write can only move a cursor back (its
 * events are older), which replays events rather than losing them.
 */
export function createKvCursorStore(options: {
  connection(): Promise<NatsConnection>;
  bucket: string;
  /** The deployment's name (the delivery consumer), so deployments on one NATS keep apart. */
  prefix: string;
  replicas: number;
  logger: Logger;
  intervalMs?: number;
}): SourceCursorStore {
  const log = options.logger.child({ component: 'source-cursors' });
  const where = `NATS KV ${options.bucket}/${options.prefix}.*`;
  let kv: Promise<KV> | undefined;

  const bucket = (): Promise<KV> => {
    // Loaded on first use: the agent's module graph holds no NATS client unless HA runs.
    kv ??= Promise.all([options.connection(), import('@nats-io/kv')]).then(([nc, { Kvm }]) =>
      new Kvm(nc).create(options.bucket, { history: 1, replicas: options.replicas }),
    );
    kv.catch(() => {
      kv = undefined;
    });
    return kv;
  };

  const cursors = createWriteBehind<string>({
    intervalMs: options.intervalMs ?? 1000,
    // Only the streams that moved: one key each.
    persist: async (changed) => {
      const store = await bucket();
      await Promise.all([...changed].map(([key, cursor]) => store.put(`${options.prefix}.${key}`, cursor)));
    },
    onError: (err) =>
      log.warn({ store: where, err: err.message }, 'source cursors not written; trying again'),
  });

  return {
    async load() {
      const stored = new Map<string, string>();
      try {
        const store = await bucket();
        const keys: string[] = [];
        for await (const key of await store.keys(`${options.prefix}.>`)) keys.push(key);
        for (const key of keys) {
          const entry = await store.get(key);
          if (entry?.operation !== 'PUT') continue;
          const streamKey = key.slice(options.prefix.length + 1);
          stored.set(streamKey, entry.string());
          // Another leader may have moved it since this replica last wrote it.
          cursors.adopt(streamKey, entry.string());
        }
      } catch (err) {
        throw new Error(`source cursors in ${where} could not be read: ${(err as Error).message}`);
      }
      return stored;
    },
    set: (streamKey, cursor) => cursors.set(streamKey, cursor),
    flush: () => cursors.flush(),
    close: () => cursors.close(),
  };
}
