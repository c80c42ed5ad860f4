import { writeFileSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, onTestFinished } from 'vitest';
import {
  type Config,
  type ConfigDiff,
  ConfigError,
  type ConfigWatcher,
  loadConfig,
  watchConfig,
} from '../../src/config/index.js';
import { test } from '../support/temp-dir.js';

const config = (level: string, sources = '[pods]') => `communications:
  local:
    console:
      enabled: true
      channels:
        web: {name: web, bindings: {sources: ${sources}}}
sources:
  pods:
    botkube/kubernetes: {enabled: true}
  alerts:
    botkube/prometheus: {enabled: true}
settings:
  log: {level: ${level}}
`;

type Event = { kind: 'change'; config: Config; diff: ConfigDiff } | { kind: 'error'; error: Error };

/**
 * Rewrites a watched file in place, as an editor saving over it does. Synchronously: the watcher
 * runs in this process, so its debounce cannot fire between the truncation and the write and
 * read a half-written file (which would be an extra, spurious callback).
 */
const rewrite = (file: string, text: string) => writeFileSync(file, text);

/** Starts a watcher whose callbacks feed a queue; `next()` waits for the next callback. */
async function startWatcher(files: string[], initial?: Config) {
  const queue: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (event: Event) => {
    queue.push(event);
    wake?.();
  };
  const watcher: ConfigWatcher = watchConfig({
    files,
    env: {},
    debounceMs: 50,
    ...(initial ? { initial } : {}),
    onChange: (next, diff) => push({ kind: 'change', config: next, diff }),
    onError: (error) => push({ kind: 'error', error }),
  });
  onTestFinished(() => watcher.close());
  await watcher.ready;
  const next = async (): Promise<Event> => {
    // File events and the reload after them can take a while on a loaded machine.
    const deadline = Date.now() + 15_000;
    while (queue.length === 0) {
      if (Date.now() > deadline) throw new Error('no watcher callback within 15 s');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return queue.shift() as Event;
  };
  return { watcher, next, queue };
}

describe('watchConfig', () => {
  test('applies a valid change with its diff, and keeps the old config when a change is invalid', async ({
    dir,
  }) => {
    const file = await dir.write('config.yaml', config('info'));
    const { watcher, next } = await startWatcher([file]);
    expect(watcher.current()?.settings.log.level).toBe('info');

    rewrite(file, config('debug', '[pods, alerts]'));
    const change = await next();
    expect(change.kind).toBe('change');
    if (change.kind !== 'change') return;
    expect(change.config.settings.log.level).toBe('debug');
    expect(change.diff.settings).toEqual(['settings.log.level']);
    expect(change.diff.bindings).toEqual([
      { owner: 'local.console.web', sources: { before: ['pods'], after: ['pods', 'alerts'] } },
    ]);
    expect(change.diff.plugins.added).toEqual(['botkube/prometheus']);
    expect(watcher.current()).toBe(change.config);

    rewrite(file, config('loud'));
    const failure = await next();
    expect(failure.kind).toBe('error');
    if (failure.kind !== 'error') return;
    expect(failure.error).toBeInstanceOf(ConfigError);
    expect(failure.error.message).toMatch(
      /config\.yaml:13:16: settings\.log\.level: expected one of .*got "loud"/,
    );
    expect(watcher.current()?.settings.log.level).toBe('debug');

    rewrite(file, config('warn', '[pods, alerts]'));
    const fixed = await next();
    expect(fixed.kind === 'change' && fixed.config.settings.log.level).toBe('warn');
  });

  test('given the config loaded at start, applies a change saved before watching began', async ({ dir }) => {
    const file = await dir.write('config.yaml', config('info'));
    const loaded = await loadConfig({ files: [file], env: {} });
    // Saved while the agent was still starting (after the load, before the watcher).
    rewrite(file, config('debug'));
    const { watcher, next } = await startWatcher([file], loaded.config);
    const change = await next();
    expect(change.kind === 'change' && change.config.settings.log.level).toBe('debug');
    expect(watcher.current()?.settings.log.level).toBe('debug');
  });

  test('given the config loaded at start and files unchanged, reports nothing until an edit', async ({
    dir,
  }) => {
    const file = await dir.write('config.yaml', config('info'));
    const loaded = await loadConfig({ files: [file], env: {} });
    const { watcher, next } = await startWatcher([file], loaded.config);
    expect(watcher.current()?.settings.log.level).toBe('info');
    rewrite(file, config('warn'));
    // The first callback is this edit's: ready reported no change of its own.
    const change = await next();
    expect(change.kind === 'change' && change.config.settings.log.level).toBe('warn');
  });

  test('sees an editor replacing the file by rename, and ignores a save that changes nothing', async ({
    dir,
  }) => {
    const file = await dir.write('config.yaml', config('info'));
    const { next, queue } = await startWatcher([file]);

    rewrite(file, config('info'));
    await dir.write('.config.yaml.swp', 'editor noise');
    // No marker says "the watcher looked and did nothing", so this waits; a callback that came
    // later would still be caught below, queued ahead of the rename's change.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(queue).toEqual([]);

    const temp = await dir.write('config.yaml.tmp', config('error'));
    await rename(temp, file);
    const change = await next();
    expect(change.kind === 'change' && change.diff.settings).toEqual(['settings.log.level']);
  });

  test('follows a Kubernetes ConfigMap update (the ..data symlink swap)', async ({ dir }) => {
    // The kubelet's layout: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>/
    await dir.write('..2024_01_01/config.yaml', config('info'));
    await symlink('..2024_01_01', join(dir.path, '..data'));
    await symlink('..data/config.yaml', join(dir.path, 'config.yaml'));
    const { watcher, next } = await startWatcher([join(dir.path, 'config.yaml')]);
    expect(watcher.current()?.settings.log.level).toBe('info');

    await mkdir(join(dir.path, '..2024_01_02'));
    await writeFile(join(dir.path, '..2024_01_02/config.yaml'), config('debug'));
    await symlink('..2024_01_02', join(dir.path, '..data_tmp'));
    await rename(join(dir.path, '..data_tmp'), join(dir.path, '..data'));
    await rm(join(dir.path, '..2024_01_01'), { recursive: true });

    const change = await next();
    expect(change.kind === 'change' && change.config.settings.log.level).toBe('debug');

    // A second update: the directory the file first resolved to is gone by now.
    await mkdir(join(dir.path, '..2024_01_03'));
    await writeFile(join(dir.path, '..2024_01_03/config.yaml'), config('error'));
    await symlink('..2024_01_03', join(dir.path, '..data_tmp'));
    await rename(join(dir.path, '..data_tmp'), join(dir.path, '..data'));
    await rm(join(dir.path, '..2024_01_02'), { recursive: true });

    const second = await next();
    expect(second.kind === 'change' && second.config.settings.log.level).toBe('error');
  });

  test('reloads when a secret file the config reads is rotated, naming only the bot to restart', async ({
    dir,
  }) => {
    const token = await dir.write('secrets/discord-token', 'first-token\n');
    const file = await dir.write(
      'config.yaml',
      `communications:
  local:
    discord:
      enabled: true
      token: {fromFile: secrets/discord-token}
      botID: "1"
      channels: {c: {id: "2"}}
`,
    );
    const { watcher, next } = await startWatcher([file]);
    expect(watcher.current()?.communications.local?.discord?.token.reveal()).toBe('first-token');

    rewrite(token, 'second-token\n');
    const change = await next();
    expect(change.kind === 'change' && change.diff.bots).toEqual({
      added: [],
      removed: [],
      changed: ['local.discord'],
    });
    expect(watcher.current()?.communications.local?.discord?.token.reveal()).toBe('second-token');
  });

  test('reports a first load that fails, then delivers the first valid config in full', async ({ dir }) => {
    const file = await dir.write('config.yaml', 'settings: [oops\n');
    const { watcher, next } = await startWatcher([file]);
    const failure = await next();
    expect(failure.kind).toBe('error');
    expect(watcher.current()).toBeUndefined();

    rewrite(file, config('info'));
    const change = await next();
    expect(change.kind === 'change' && change.diff.bots.added).toEqual(['local.console']);
  });
});
