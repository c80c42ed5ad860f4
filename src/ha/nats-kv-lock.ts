import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { type KV, type KvEntry, Kvm, KvWatchInclude } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import type { LeaseLock, LockObservation } from './lease-lock.js';

export interface NatsKvLockOptions {
  /** An open connection; the caller owns it (and closes it after the elector stopped). */
  connection: NatsConnection;
  /** KV bucket, created with `ttl = leaseDurationMs` and history 1 when missing. */
  bucket: string;
  key: string;
  identity: string;
  leaseDurationMs: number;
  /** Bucket replicas when it is created (1, 3 or 5). */
  replicas?: number;
  log: Logger;
  /** Wall clock written into the value, for people reading it (tests). */
  now?: () => number;
}

/** What the key holds: the holder, and times for people inspecting it (`nats kv get`). */
interface LeaseValue {
  holderIdentity: string;
  acquireTime: string;
  renewTime: string;
}

const bucketPattern = /^[-\w]+$/u;
const keyPattern = /^[-/=.\w]+$/u;

function wrongSequence(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

// KV calls take a timeout but no signal: race them so a partitioned leader's renewal gives up
// when the elector does. The call itself may still land; the elector treats that as a renewal
// it does not know about, and the holder check below takes the key back or leaves it.
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function holderOf(entry: KvEntry | null): string | undefined {
  if (entry?.operation !== 'PUT') return undefined;
  try {
    const value = entry.json<Partial<LeaseValue>>();
    return typeof value.holderIdentity === 'string' && value.holderIdentity !== ''
      ? value.holderIdentity
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens (or creates) the bucket and returns a lock on one key of it. The key's age is the lease:
 * the bucket's TTL (`max_age`) removes it `leaseDurationMs` after the last write, so a holder
 * that stops renewing loses it on the server's clock. Create-if-absent takes it, an update
 * expecting the last revision renews it, a delete expecting that revision releases it.
 * Throws SB_ERR_HA_ELECTION for bad names and SB_ERR_HA_LEASE when the bucket cannot be opened
 * or has another TTL (electors of one bucket must agree on the lease duration).
 */
export async function openNatsKvLock(options: NatsKvLockOptions): Promise<LeaseLock> {
  const { connection, bucket, key, identity, leaseDurationMs } = options;
  const where = `leader election (NATS KV ${bucket}/${key})`;
  if (!bucketPattern.test(bucket))
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      `${where}: bucket "${bucket}" may hold only letters, digits, "-" and "_".`,
    );
  if (!keyPattern.test(key) || key.startsWith('.') || key.endsWith('.'))
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      `${where}: key "${key}" may hold only letters, digits and "-/_=.", not starting or ending with ".".`,
    );
  let kv: KV;
  try {
    kv = await new Kvm(connection).create(bucket, {
      ttl: leaseDurationMs,
      history: 1,
      replicas: options.replicas ?? 1,
    });
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_HA_LEASE',
      `${where}: cannot open or create the bucket: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const status = await kv.status();
  if (status.ttl !== leaseDurationMs) {
    throw new SwitchboardError(
      'SB_ERR_HA_LEASE',
      `${where}: the bucket's TTL is ${status.ttl} ms but leaseDurationMs is ${leaseDurationMs}; every replica must use one lease duration (delete the bucket to recreate it with this one).`,
    );
  }
  const now = options.now ?? Date.now;
  /** The revision of this replica's last write while it holds the key. */
  let revision: number | undefined;
  let acquiredAt = '';
  const value = (): string => {
    const at = new Date(now()).toISOString();
    return JSON.stringify({
      holderIdentity: identity,
      acquireTime: acquiredAt || at,
      renewTime: at,
    } satisfies LeaseValue);
  };

  const take = async (signal: AbortSignal, previous: number | undefined): Promise<LockObservation> => {
    acquiredAt = new Date(now()).toISOString();
    revision = await abortable(
      previous === undefined ? kv.create(key, value()) : kv.update(key, value(), previous),
      signal,
    );
    return { leading: true, holder: identity };
  };

  return {
    description: `NATS KV ${bucket}/${key}`,

    async attempt(signal) {
      if (revision !== undefined) {
        try {
          revision = await abortable(kv.update(key, value(), revision), signal);
          return { leading: true, holder: identity };
        } catch (err) {
          if (!wrongSequence(err)) throw err;
          // Expired, or written by someone else: find out below.
          revision = undefined;
          acquiredAt = '';
        }
      }
      try {
        return await take(signal, undefined);
      } catch (err) {
        if (!wrongSequence(err)) throw err;
      }
      const entry = await abortable(kv.get(key), signal);
      const holder = holderOf(entry);
      // Ours by name (a renewal that landed after this replica gave up): take it back at its revision.
      if (holder === identity && entry) {
        try {
          return await take(signal, entry.revision);
        } catch (err) {
          if (!wrongSequence(err)) throw err;
          return { leading: false, holder: undefined };
        }
      }
      return { leading: false, holder };
    },

    async release(signal) {
      if (revision === undefined) return;
      const expected = revision;
      revision = undefined;
      acquiredAt = '';
      try {
        await abortable(kv.delete(key, { previousSeq: expected }), signal);
      } catch (err) {
        if (!wrongSequence(err)) throw err;
        // A renewal aborted by stop() may still have landed: clear the key if it still names us.
        const entry = await abortable(kv.get(key), signal);
        if (entry && holderOf(entry) === identity) {
          await abortable(kv.delete(key, { previousSeq: entry.revision }), signal).catch((again: unknown) => {
            if (!wrongSequence(again)) throw again;
          });
        }
      }
    },

    watch(onChange) {
      let stopped = false;
      let iterator: { stop(): void } | undefined;
      kv.watch({ key, include: KvWatchInclude.UpdatesOnly })
        .then(async (watch) => {
          iterator = watch;
          if (stopped) watch.stop();
          for await (const _entry of watch) onChange();
        })
        .catch((err: unknown) => {
          // Polling every retry period still works; the watch only shortens the wait.
          if (!stopped)
            options.log.warn({ err, bucket, key }, 'leader election: KV watch failed; polling only');
        });
      return () => {
        stopped = true;
        iterator?.stop();
      };
    },
  };
}
