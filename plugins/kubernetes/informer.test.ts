import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginLogger } from '../../src/sdk/index.js';
import { startInformer } from './informer.js';
import { createKubeClient } from './kube-client.js';
import type { ObjectChange } from './kube-object.js';

// A tiny in-process list/watch stub for the informer's bookkeeping only (resumption, relist
// diff); what Kubernetes itself does is tested against a real API server in test/integration.
interface StubEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rv: number;
  name: string;
}

function listWatchStub() {
  let rv = 100;
  const objects = new Map<string, number>();
  const history: StubEvent[] = [];
  let compactedBelow = 0;
  const watchers = new Set<{ res: ServerResponse; from: number }>();
  const requests: string[] = [];
  const object = (name: string, version: number) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', resourceVersion: String(version) },
  });
  const send = (res: ServerResponse, e: StubEvent) =>
    res.write(`${JSON.stringify({ type: e.type, object: object(e.name, e.rv) })}\n`);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    requests.push(
      `${url.searchParams.get('watch') ? 'watch' : 'list'}@${url.searchParams.get('resourceVersion') ?? ''}`,
    );
    res.setHeader('content-type', 'application/json');
    if (!url.searchParams.get('watch')) {
      res.end(
        JSON.stringify({
          metadata: { resourceVersion: String(rv) },
          items: [...objects].map(([n, v]) => object(n, v)),
        }),
      );
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion'));
    res.writeHead(200);
    if (from < compactedBelow) {
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } })}\n`,
      );
      return;
    }
    for (const e of history) if (e.rv > from) send(res, e);
    const watcher = { res, from };
    watchers.add(watcher);
    res.on('close', () => watchers.delete(watcher));
  });
  const change = (type: StubEvent['type'], name: string) => {
    rv += 1;
    if (type === 'DELETED') objects.delete(name);
    else objects.set(name, rv);
    const e = { type, rv, name };
    history.push(e);
    for (const w of watchers) send(w.res, e);
  };
  return {
    server,
    requests,
    change,
    /** Changes the store while no watch is open, then forgets the history, as etcd compaction does. */
    changeUnseenAndCompact(apply: () => void) {
      apply();
      compactedBelow = rv;
    },
    /** Cuts every open watch mid-stream. */
    cut: () => {
      for (const w of watchers) w.res.socket?.destroy();
    },
    bookmark: () => {
      rv += 1;
      for (const w of watchers)
        w.res.write(
          `${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(rv) } } })}\n`,
        );
    },
    seed: (name: string) => {
      rv += 1;
      objects.set(name, rv);
    },
  };
}

const quiet: PluginLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp() {
  const stub = listWatchStub();
  stub.seed('before');
  await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => stub.server.close(() => resolve())));
  cleanups.push(() => stub.server.closeAllConnections());
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: 'stub',
      server: `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`,
      skipTLSVerify: true,
    },
    { name: 'u' },
  );
  const changes: string[] = [];
  const informer = startInformer({
    client: createKubeClient(kc),
    listPath: '/api/v1/configmaps',
    log: quiet,
    retryDelayMs: () => 10,
    onChange: (c: ObjectChange) =>
      changes.push(`${c.type} ${c.object.metadata.name}@${c.object.metadata.resourceVersion}`),
  });
  cleanups.push(() => informer.stop());
  await informer.synced;
  return { stub, changes, informer };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('condition not met in 2 s');
}

describe('informer', () => {
  it('reports nothing for the first list, then each change once', async () => {
    const { stub, changes, informer } = await setUp();
    expect(informer.get('ns/before')?.metadata.resourceVersion).toBe('101');
    stub.change('ADDED', 'a');
    stub.change('MODIFIED', 'a');
    stub.change('DELETED', 'before');
    await until(() => changes.length === 3);
    expect(changes).toEqual(['add a@102', 'update a@103', 'delete before@104']);
  });

  it('resumes a cut watch from the last resourceVersion (bookmarks included): no replay, no gap', async () => {
    const { stub, changes } = await setUp();
    stub.change('ADDED', 'a');
    await until(() => changes.length === 1);
    stub.bookmark();
    await new Promise((r) => setTimeout(r, 50));
    stub.cut();
    stub.change('ADDED', 'b');
    await until(() => changes.length === 2);
    expect(changes).toEqual(['add a@102', 'add b@104']);
    expect(stub.requests).toEqual(['list@', 'watch@101', 'watch@103']);
  });

  it('on 410 lists again and reports only the difference', async () => {
    const { stub, changes } = await setUp();
    stub.change('ADDED', 'a');
    stub.change('ADDED', 'keep');
    await until(() => changes.length === 2);
    stub.changeUnseenAndCompact(() => {
      stub.cut();
      stub.change('MODIFIED', 'a');
      stub.change('DELETED', 'before');
      stub.change('ADDED', 'c');
    });
    await until(() => changes.length === 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(changes.slice(2).sort()).toEqual(['add c@106', 'delete before@101', 'update a@104']);
    expect(stub.requests.slice(-3)).toEqual(['watch@103', 'list@', 'watch@106']);
  });
});
