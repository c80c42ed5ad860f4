import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { configFrom } from '../../test/support/config-from.js';
import { test } from '../../test/support/temp-dir.js';
import { enabledActions, LiveConfig, notificationsOn } from './live-config.js';
import { RuntimeState } from './runtime-state.js';

const yaml = (sources: string) => `
communications:
  g:
    console:
      enabled: true
      port: 0
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [${sources}]}}
executors:
  tools:
    sb/echo: {enabled: true}
sources:
  alerts:
    sb/webhook: {enabled: true}
  builds:
    sb/webhook: {enabled: true}
actions:
  describe:
    enabled: true
    command: "echo {{ .Event }}"
    bindings: {sources: [alerts], executors: [tools]}
  quiet:
    enabled: false
    displayName: Quiet one
    command: "echo hi"
    bindings: {sources: [builds], executors: [tools]}
`;

describe('LiveConfig', () => {
  test('before start it runs on the loaded config, with the actions and notifications it configures', () => {
    const loaded = configFrom(yaml('alerts'));
    const live = new LiveConfig(loaded);
    expect(live.config()).toBe(loaded);
    expect(live.withOverrides(loaded)).toBe(loaded);
    expect(live.state()).toBeUndefined();
    expect(live.topology().channel('g/console', 'ops')?.sourceGroups).toEqual(['alerts']);
    expect(enabledActions(live).map((a) => a.name)).toEqual(['describe']);
    expect(notificationsOn(live)('g/console', 'ops')).toBe(true);
  });

  test('applies the runtime state: source bindings, action and notification switches', async ({ dir }) => {
    const file = join(dir.path, 'runtime.json');
    const saved = await RuntimeState.load(file);
    await saved.setSourceBindings('g/console', 'ops', ['builds']);
    await saved.setAction('quiet', true);
    await saved.setAction('describe', false);
    await saved.setNotifications('g/console', 'ops', false);

    const loaded = configFrom(yaml('alerts'));
    const live = new LiveConfig(loaded);
    await live.loadState(file);

    expect(live.baseConfig()).toBe(loaded);
    expect(live.topology().channel('g/console', 'ops')?.sourceGroups).toEqual(['builds']);
    expect(enabledActions(live)).toEqual([
      {
        name: 'quiet',
        displayName: 'Quiet one',
        command: 'echo hi',
        sources: ['builds'],
        executors: ['tools'],
      },
    ]);
    expect(notificationsOn(live)('g/console', 'ops')).toBe(false);
  });

  test('switches to a new config and hands back the one it replaced', () => {
    const first = configFrom(yaml('alerts'));
    const second = configFrom(yaml('alerts, builds'));
    const live = new LiveConfig(first);
    const before = live.topology();

    const previous = live.switchTo(second, second);

    expect(previous).toEqual({ config: first, topology: before });
    expect(live.config()).toBe(second);
    expect(live.baseConfig()).toBe(second);
    expect(live.topology().channel('g/console', 'ops')?.sourceGroups).toEqual(['alerts', 'builds']);
  });
});
