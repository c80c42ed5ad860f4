import type { PluginLogger } from '../../src/sdk/index.js';
import { type KubeClient, KubeHttpError, statusMessage } from './kube-client.js';
import { isKubeObject, type KubeObject, type ObjectChange, objectKey } from './kube-object.js';

export interface InformerOptions {
  client: KubeClient;
  /** The collection path, e.g. `/apis/apps/v1/deployments` (cluster-wide). */
  listPath: string;
  log: PluginLogger;
  /** Called for every real change after the first list; never for the initial list. */
  onChange(change: ObjectChange): void;
  /** Delay before retry number `attempt` (from 1) after a failed list or a broken watch. */
  retryDelayMs?(attempt: number): number;
  /** How long one watch request may stay open before the server ends it (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Silence after which an open watch counts as dead and is reopened (default: the watch timeout plus 60 s). */
  watchIdleMs?: number;
  /** The clock, for `observedAt`. */
  now?(): Date;
  /**
   * Start from this resourceVersion (a stream cursor's): the first list is the collection as
   * it was then, so every change since is reported. When the server no longer has it (410,
   * compacted) or refuses it, a warning names the collection and the informer starts from the
   * current list, as without it; nothing is made up for the gap.
   */
  resumeFrom?: string;
}

/** A running list+watch of one collection. */
export interface Informer {
  /** Resolves after the first complete list (the point from which changes are reported). */
  synced: Promise<void>;
  /** The current objects by `namespace/name`. */
  get(key: string): KubeObject | undefined;
  /** The resourceVersion the cache is at (undefined before the first list). */
  resourceVersion(): string | undefined;
  stop(): void;
}

class WatchExpired extends Error {}

/**
 * Lists a collection, then watches it from the list's resourceVersion and keeps a cache.
 * A watch that ends or breaks is resumed from the last resourceVersion seen (objects or
 * bookmarks), so nothing is replayed and nothing is missed. Only when the server says that
 * version is gone (410) does it list again, and then reports the difference between the new
 * list and the cache: objects added, changed (another resourceVersion) and removed in the gap,
 * each once. An ADDED or MODIFIED that repeats the cached resourceVersion is ignored.
 *
 * With `resumeFrom`, the first list asks for the collection exactly at that version
 * (resourceVersionMatch=Exact, served from etcd's history) and the watch starts there, so the
 * changes since are reported as they happened, with their old versions for diffs; the watch
 * from a list's own version was never the problem, the missing starting state was.
 */
export function startInformer(options: InformerOptions): Informer {
  const controller = new AbortController();
  const { client, listPath, log } = options;
  const now = options.now ?? (() => new Date());
  const retryDelay =
    options.retryDelayMs ?? ((attempt: number) => Math.min(30_000, 250 * 2 ** (attempt - 1)));
  let cache = new Map<string, KubeObject>();
  let resourceVersion: string | undefined;
  let resumeFrom = options.resumeFrom;
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const emit = (change: ObjectChange) => {
    try {
      options.onChange(change);
    } catch (err) {
      log.error('a change handler failed', { path: listPath, error: (err as Error).message });
    }
  };

  const apply = (type: string, object: KubeObject) => {
    const key = objectKey(object);
    const previous = cache.get(key);
    resourceVersion = object.metadata.resourceVersion ?? resourceVersion;
    const at = resourceVersion ? { resourceVersion } : {};
    if (type === 'DELETED') {
      cache.delete(key);
      emit({ type: 'delete', object, observedAt: now(), ...at });
      return;
    }
    if (previous && previous.metadata.resourceVersion === object.metadata.resourceVersion) return;
    cache.set(key, object);
    emit(
      previous
        ? { type: 'update', object, old: previous, observedAt: now(), ...at }
        : { type: 'add', object, observedAt: now(), ...at },
    );
  };

  const onWatchEvent = (event: unknown) => {
    const { type, object } = (event ?? {}) as { type?: string; object?: unknown };
    if (type === 'BOOKMARK') {
      const rv = (object as KubeObject | undefined)?.metadata?.resourceVersion;
      if (rv) resourceVersion = rv;
      return;
    }
    if (type === 'ERROR') {
      const code = (object as { code?: number } | undefined)?.code;
      if (code === 410) throw new WatchExpired(statusMessage(object));
      throw new Error(`watch error: ${statusMessage(object)}`);
    }
    if ((type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') && isKubeObject(object))
      apply(type, object);
  };

  const list = async (): Promise<void> => {
    const items = new Map<string, KubeObject>();
    let token = '';
    let listVersion = '';
    const exact = resumeFrom;
    do {
      // A continue token carries the version of the first page; the server refuses both.
      const at =
        exact && !token ? `&resourceVersion=${encodeURIComponent(exact)}&resourceVersionMatch=Exact` : '';
      const query = `?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}${at}`;
      const res = await client.get(`${listPath}${query}`, controller.signal);
      if (res.status !== 200 && exact) {
        // The server answered: the version is compacted (410) or not one it can serve. Retrying
        // would not change that; starting from now loses the gap, which the warning says.
        log.warn(
          'cannot resume from the stream cursor; changes made while the stream was closed are not reported',
          {
            path: listPath,
            resourceVersion: exact,
            status: res.status,
            reason: statusMessage(res.body),
          },
        );
        resumeFrom = undefined;
        return list();
      }
      if (res.status !== 200) {
        throw new KubeHttpError(
          `list ${listPath}: HTTP ${res.status}: ${statusMessage(res.body)}`,
          res.status,
          res.body,
        );
      }
      const body = res.body as {
        items?: unknown[];
        metadata?: { resourceVersion?: string; continue?: string };
      };
      for (const item of body.items ?? []) if (isKubeObject(item)) items.set(objectKey(item), item);
      token = body.metadata?.continue ?? '';
      listVersion = body.metadata?.resourceVersion ?? listVersion;
    } while (token);
    const relist = resourceVersion !== undefined || cache.size > 0;
    const previous = cache;
    cache = items;
    resourceVersion = exact && !listVersion ? exact : listVersion;
    resumeFrom = undefined;
    if (!relist) return;
    // After an expired watch: report what the gap hid, once per object.
    const observedAt = now();
    for (const [key, object] of items) {
      const old = previous.get(key);
      if (!old) emit({ type: 'add', object, observedAt, resourceVersion: listVersion });
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
        emit({ type: 'update', object, old, observedAt, resourceVersion: listVersion });
      }
    }
    for (const [key, object] of previous)
      if (!items.has(key)) emit({ type: 'delete', object, observedAt, resourceVersion: listVersion });
  };

  const run = async () => {
    let attempt = 0;
    let needList = true;
    while (!controller.signal.aborted) {
      try {
        if (needList) {
          await list();
          needList = false;
          markSynced();
          log.info('watching', { path: listPath, resourceVersion, objects: cache.size });
        }
        const timeout = options.watchTimeoutSeconds ?? 300;
        const query = `?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion ?? '')}&timeoutSeconds=${timeout}`;
        // The server ends a watch after `timeout`; silence well past that means a dead connection.
        await client.watch(
          `${listPath}${query}`,
          onWatchEvent,
          controller.signal,
          options.watchIdleMs ?? (timeout + 60) * 1000,
        );
        attempt = 0;
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof WatchExpired || (err instanceof KubeHttpError && err.status === 410)) {
          log.info('resourceVersion expired; listing again', { path: listPath, resourceVersion });
          needList = true;
          continue;
        }
        attempt += 1;
        const delay = retryDelay(attempt);
        log.warn('list or watch failed; retrying', {
          path: listPath,
          resourceVersion,
          error: (err as Error).message,
          retryInMs: delay,
        });
        await sleep(delay, controller.signal);
      }
    }
  };
  void run();
  return {
    synced,
    get: (key) => cache.get(key),
    resourceVersion: () => resourceVersion,
    stop: () => controller.abort(),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
