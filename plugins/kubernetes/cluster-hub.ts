import type { PluginLogger } from '../../src/sdk/index.js';
import { createDiscovery, type Discovery } from './discovery.js';
import { type Informer, type InformerOptions, startInformer } from './informer.js';
import type { KubeClient } from './kube-client.js';
import type { KubeObject, ObjectChange } from './kube-object.js';
import type { ResourceType } from './resource-type.js';

/** A subscription to one resource type's changes. */
export interface Subscription {
  /** Resolves once the shared informer has listed the collection. */
  synced: Promise<void>;
  /** The resourceVersion the informer is at: the listener gets every change after it. */
  resourceVersion(): string | undefined;
  unsubscribe(): void;
}

/**
 * One cluster (one kubeconfig) as every stream of the process sees it: one informer per
 * resource type however many streams watch it (Botkube PR #1425 shares them the same way), so
 * every stream gets the same change object, with the same `observedAt`, for one API event.
 */
export interface ClusterHub {
  client: KubeClient;
  discovery: Discovery;
  /**
   * Changes of one resource type. With `resumeFrom` (a resourceVersion from a stream cursor)
   * the listener first gets the changes since then: such subscriptions share an informer only
   * with others resuming from the same version, since a running informer cannot replay.
   */
  subscribe(type: ResourceType, listener: (change: ObjectChange) => void, resumeFrom?: string): Subscription;
  /** An object by kind and name: from an informer's cache when one watches it, else a GET (cached for a few seconds). */
  getObject(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined>;
  /** Number of running informers (for tests and logs). */
  informerCount(): number;
}

export interface ClusterHubOptions {
  client: KubeClient;
  log: PluginLogger;
  informer?: Pick<InformerOptions, 'retryDelayMs' | 'watchTimeoutSeconds'>;
}

/** Creates the hub; informers start with their first subscriber and stop with their last. */
export function createClusterHub(options: ClusterHubOptions): ClusterHub {
  const { client, log } = options;
  const discovery = createDiscovery(client);
  const shared = new Map<
    string,
    { informer: Informer; listeners: Set<(change: ObjectChange) => void>; type: ResourceType }
  >();
  const lookups = new Map<string, { at: number; value: Promise<KubeObject | undefined> }>();
  const collectionPath = (type: ResourceType) => `${type.groupVersionPath}/${type.resource}`;

  return {
    client,
    discovery,
    subscribe(type, listener, resumeFrom) {
      const key = resumeFrom ? `${type.key}@${resumeFrom}` : type.key;
      let entry = shared.get(key);
      if (!entry) {
        const listeners = new Set<(change: ObjectChange) => void>();
        const informer = startInformer({
          client,
          listPath: collectionPath(type),
          log,
          ...options.informer,
          ...(resumeFrom ? { resumeFrom } : {}),
          onChange: (change) => {
            for (const each of listeners) each(change);
          },
        });
        entry = { informer, listeners, type };
        shared.set(key, entry);
      }
      const current = entry;
      current.listeners.add(listener);
      return {
        synced: current.informer.synced,
        resourceVersion: () => current.informer.resourceVersion(),
        unsubscribe() {
          current.listeners.delete(listener);
          if (current.listeners.size === 0 && shared.get(key) === current) {
            current.informer.stop();
            shared.delete(key);
          }
        },
      };
    },
    async getObject(apiVersion, kind, namespace, name) {
      const plural = await discovery.pluralOf(apiVersion, kind);
      if (!plural) return undefined;
      const key = `${apiVersion}/${plural}`;
      const cached = shared.get(key)?.informer.get(namespace ? `${namespace}/${name}` : name);
      if (cached) return cached;
      const lookupKey = `${key}/${namespace}/${name}`;
      const hit = lookups.get(lookupKey);
      if (hit && Date.now() - hit.at < 5_000) return hit.value;
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const path = namespace
        ? `${base}/namespaces/${namespace}/${plural}/${name}`
        : `${base}/${plural}/${name}`;
      const value = client
        .get(path)
        .then((res) => (res.status === 200 ? (res.body as KubeObject) : undefined));
      if (lookups.size > 1000) lookups.clear();
      lookups.set(lookupKey, { at: Date.now(), value });
      return value;
    },
    informerCount: () => shared.size,
  };
}
