import type { KubeClient } from './kube-client.js';
import { statusMessage } from './kube-client.js';
import type { ResourceType } from './resource-type.js';

/** One entry of an APIResourceList. */
export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** Looks up what the API server serves; answers are cached, misses only briefly. */
export interface Discovery {
  /** The resource, or `undefined` when the server does not serve it (a missing CRD). Throws on other failures. */
  resource(type: ResourceType): Promise<ApiResource | undefined>;
  /** The plural for `kind` in `apiVersion` (`v1`, `apps/v1`), or `undefined`. */
  pluralOf(apiVersion: string, kind: string): Promise<string | undefined>;
}

/**
 * Discovery over `/api/v1` and `/apis/<group>/<version>`. A served group version is cached
 * for the process life (resource lists rarely change); a 404 (group not served) is cached for
 * `missTtlMs` so that a CRD installed later is found on a later look-up.
 */
export function createDiscovery(
  client: KubeClient,
  options: { missTtlMs?: number; now?: () => number } = {},
): Discovery {
  const missTtl = options.missTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { resources: ApiResource[] | undefined; at: number }>();
  const groupVersion = async (path: string): Promise<ApiResource[] | undefined> => {
    const hit = cache.get(path);
    if (hit && (hit.resources !== undefined || now() - hit.at < missTtl)) return hit.resources;
    const res = await client.get(path);
    if (res.status === 404) {
      cache.set(path, { resources: undefined, at: now() });
      return undefined;
    }
    if (res.status !== 200)
      throw new Error(`discovery ${path}: HTTP ${res.status}: ${statusMessage(res.body)}`);
    const resources = ((res.body as { resources?: ApiResource[] }).resources ?? []).filter(
      (r) => !r.name.includes('/'),
    );
    cache.set(path, { resources, at: now() });
    return resources;
  };
  return {
    async resource(type) {
      const resources = await groupVersion(type.groupVersionPath);
      const found = resources?.find((r) => r.name === type.resource);
      // A served group without the resource is treated like a miss, so it is looked up again later.
      if (resources && !found) cache.delete(type.groupVersionPath);
      return found;
    },
    async pluralOf(apiVersion, kind) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      return (await groupVersion(path))?.find((r) => r.kind === kind)?.name;
    },
  };
}
