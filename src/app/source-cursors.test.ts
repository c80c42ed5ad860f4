import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import { runtimeStateFile } from './runtime-state.js';
import { createFileCursorStore, sourceCursorsFile, streamCursorKey } from './source-cursors.js';

const fresh = async () => join(await mkdtemp(join(tmpdir(), 'sb-cursors-')), 'state', 'cursors.json');
const onDisk = async (path: string) =>
  (JSON.parse(await readFile(path, 'utf8')) as { cursors: Record<string, string> }).cursors;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${ms} ms`);
  }
}

describe('file source cursor store', () => {
  it('writes behind: at most one write per interval, the last cursor of each stream wins', async () => {
    const path = await fresh();
    const store = createFileCursorStore({ path, logger: createTestLogger().logger, intervalMs: 1000 });
    // The first write starts after this; the next may start no sooner than an interval after it.
    const beforeFirstWrite = Date.now();
    store.set('a', '1');
    await until(async () => JSON.stringify(await onDisk(path).catch(() => ({}))) === '{"a":"1"}');
    store.set('a', '2');
    store.set('b', 'x');
    store.set('a', '3');
    await sleep(200);
    // Within the interval of the first write: nothing new on disk yet.
    expect(await onDisk(path)).toEqual({ a: '1' });
    await until(async () => (await onDisk(path)).a === '3');
    expect(Date.now() - beforeFirstWrite).toBeGreaterThanOrEqual(1000);
    expect(await onDisk(path)).toEqual({ a: '3', b: 'x' });
    await store.close();
    expect((await readdir(join(path, '..'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('flush writes at once; close flushes and ignores later cursors; a new store loads them', async () => {
    const path = await fresh();
    const logger = createTestLogger().logger;
    const store = createFileCursorStore({ path, logger, intervalMs: 60_000 });
    expect(await store.load()).toEqual(new Map());
    store.set('a', '1');
    await store.flush();
    store.set('a', '2');
    await store.close();
    store.set('a', '3');
    await sleep(20);
    expect(await onDisk(path)).toEqual({ a: '2' });
    expect(await createFileCursorStore({ path, logger }).load()).toEqual(new Map([['a', '2']]));
  });

  it('names a corrupt or foreign file', async () => {
    const path = await fresh();
    await mkdir(join(path, '..'), { recursive: true });
    const store = () => createFileCursorStore({ path, logger: createTestLogger().logger });
    await writeFile(path, '{broken');
    await expect(store().load()).rejects.toThrow(`source cursor file ${path} is not valid JSON`);
    await writeFile(path, JSON.stringify({ version: 1, cursors: { a: 5 } }));
    await expect(store().load()).rejects.toThrow(
      `source cursor file ${path}: expected {"version": 1, "cursors": {<stream key>: <string>}}`,
    );
  });

  it('logs a failed write and writes the newest cursors once it can', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-cursors-'));
    const path = join(dir, 'state', 'cursors.json');
    // A file where the directory should be: every write fails (root ignores permissions).
    await writeFile(join(dir, 'state'), '');
    const { logger, lines } = createTestLogger();
    const store = createFileCursorStore({ path, logger, intervalMs: 50 });
    store.set('a', '1');
    await expect(store.flush()).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(lines.some((l) => l.msg === 'source cursors not written; trying again' && l.file === path)).toBe(
      true,
    );
    store.set('a', '2');
    await rm(join(dir, 'state'));
    await until(async () => (await onDisk(path).catch(() => ({}) as Record<string, string>)).a === '2');
    expect(await onDisk(path)).toEqual({ a: '2' });
    await store.close();
  });

  it('keys streams by group, plugin and config, and files like the runtime state', () => {
    const key = streamCursorKey('k8s', 'botkube/kubernetes', new TextEncoder().encode('a: 1\n'));
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(streamCursorKey('k8s', 'botkube/kubernetes', new TextEncoder().encode('a: 2\n'))).not.toBe(key);
    expect(streamCursorKey('k8s2', 'botkube/kubernetes', new TextEncoder().encode('a: 1\n'))).not.toBe(key);
    const file = sourceCursorsFile('/state', ['/etc/sb/a.yaml']);
    expect(file.replace('source-cursors-', 'runtime-state-')).toBe(
      runtimeStateFile('/state', ['/etc/sb/a.yaml']),
    );
  });
});
