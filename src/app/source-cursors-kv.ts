import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log/logger.js';
import type { SourceCursorStore } from './source-cursors.js';

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
  const intervalMs = options.intervalMs ?? 1000;
  const where = `NATS KV ${options.bucket}/${options.prefix}.*`;
  const pending = new Map<string, string>();
  let kv: Promise<KV> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

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

  const write = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const batch = [...pending];
    pending.clear();
    writing = writing
      .catch(() => {})
      .then(async () => {
        const store = await bucket();
        await Promise.all(batch.map(([key, cursor]) => store.put(`${options.prefix}.${key}`, cursor)));
      })
      .catch((err: Error) => {
        // Newer cursors set meanwhile win; the failed ones are tried again with them.
        for (const [key, cursor] of batch) if (!pending.has(key)) pending.set(key, cursor);
        if (!closed) schedule();
        log.warn({ store: where, err: err.message }, 'source cursors not written; trying again');
        throw err;
      });
    writing.catch(() => {});
    return writing;
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => void write(), intervalMs);
    timer.unref();
  };

  return {
    async load() {
      const cursors = new Map<string, string>();
      try {
        const store = await bucket();
        const keys: string[] = [];
        for await (const key of await store.keys(`${options.prefix}.>`)) keys.push(key);
        for (const key of keys) {
          const entry = await store.get(key);
          if (entry?.operation === 'PUT') cursors.set(key.slice(options.prefix.length + 1), entry.string());
        }
      } catch (err) {
        throw new Error(`source cursors in ${where} could not be read: ${(err as Error).message}`);
      }
      return cursors;
    },
    set(streamKey, cursor) {
      if (closed) return;
      pending.set(streamKey, cursor);
      schedule();
    },
    flush: () => write(),
    async close() {
      try {
        await write();
      } finally {
        closed = true;
        if (timer) clearTimeout(timer);
      }
    },
  };
}
