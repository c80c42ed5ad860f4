import { afterEach, describe, expect, it } from 'vitest';
import type { PluginLogger } from '../../src/sdk/index.js';
import { startInformer } from './informer.js';
import type { ObjectChange } from './kube-object.js';
import { startListWatchStub } from './list-watch-stub.js';

const quiet: PluginLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const configMaps = '/api/v1/configmaps';
const cm = (name: string) => ({ metadata: { name, namespace: 'ns' } });

async function setUp(watchIdleMs?: number) {
  const stub = await startListWatchStub({
    '/api/v1': [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'watch'] }],
  });
  cleanups.push(() => stub.close());
  stub.change(configMaps, 'ADDED', cm('before'));
  const changes: string[] = [];
  const informer = startInformer({
    client: stub.client,
    listPath: configMaps,
    log: quiet,
    retryDelayMs: () => 10,
    ...(watchIdleMs ? { watchIdleMs } : {}),
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
    stub.change(configMaps, 'ADDED', cm('a'));
    stub.change(configMaps, 'MODIFIED', cm('a'));
    stub.change(configMaps, 'DELETED', cm('before'));
    await until(() => changes.length === 3);
    expect(changes).toEqual(['add a@102', 'update a@103', 'delete before@104']);
  });

  it('resumes a cut watch from the last resourceVersion (bookmarks included): no replay, no gap', async () => {
    const { stub, changes } = await setUp();
    stub.change(configMaps, 'ADDED', cm('a'));
    await until(() => changes.length === 1);
    stub.bookmark();
    await new Promise((r) => setTimeout(r, 50));
    stub.cut();
    stub.change(configMaps, 'ADDED', cm('b'));
    await until(() => changes.length === 2);
    expect(changes).toEqual(['add a@102', 'add b@104']);
    expect(stub.requests).toEqual(['list@', 'watch@101', 'watch@103']);
  });

  it('reopens a watch that stays silent too long (a half-open connection), from the same resourceVersion', async () => {
    const { stub, changes } = await setUp(150);
    stub.change(configMaps, 'ADDED', cm('a'));
    await until(() => stub.requests.length >= 4);
    stub.change(configMaps, 'ADDED', cm('b'));
    await until(() => changes.length === 2);
    expect(changes).toEqual(['add a@102', 'add b@103']);
    expect(stub.requests.slice(0, 4)).toEqual(['list@', 'watch@101', 'watch@102', 'watch@102']);
  });

  it('on 410 lists again and reports only the difference', async () => {
    const { stub, changes } = await setUp();
    stub.change(configMaps, 'ADDED', cm('a'));
    stub.change(configMaps, 'ADDED', cm('keep'));
    await until(() => changes.length === 2);
    stub.cut();
    stub.change(configMaps, 'MODIFIED', cm('a'));
    stub.change(configMaps, 'DELETED', cm('before'));
    stub.change(configMaps, 'ADDED', cm('c'));
    stub.compact();
    await until(() => changes.length === 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(changes.slice(2).sort()).toEqual(['add c@106', 'delete before@101', 'update a@104']);
    expect(stub.requests.slice(-3)).toEqual(['watch@103', 'list@', 'watch@106']);
  });
});
