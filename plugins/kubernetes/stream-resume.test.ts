import { afterEach, describe, expect, it } from 'vitest';
import type { PluginLogger, StreamEvent } from '../../src/sdk/index.js';
import { createClusterHub } from './cluster-hub.js';
import { readKubernetesConfig } from './config.js';
import type { KubeEvent } from './kube-event.js';
import { type ListWatchStub, startListWatchStub } from './list-watch-stub.js';
import { startKubernetesStream } from './stream.js';

// Stream cursors over the in-process stub; against a real API server (and through the agent)
// in test/integration/kube-stream-resume.test.ts.

const logged: string[] = [];
const log: PluginLogger = {
  trace() {},
  debug() {},
  info: (message, fields) => logged.push(`info ${message} ${JSON.stringify(fields)}`),
  warn: (message, fields) => logged.push(`warn ${message} ${JSON.stringify(fields)}`),
  error: (message, fields) => logged.push(`error ${message} ${JSON.stringify(fields)}`),
};
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  logged.length = 0;
});

const verbs = ['get', 'list', 'watch'];
const discovery = {
  '/api/v1': [
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs },
    { name: 'secrets', kind: 'Secret', namespaced: true, verbs },
  ],
};
const configMaps = '/api/v1/configmaps';
const cm = (name: string, namespace = 'app', data: Record<string, string> = {}) => ({
  metadata: { name, namespace },
  data,
});
const config = {
  namespaces: { include: ['^app$'] },
  event: { types: ['create', 'update', 'delete'] },
  resources: [{ type: 'v1/configmaps' }],
};

/** One stream on its own hub, as in a fresh plugin process. */
async function open(stub: ListWatchStub, resumeCursor?: string, streamConfig: unknown = config) {
  const hub = createClusterHub({ client: stub.client, log, informer: { retryDelayMs: () => 10 } });
  const events: StreamEvent[] = [];
  const stream = startKubernetesStream({
    config: readKubernetesConfig(streamConfig),
    hub,
    interactive: false,
    clusterName: 'test',
    log,
    emit: (e) => events.push(e),
    ...(resumeCursor ? { resumeCursor } : {}),
  });
  cleanups.push(() => stream.stop());
  await stream.ready;
  const titles = () =>
    events.map((e) => `${(e.rawObject as KubeEvent).Title} ${(e.rawObject as KubeEvent).Name}`);
  return { events, titles, stop: () => stream.stop(), hub };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  for (let i = 0; i < ms / 10 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`condition not met in ${ms} ms`);
}
const settle = () => new Promise((r) => setTimeout(r, 100));

async function stubWithHistory() {
  const stub = await startListWatchStub(discovery);
  cleanups.push(() => stub.close());
  stub.change(configMaps, 'ADDED', cm('old'));
  return stub;
}

describe('a kubernetes stream resumed from a cursor', () => {
  it('reports exactly the changes made after the cursor’s event, filters applied, once', async () => {
    const stub = await stubWithHistory();
    const first = await open(stub);
    stub.change(configMaps, 'ADDED', cm('a', 'app', { v: '1' }));
    stub.change(configMaps, 'ADDED', cm('elsewhere', 'other'));
    stub.change(configMaps, 'MODIFIED', cm('a', 'app', { v: '2' }));
    await until(() => first.events.length === 2);
    expect(first.titles()).toEqual(['v1/configmaps created a', 'v1/configmaps updated a']);
    expect(first.events.map((e) => JSON.parse(e.cursor ?? ''))).toEqual([
      { v: 1, rv: { 'v1/configmaps': '102' } },
      { v: 1, rv: { 'v1/configmaps': '104' } },
    ]);
    first.stop();
    expect(first.hub.informerCount()).toBe(0);

    // While no stream runs.
    stub.change(configMaps, 'ADDED', cm('b'));
    stub.change(configMaps, 'ADDED', cm('elsewhere-2', 'other'));
    stub.change(configMaps, 'MODIFIED', cm('a', 'app', { v: '3' }));
    stub.change(configMaps, 'DELETED', cm('old'));

    const fromLast = await open(stub, first.events[1]?.cursor);
    const fromFirst = await open(stub, first.events[0]?.cursor);
    await until(() => fromLast.events.length === 3 && fromFirst.events.length === 4);
    stub.change(configMaps, 'ADDED', cm('live'));
    await until(() => fromLast.events.length === 4 && fromFirst.events.length === 5);
    await settle();
    expect(fromLast.titles()).toEqual([
      'v1/configmaps created b',
      'v1/configmaps updated a',
      'v1/configmaps deleted old',
      'v1/configmaps created live',
    ]);
    expect(fromFirst.titles()).toEqual(['v1/configmaps updated a', ...fromLast.titles()]);
    expect(JSON.parse(fromLast.events.at(-1)?.cursor ?? '')).toEqual({
      v: 1,
      rv: { 'v1/configmaps': '109' },
    });
    expect(stub.requests).toContain('list@104');
    expect(stub.requests).toContain('watch@104');
    expect(logged.filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  it('ignores the parts of a cursor for resources its config does not watch, and a cursor that is not its own', async () => {
    const stub = await stubWithHistory();
    stub.change(configMaps, 'ADDED', cm('a'));
    stub.change(configMaps, 'ADDED', cm('b'));
    const foreign = JSON.stringify({ v: 1, rv: { 'v1/configmaps': '102', 'v1/secrets': '101' } });
    const resumed = await open(stub, foreign);
    await until(() => resumed.events.length === 1);
    await settle();
    expect(resumed.titles()).toEqual(['v1/configmaps created b']);
    expect(logged).toContainEqual(
      'info resume cursor names resources this config does not watch; ignored {"resources":["v1/secrets"]}',
    );

    const garbage = await open(stub, 'opaque-from-another-plugin');
    stub.change(configMaps, 'ADDED', cm('c'));
    await until(() => garbage.events.length === 1);
    expect(garbage.titles()).toEqual(['v1/configmaps created c']);
    expect(logged.some((l) => l.startsWith('warn the resume cursor is not a kubernetes stream cursor'))).toBe(
      true,
    );
  });

  it('a compacted cursor: a warning naming the collection, then only changes from now', async () => {
    const stub = await stubWithHistory();
    stub.change(configMaps, 'ADDED', cm('a'));
    stub.change(configMaps, 'ADDED', cm('b'));
    stub.compact();
    const resumed = await open(stub, JSON.stringify({ v: 1, rv: { 'v1/configmaps': '101' } }));
    stub.change(configMaps, 'ADDED', cm('c'));
    await until(() => resumed.events.length === 1);
    await settle();
    expect(resumed.titles()).toEqual(['v1/configmaps created c']);
    expect(
      logged.filter(
        (l) =>
          l.startsWith('warn cannot resume from the stream cursor') &&
          l.includes('"path":"/api/v1/configmaps"'),
      ),
    ).toHaveLength(1);
    // The next cursor is from now on, not the compacted one.
    expect(JSON.parse(resumed.events[0]?.cursor ?? '')).toEqual({ v: 1, rv: { 'v1/configmaps': '104' } });
  });
});
