import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { SwitchboardError } from '../errors/switchboard-error.js';
import { decodePosted } from './jetstream-records.js';
import type { JetStreamStoreOptions } from './jetstream-store.js';
import { connectNatsWithRetry } from './nats-connection.js';
import type { PostedKey } from './queue-store.js';

/** The stream's message-id dedup window: a retried publish within it is stored once. */
const duplicateWindowMs = 120_000;
/**
 * How long a delivered, unacknowledged message stays with this agent before JetStream hands it
 * out again. Items wait here while their destination is slow or down, so it is long; a
 * redelivery is recognised by its stream sequence and changes nothing.
 */
const ackWaitMs = 300_000;

/**
 * The first connection (see connectNatsWithRetry): retried every `retryMs`, logged as
 * SB_ERR_QUEUE_STORE, until `signal` stops it.
 */
export function connectWithRetry(options: JetStreamStoreOptions): Promise<NatsConnection> {
  return connectNatsWithRetry({
    endpoint: { servers: options.servers, auth: options.auth, ...(options.tls ? { tls: options.tls } : {}) },
    name: `switchboard ${options.consumer}`,
    purpose: 'the delivery queue; messages wait in memory until then',
    log: options.log,
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Logs losing and regaining the server while running (writes are retried meanwhile). */
export function watchConnection(nc: NatsConnection, options: JetStreamStoreOptions): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect')
        options.log.warn(
          { code: 'SB_ERR_QUEUE_STORE', servers: options.servers },
          'lost the connection to NATS; queued messages are kept in memory and written when it is back',
        );
      else if (s.type === 'reconnect') options.log.info({ servers: options.servers }, 'reconnected to NATS');
    }
  })().catch(() => undefined);
}

export const postedStream = (stream: string) => `${stream}_POSTED`;

export async function ensureStreams(jsm: JetStreamManager, options: JetStreamStoreOptions): Promise<void> {
  const items = await jsm.streams.info(options.stream).catch((err: Error) => {
    if (/stream not found/i.test(err.message)) return undefined;
    throw err;
  });
  if (!items) {
    await jsm.streams.add({
      name: options.stream,
      subjects: [`${options.subject}.items.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: options.replicas,
      duplicate_window: nanos(duplicateWindowMs),
    });
  } else if (items.config.retention !== RetentionPolicy.Workqueue) {
    throw new SwitchboardError(
      'SB_ERR_QUEUE_STORE',
      `JetStream stream ${options.stream} exists with retention "${items.config.retention}", but the delivery queue needs a work-queue stream; choose another settings.delivery.store.jetstream.stream or delete that stream`,
    );
  }
  if (options.dedupWindowMs <= 0) return;
  const posted = await jsm.streams.info(postedStream(options.stream)).catch(() => undefined);
  if (!posted)
    await jsm.streams.add({
      name: postedStream(options.stream),
      subjects: [`${options.subject}.posted.>`],
      storage: StorageType.File,
      num_replicas: options.replicas,
      // One message per key (the newest), gone after the dedup window: the stream stays small.
      max_msgs_per_subject: 1,
      max_age: nanos(Math.max(options.dedupWindowMs, 1000)),
    });
}

/** Reads this agent's posted keys still within the dedup window, through a short-lived consumer. */
export async function readPosted(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: JetStreamStoreOptions,
): Promise<PostedKey[]> {
  const stream = postedStream(options.stream);
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${options.subject}.posted.${options.consumer}.>`,
    inactive_threshold: nanos(60_000),
  });
  const since = (options.now ?? Date.now)() - options.dedupWindowMs;
  const keys: PostedKey[] = [];
  try {
    let left = info.num_pending;
    const consumer = await js.consumers.get(stream, info.name);
    while (left > 0) {
      const wanted = Math.min(left, 1000);
      // Keys age out of the stream (max_age) while they are read, so fewer than counted may be
      // left: a short expiry, and a batch that comes back short ends the read, instead of
      // waiting 5 s per batch for keys that are gone (it held every new leader's start 10 s).
      const batch = await consumer.fetch({ max_messages: wanted, expires: 1000 });
      let got = 0;
      for await (const m of batch) {
        got += 1;
        try {
          for (const key of decodePosted(m.data)) if (key.postedAt >= since) keys.push(key);
        } catch {
          // A key that cannot be read only costs a possible re-post of that event.
        }
      }
      left -= got;
      if (got < wanted) break;
    }
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
  return keys;
}

/**
 * Recreates this agent's durable consumer, starting at the stream's first item. Deleting it
 * first returns what a killed run had been handed but not acknowledged, at once instead of
 * after the ack wait; it is also why one consumer name must belong to one running agent.
 */
export async function recreateConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: JetStreamStoreOptions,
): Promise<Consumer> {
  await jsm.consumers.delete(options.stream, options.consumer).catch((err: Error) => {
    if (!/consumer not found/i.test(err.message)) throw err;
  });
  await jsm.consumers.add(options.stream, {
    durable_name: options.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${options.subject}.items.${options.consumer}`,
    ack_wait: nanos(ackWaitMs),
    // The agent holds every unacknowledged item anyway; JetStream must not stop handing them out.
    max_ack_pending: -1,
  });
  return js.consumers.get(options.stream, options.consumer);
}
