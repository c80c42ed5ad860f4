import { afterEach, describe, expect, it } from 'vitest';
import type { PluginLogger, SourceEvent } from '../../src/sdk/index.js';
import { createClusterHub } from './cluster-hub.js';
import { readKubernetesConfig } from './config.js';
import type { KubeEvent } from './kube-event.js';
import { type ListWatchStub, startListWatchStub } from './list-watch-stub.js';
import { startKubernetesStream } from './stream.js';

// Routing and bookkeeping of one stream over the in-process stub (see list-watch-stub.ts);
// the same behaviours against a real API server are in test/integration/plugin-kubernetes.test.ts.

const warnings: string[] = [];
const log: PluginLogger = {
  trace() {},
  debug() {},
  info() {},
  warn: (message) => warnings.push(message),
  error: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`),
};
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  warnings.length = 0;
});

const verbs = ['get', 'list', 'watch'];
const discovery = {
  '/api/v1': [
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs },
    { name: 'pods', kind: 'Pod', namespaced: true, verbs },
    { name: 'nodes', kind: 'Node', namespaced: false, verbs },
    { name: 'events', kind: 'Event', namespaced: true, verbs },
  ],
};

async function open(config: unknown, stub?: ListWatchStub, hubFrom?: ReturnType<typeof createClusterHub>) {
  const server = stub ?? (await startListWatchStub(discovery));
  if (!stub) cleanups.push(() => server.close());
  const hub =
    hubFrom ?? createClusterHub({ client: server.client, log, informer: { retryDelayMs: () => 10 } });
  const events: SourceEvent[] = [];
  const stream = startKubernetesStream({
    config: readKubernetesConfig(config),
    hub,
    interactive: false,
    clusterName: 'test',
    log,
    emit: (e) => events.push(e),
    rediscoverMs: 50,
  });
  cleanups.push(() => stream.stop());
  await stream.ready;
  const raw = () => events.map((e) => e.rawObject as KubeEvent);
  return { stub: server, hub, events, raw };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  for (let i = 0; i < ms / 10 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`condition not met in ${ms} ms`);
}
const settle = () => new Promise((r) => setTimeout(r, 100));

const cm = (
  name: string,
  namespace: string,
  data: Record<string, string> = {},
  annotations: Record<string, string> = {},
) => ({
  metadata: { name, namespace, annotations },
  data,
});

describe('a kubernetes stream', () => {
  it('reports creates, field updates with their diff and deletes, filtered by namespace and annotation', async () => {
    const { stub, raw } = await open({
      namespaces: { include: ['^app$'] },
      event: { types: ['create', 'update', 'delete'] },
      resources: [{ type: 'v1/configmaps', updateSetting: { includeDiff: true, fields: ['data.level'] } }],
    });
    stub.change('/api/v1/configmaps', 'ADDED', cm('other-ns', 'kube-system'));
    stub.change('/api/v1/configmaps', 'ADDED', cm('muted', 'app', {}, { 'botkube.io/disable': 'true' }));
    stub.change('/api/v1/configmaps', 'ADDED', cm('cfg', 'app', { level: 'info' }));
    stub.change('/api/v1/configmaps', 'MODIFIED', cm('cfg', 'app', { level: 'info', other: 'x' }));
    stub.change('/api/v1/configmaps', 'MODIFIED', cm('cfg', 'app', { level: 'debug', other: 'x' }));
    stub.change('/api/v1/configmaps', 'DELETED', cm('cfg', 'app', { level: 'debug' }));
    await until(() => raw().length === 3);
    await settle();
    expect(raw().map((e) => [e.Title, e.Name, e.Kind, e.APIVersion, e.Messages])).toEqual([
      ['v1/configmaps created', 'cfg', 'ConfigMap', 'v1', []],
      ['v1/configmaps updated', 'cfg', 'ConfigMap', 'v1', ['data.level:\n\t-: info\n\t+: debug']],
      ['v1/configmaps deleted', 'cfg', 'ConfigMap', 'v1', []],
    ]);
  });

  it('skips Node changes under the node filter and reports them without it', async () => {
    const config = (nodeEventsChecker: boolean) => ({
      filters: { nodeEventsChecker },
      resources: [{ type: 'v1/nodes', event: { types: ['create'] } }],
    });
    const filtered = await open(config(true));
    const unfiltered = await open(config(false), filtered.stub);
    filtered.stub.change('/api/v1/nodes', 'ADDED', { metadata: { name: 'node-1' } });
    await until(() => unfiltered.raw().length === 1);
    await settle();
    expect(filtered.events).toEqual([]);
    expect(unfiltered.raw()[0]).toMatchObject({ Title: 'v1/nodes created', Name: 'node-1', Namespace: '' });
  });

  it('reports Warning events once, coalesces their repeats, and ignores Normal ones and other kinds', async () => {
    const { stub, raw } = await open({
      warningRepeatInterval: '1s',
      event: { types: ['error'] },
      resources: [{ type: 'v1/pods' }],
    });
    const event = (name: string, type: string, count: number, kind = 'Pod') => ({
      metadata: { name, namespace: 'app', uid: `uid-${name}` },
      involvedObject: { apiVersion: 'v1', kind, name: 'web', namespace: 'app' },
      type,
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      count,
      lastTimestamp: `2026-12-07T08:00:0${count}Z`,
    });
    stub.change('/api/v1/events', 'ADDED', event('normal', 'Normal', 1));
    stub.change('/api/v1/events', 'ADDED', event('node', 'Warning', 1, 'Node'));
    stub.change('/api/v1/events', 'ADDED', event('backoff', 'Warning', 1));
    await until(() => raw().length === 1);
    for (const count of [2, 3, 4])
      stub.change('/api/v1/events', 'MODIFIED', event('backoff', 'Warning', count));
    // A rewrite that does not raise the count is not a repeat.
    stub.change('/api/v1/events', 'MODIFIED', { ...event('backoff', 'Warning', 4), message: 'changed' });
    await settle();
    expect(raw()).toHaveLength(1);
    await until(() => raw().length === 2, 3000);
    await new Promise((r) => setTimeout(r, 1200));
    expect(raw().map((e) => [e.Title, e.Name, e.Reason, e.Count, e.TimeStamp])).toEqual([
      ['v1/pods error', 'web', 'BackOff', 1, '2026-12-07T08:00:01Z'],
      ['v1/pods error', 'web', 'BackOff', 4, '2026-12-07T08:00:04Z'],
    ]);
  });

  it('reports a resource the server does not serve once and watches the others', async () => {
    const { stub, raw, events } = await open({
      event: { types: ['create'] },
      resources: [{ type: 'example.com/v1/widgets' }, { type: 'v1/configmaps' }],
    });
    await new Promise((r) => setTimeout(r, 200)); // several rediscovery rounds
    stub.change('/api/v1/configmaps', 'ADDED', cm('cfg', 'app'));
    await until(() => events.length === 2);
    expect(events[0]?.message.sections?.[0]?.header).toBe('⚠️ example.com/v1/widgets is not available');
    expect(raw()[1]).toMatchObject({ Title: 'v1/configmaps created' });
    expect(warnings.filter((w) => w === 'resource not served; skipped')).toHaveLength(1);
  });

  it('gives two streams on one hub identical events from one shared informer', async () => {
    const config = { event: { types: ['create'] }, resources: [{ type: 'v1/configmaps' }] };
    const a = await open(config);
    const b = await open(config, a.stub, a.hub);
    expect(a.hub.informerCount()).toBe(1);
    a.stub.change('/api/v1/configmaps', 'ADDED', cm('cfg', 'app'));
    await until(() => a.events.length === 1 && b.events.length === 1);
    expect(a.events).toEqual(b.events);
    expect(a.stub.requests.filter((r) => r.startsWith('list'))).toHaveLength(1);
  });
});
