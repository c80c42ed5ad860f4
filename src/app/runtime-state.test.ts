import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeState, runtimeStateFile } from './runtime-state.js';

const fresh = async () => join(await mkdtemp(join(tmpdir(), 'sb-state-')), 'state', 'runtime.json');

describe('RuntimeState', () => {
  it('defaults to the configured value and persists changes across loads', async () => {
    const path = await fresh();
    const state = await RuntimeState.load(path);
    expect(state.notifications('slack', 'C1', true)).toBe(true);
    await state.setNotifications('slack', 'C1', false);
    await state.setAction('describe-pod', true);
    const again = await RuntimeState.load(path);
    expect(again.notifications('slack', 'C1', true)).toBe(false);
    expect(again.notifications('slack', 'C2', true)).toBe(true);
    expect(again.action('describe-pod', false)).toBe(true);
  });

  it('keeps the last of many quick changes', async () => {
    const path = await fresh();
    const state = await RuntimeState.load(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => state.setNotifications('d', 'c', i % 2 === 0)));
    expect(JSON.parse(await readFile(path, 'utf8')).notifications['d|c']).toBe(false);
  });

  it('names a corrupt file', async () => {
    const path = await fresh();
    await (await RuntimeState.load(path)).setAction('x', true);
    await writeFile(path, '{broken');
    await expect(RuntimeState.load(path)).rejects.toThrow(`runtime state file ${path} is not valid JSON`);
  });

  it('keeps one file per config: absolute paths, in any order', () => {
    const a = runtimeStateFile('/state', ['/etc/sb/global.yaml', '/etc/sb/slack.yaml']);
    expect(a).toMatch(/^\/state\/runtime-state-[0-9a-f]{16}\.json$/);
    expect(runtimeStateFile('/state', ['/etc/sb/slack.yaml', '/etc/sb/global.yaml'])).toBe(a);
    expect(runtimeStateFile('/state', ['/etc/sb/global.yaml'])).not.toBe(a);
    expect(runtimeStateFile('/state', ['/etc/other/global.yaml', '/etc/sb/slack.yaml'])).not.toBe(a);
    const relative = runtimeStateFile('/state', ['global.yaml']);
    expect(relative).toBe(runtimeStateFile('/state', [join(process.cwd(), 'global.yaml')]));
  });
});
