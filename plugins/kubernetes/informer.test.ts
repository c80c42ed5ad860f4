import { afterEach, describe, expect, it } from 'vitest';
import type { PluginLogger } from '../../src/sdk/index.js';
import { startInformer } from './informer.js';
import type { ObjectChange } from './kube-object.js';
import { type ListWatchStub, startListWatchStub } from './list-watch-stub.js';

const quiet: PluginLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => unknown)[] = [];
const warnings: string[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  warnings.length = 0;
});

const configMaps = '/api/v1/configmaps';
const cm = (name: string) => ({ metadata: { name, namespace: 'ns' } });

async function setUp(watchIdleMs?: number, resume?: (stub: ListWatchStub) => string) {
  const stub = await startListWatchStub({
    '/api/v1': [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'watch'] }],
  });
  cleanups.push(() => stub.close());
  stub.change(configMaps, 'ADDED', cm('before'));
  const resumeFrom = resume?.(stub);
  const changes: string[] = [];
  const details: string[] = [];
  const informer = startInformer({
    client: stub.client,
    listPath: configMaps,
    retryDelayMs: () => 10,
    ...(watchIdleMs ? { watchIdleMs } : {}),
    ...(resumeFrom ? { resumeFrom } : {}),
    log: { ...quiet, warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`) },
    onChange: (c: ObjectChange) => {
      changes.push(`${c.type} ${c.object.metadata.name}@${c.object.metadata.resourceVersion}`);
      details.push(
        `${c.type} ${c.object.metadata.name}${c.old ? ` was@${c.old.metadata.resourceVersion}` : ''} at ${c.resourceVersion}`,
      );
    },
  });
  cleanups.push(() => informer.stop());
  await informer.synced;
  return { stub, changes, details, informer };
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

  it('resumes from a cursor: lists the collection as it was then and reports every change since, once', async () => {
    const { stub, details, informer } = await setUp(undefined, (stub) => {
      stub.change(configMaps, 'ADDED', cm('a'));
      stub.change(configMaps, 'ADDED', cm('quiet'));
      const cursor = '103';
      stub.change(configMaps, 'MODIFIED', cm('a'));
      stub.change(configMaps, 'ADDED', cm('b'));
      stub.change(configMaps, 'DELETED', cm('before'));
      stub.change(configMaps, 'ADDED', cm('gone'));
      stub.change(configMaps, 'DELETED', cm('gone'));
      return cursor;
    });
    await until(() => details.length === 5);
    stub.change(configMaps, 'MODIFIED', cm('b'));
    await until(() => details.length === 6);
    await new Promise((r) => setTimeout(r, 50));
    expect(details).toEqual([
      'update a was@102 at 104',
      'add b at 105',
      'delete before at 106',
      'add gone at 107',
      'delete gone at 108',
      'update b was@105 at 109',
    ]);
    expect(stub.requests.slice(0, 2)).toEqual(['list@103', 'watch@103']);
    expect(informer.get('ns/quiet')?.metadata.resourceVersion).toBe('103');
    expect(warnings).toEqual([]);
  });

  it('a compacted cursor: warns naming the collection, starts from now, and reports no made-up changes', async () => {
    const { stub, changes, informer } = await setUp(undefined, (stub) => {
      stub.change(configMaps, 'ADDED', cm('a'));
      stub.change(configMaps, 'MODIFIED', cm('a'));
      stub.compact();
      return '101';
    });
    stub.change(configMaps, 'ADDED', cm('after'));
    await until(() => changes.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(changes).toEqual(['add after@104']);
    expect(stub.requests.slice(0, 3)).toEqual(['list@101', 'list@', 'watch@103']);
    expect(informer.get('ns/a')?.metadata.resourceVersion).toBe('103');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot resume from the stream cursor');
    expect(warnings[0]).toContain('"path":"/api/v1/configmaps"');
    expect(warnings[0]).toContain('"status":410');
  });
});
