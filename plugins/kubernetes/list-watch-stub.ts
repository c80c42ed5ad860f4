import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, type KubeClient } from './kube-client.js';
import type { KubeObject } from './kube-object.js';

/**
 * A tiny in-process list/watch server for unit tests of the plugin's own bookkeeping
 * (informer resumption, stream routing). It is not Kubernetes: no validation, no defaults, one
 * resourceVersion counter. Kubernetes behaviour is tested against a real API server in
 * test/integration/plugin-kubernetes.test.ts.
 */
export interface ListWatchStub {
  client: KubeClient;
  /** Adds, replaces or deletes an object in `collection` (`/api/v1/configmaps`) and tells the watchers. */
  change(collection: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  /** Cuts every open watch mid-stream. */
  cut(): void;
  /** Sends a BOOKMARK at a new resourceVersion to every open watch. */
  bookmark(): void;
  /** Forgets the history below the current version, so older resumes get 410 (etcd compaction). */
  compact(): void;
  /** `list@rv` / `watch@rv` per request, in order (a list at an exact version: `list@<rv>`). */
  requests: string[];
  close(): Promise<void>;
}

/** Starts the stub; `discovery` maps `/api/v1`-style paths to their resource lists. */
export async function startListWatchStub(
  discovery: Record<string, { name: string; kind: string; namespaced: boolean; verbs: string[] }[]>,
): Promise<ListWatchStub> {
  let rv = 100;
  let compactedBelow = 0;
  const store = new Map<string, Map<string, KubeObject>>();
  const history: { collection: string; type: string; object: KubeObject; rv: number }[] = [];
  const watchers = new Set<{ res: ServerResponse; collection: string }>();
  const requests: string[] = [];
  const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    res.setHeader('content-type', 'application/json');
    const resources = discovery[url.pathname];
    if (resources) {
      res.end(JSON.stringify({ kind: 'APIResourceList', resources }));
      return;
    }
    const collection = url.pathname;
    const known = Object.entries(discovery).some(([gv, list]) =>
      list.some((r) => collection === `${gv}/${r.name}`),
    );
    if (!known) {
      res.writeHead(404).end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
      return;
    }
    const watch = url.searchParams.get('watch');
    requests.push(`${watch ? 'watch' : 'list'}@${url.searchParams.get('resourceVersion') ?? ''}`);
    const exact = url.searchParams.get('resourceVersionMatch') === 'Exact';
    if (!watch && exact) {
      // The collection as it was at that version, rebuilt from the history (etcd's MVCC).
      const at = Number(url.searchParams.get('resourceVersion'));
      if (at < compactedBelow) {
        res
          .writeHead(410)
          .end(JSON.stringify({ kind: 'Status', code: 410, message: 'too old resource version' }));
        return;
      }
      const objects = new Map<string, KubeObject>();
      for (const e of history) {
        if (e.collection !== collection || e.rv > at) continue;
        const key = `${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`;
        if (e.type === 'DELETED') objects.delete(key);
        else objects.set(key, e.object);
      }
      const items = [...objects.values()].map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
      res.end(JSON.stringify({ metadata: { resourceVersion: String(at) }, items }));
      return;
    }
    if (!watch) {
      const items = [...(store.get(collection)?.values() ?? [])].map(
        ({ apiVersion: _a, kind: _k, ...rest }) => rest,
      );
      res.end(JSON.stringify({ metadata: { resourceVersion: String(rv) }, items }));
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion'));
    res.writeHead(200);
    if (from < compactedBelow) {
      res.end(line('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' }));
      return;
    }
    for (const e of history)
      if (e.collection === collection && e.rv > from) res.write(line(e.type, e.object));
    const watcher = { res, collection };
    watchers.add(watcher);
    res.on('close', () => watchers.delete(watcher));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: 'stub',
      server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      skipTLSVerify: true,
    },
    { name: 'stub' },
  );
  return {
    client: createKubeClient(kc),
    requests,
    change(collection, type, object) {
      rv += 1;
      const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
      const objects = store.get(collection) ?? new Map<string, KubeObject>();
      store.set(collection, objects);
      const key = `${stored.metadata.namespace ?? ''}/${stored.metadata.name}`;
      if (type === 'DELETED') objects.delete(key);
      else objects.set(key, stored);
      history.push({ collection, type, object: stored, rv });
      for (const w of watchers) if (w.collection === collection) w.res.write(line(type, stored));
    },
    cut() {
      for (const w of watchers) w.res.socket?.destroy();
    },
    bookmark() {
      rv += 1;
      for (const w of watchers) w.res.write(line('BOOKMARK', { metadata: { resourceVersion: String(rv) } }));
    },
    compact() {
      compactedBelow = rv;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
