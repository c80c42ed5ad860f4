import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/support/config-from.js';
import { diffConfigs } from './diff.js';

const base = `
communications:
  g:
    socketSlack:
      enabled: true
      botToken: xoxb-1
      appToken: xapp-1
      channels:
        ops: {name: ops, bindings: {sources: [pods], executors: [tools]}}
        dev: {name: dev, bindings: {sources: [pods]}}
    webhook:
      enabled: true
      url: https://hooks.example
      bindings: {sources: [pods]}
sources:
  pods:
    botkube/kubernetes: {enabled: true, config: {namespaces: {include: [".*"]}}}
  alerts:
    botkube/prometheus: {enabled: true}
executors:
  tools:
    botkube/kubectl: {enabled: true}
actions:
  describe:
    enabled: true
    command: kubectl describe pod
    bindings: {sources: [pods], executors: [tools]}
aliases:
  k: {command: kubectl}
plugins:
  repositories:
    botkube: {url: https://example.com/index.yaml}
`;

/** Applies a YAML override to the base (deep merge is what a second file does). */
function changed(patch: (text: string) => string) {
  return diffConfigs(configFrom(base), configFrom(patch(base)));
}

describe('diffConfigs', () => {
  it('finds nothing between equal configs', () => {
    const diff = diffConfigs(configFrom(base), configFrom(base));
    expect(diff.changed).toBe(false);
    expect(diff).toMatchObject({
      plugins: { added: [], removed: [], changed: [] },
      bindings: [],
      settings: [],
    });
  });

  it('names the channel and the binding lists when a channel binds another source', () => {
    const diff = changed((t) =>
      t.replace(
        'ops: {name: ops, bindings: {sources: [pods]',
        'ops: {name: ops, bindings: {sources: [pods, alerts]',
      ),
    );
    expect(diff.changed).toBe(true);
    expect(diff.channels).toEqual({ added: [], removed: [], changed: ['g.socketSlack.ops'] });
    expect(diff.bindings).toEqual([
      { owner: 'g.socketSlack.ops', sources: { before: ['pods'], after: ['pods', 'alerts'] } },
    ]);
    expect(diff.plugins).toEqual({ added: ['botkube/prometheus'], removed: [], changed: [] });
    expect(diff.bots.changed).toEqual([]);
  });

  it('restarts only the bot whose credentials changed, without leaking the secret', () => {
    const diff = changed((t) => t.replace('botToken: xoxb-1', 'botToken: xoxb-2'));
    expect(diff.bots).toEqual({ added: [], removed: [], changed: ['g.socketSlack'] });
    expect(diff.channels.changed).toEqual([]);
    expect(JSON.stringify(diff)).not.toContain('xoxb');
  });

  it('reports a bot switched off as removed, and the plugins only it used as removed', () => {
    const diff = changed((t) =>
      t.replace('socketSlack:\n      enabled: true', 'socketSlack:\n      enabled: false'),
    );
    expect(diff.bots).toEqual({ added: [], removed: ['g.socketSlack'], changed: [] });
    // The action still binds tools and pods, and the webhook pods: nothing stops.
    expect(diff.plugins.removed).toEqual([]);
  });

  it('names a source group whose plugin config changed, and no plugin process', () => {
    const diff = changed((t) => t.replace('include: [".*"]', 'include: [shop]'));
    expect(diff.sourceGroups).toEqual({ added: [], removed: [], changed: ['pods'] });
    expect(diff.plugins).toEqual({ added: [], removed: [], changed: [] });
  });

  it('restarts plugin processes whose runtime settings changed', () => {
    const diff = changed((t) => `${t}  overrides:\n    botkube/kubectl: {callDeadline: 1m}\n`);
    expect(diff.plugins.changed).toEqual(['botkube/kubectl']);
    expect(diff.settings).toEqual(['plugins.overrides.botkube/kubectl']);
  });

  it('lists actions, aliases, sinks and settings by name or path', () => {
    const diff = changed(
      (t) =>
        `${t.replace('command: kubectl describe pod', 'command: kubectl get pod').replace('k: {command: kubectl}', 'kgp: {command: kubectl get pods}').replace('url: https://hooks.example', 'url: https://hooks2.example')}settings:\n  log: {level: debug}\n`,
    );
    expect(diff.actions).toEqual({ added: [], removed: [], changed: ['describe'] });
    expect(diff.aliases).toEqual({ added: ['kgp'], removed: ['k'], changed: [] });
    expect(diff.sinks).toEqual({ added: [], removed: [], changed: ['g.webhook'] });
    expect(diff.settings).toEqual(['settings.log.level']);
  });

  it('reports action binding changes and channels added and removed', () => {
    const diff = changed((t) =>
      t
        .replace(
          'bindings: {sources: [pods], executors: [tools]}\naliases',
          'bindings: {sources: [alerts], executors: [tools]}\naliases',
        )
        .replace('dev: {name: dev, bindings: {sources: [pods]}}', 'qa: {name: qa}'),
    );
    expect(diff.channels).toEqual({
      added: ['g.socketSlack.qa'],
      removed: ['g.socketSlack.dev'],
      changed: [],
    });
    expect(diff.bindings).toEqual([
      { owner: 'action:describe', sources: { before: ['pods'], after: ['alerts'] } },
    ]);
  });
});
