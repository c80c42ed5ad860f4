import { describe, expect, it } from 'vitest';
import type { Message, Select } from '../../src/sdk/index.js';
import { type BuilderLookups, parseBuilderState, previewCommand, renderBuilder } from './builder.js';
import type { KubectlConfig } from './config.js';

const lookups: BuilderLookups = {
  namespaces: async () => ['default', 'kube-system', 'team-a'],
  names: async (type, namespace) => (type === 'pods' && namespace === 'team-a' ? ['web-1', 'web-2'] : []),
};
const config: KubectlConfig = {
  defaultNamespace: 'default',
  interactiveBuilder: {
    allowed: { verbs: ['get', 'logs', 'api-versions', 'edit'], resources: ['pods', 'nodes'] },
  },
};
const selects = (m: Message): Select[] => m.sections?.[0]?.selects?.items ?? [];

describe('kubectl builder state', () => {
  it('reads flag/value pairs from the command and drops values that are not one plain word', () => {
    expect(parseBuilderState(['--verbs', 'get', '--resource-type', 'pods', '--namespace', 'a;b'])).toEqual({
      verb: 'get',
      type: 'pods',
    });
  });

  it("reads Botkube's Slack block-action state, with the command's words winning", () => {
    const slack = new TextEncoder().encode(
      JSON.stringify({
        values: {
          'block-1': {
            'kubectl @builder --verbs': { selected_option: { value: 'logs' } },
            'kubectl @builder --resource-type': { selected_option: { value: 'pods' } },
            'kubectl @builder --namespace': { selected_option: { value: 'team-a' } },
          },
        },
      }),
    );
    expect(parseBuilderState(['--resource-name', 'web-1', '--namespace', 'default'], slack)).toEqual({
      verb: 'logs',
      type: 'pods',
      namespace: 'default',
      name: 'web-1',
    });
    expect(parseBuilderState([], new TextEncoder().encode('not json'))).toEqual({});
  });

  it('previews a command only once it can run', () => {
    expect(previewCommand({ verb: 'api-versions' }, 'default')).toBe('kubectl api-versions');
    expect(previewCommand({ verb: 'get' }, 'default')).toBeUndefined();
    expect(previewCommand({ verb: 'get', type: 'pods' }, 'team-a')).toBe('kubectl get pods -n team-a');
    expect(previewCommand({ verb: 'get', type: 'nodes', name: 'n1' }, 'team-a')).toBe('kubectl get nodes n1');
    expect(previewCommand({ verb: 'logs', type: 'pods' }, 'default')).toBeUndefined();
    expect(previewCommand({ verb: 'logs', type: 'pods', name: 'web', namespace: 'x' }, 'default')).toBe(
      'kubectl logs web -n x',
    );
    expect(previewCommand({ verb: 'logs', type: 'deployments', name: 'web' }, 'd')).toBe(
      'kubectl logs deployments/web -n d',
    );
  });
});

describe('kubectl builder messages', () => {
  it('starts with the verb select only, never offering a verb the guard refuses', async () => {
    const m = await renderBuilder({}, config, true, lookups);
    expect(selects(m)).toEqual([
      {
        type: 'static',
        name: 'Select command',
        command: '{{BotName}} kubectl @builder --verbs',
        optionGroups: [
          {
            name: 'Select command',
            options: ['get', 'logs', 'api-versions'].map((v) => ({ name: v, value: v })),
          },
        ],
      },
    ]);
    expect(m.onlyVisibleForYou).toBe(true);
    expect(m.replaceOriginal).toBe(false);
    expect(m.sections).toHaveLength(1);
  });

  it('walks verb → resource → namespace → name, each select carrying the choices before it', async () => {
    const m = await renderBuilder({ verb: 'logs', type: 'pods', namespace: 'team-a' }, config, true, lookups);
    expect(selects(m).map((s) => [s.name, s.command, s.initialOption?.value])).toEqual([
      ['Select command', '{{BotName}} kubectl @builder --verbs', 'logs'],
      ['Select resource', '{{BotName}} kubectl @builder --verbs logs --resource-type', 'pods'],
      [
        'Select namespace',
        '{{BotName}} kubectl @builder --verbs logs --resource-type pods --namespace',
        'team-a',
      ],
      [
        'Select name',
        '{{BotName}} kubectl @builder --verbs logs --resource-type pods --namespace team-a --resource-name',
        undefined,
      ],
    ]);
    expect(selects(m)[2]?.optionGroups?.[0]?.options.map((o) => o.name)).toEqual([
      'team-a',
      'default (namespace)',
      'kube-system',
    ]);
    expect(m.replaceOriginal).toBe(true);
    // logs needs a name: no preview yet.
    expect(m.sections).toHaveLength(1);

    const done = await renderBuilder(
      { verb: 'logs', type: 'pods', namespace: 'team-a', name: 'web-2' },
      config,
      true,
      lookups,
    );
    expect(done.sections?.[1]).toEqual({
      body: { codeBlock: 'kubectl logs web-2 -n team-a' },
      buttons: [
        { name: 'Run command', command: '{{BotName}} kubectl logs web-2 -n team-a', style: 'primary' },
      ],
    });
  });

  it('skips the namespace for cluster-wide types and says when there is nothing to pick', async () => {
    const m = await renderBuilder({ verb: 'get', type: 'nodes' }, config, true, lookups);
    expect(selects(m).map((s) => s.name)).toEqual(['Select command', 'Select resource']);
    expect(m.sections?.[1]?.body?.codeBlock).toBe('kubectl get nodes');
    expect(m.sections?.[2]).toEqual({ context: [{ text: 'No nodes found.' }] });
  });

  it('offers only what commands.verbs and commands.resources let run', async () => {
    const narrow: KubectlConfig = { ...config, commands: { verbs: ['get', 'logs'], resources: ['nodes'] } };
    const start = await renderBuilder({}, narrow, true, lookups);
    expect(selects(start)[0]?.optionGroups?.[0]?.options.map((o) => o.value)).toEqual(['get', 'logs']);
    const get = await renderBuilder({ verb: 'get' }, narrow, true, lookups);
    expect(selects(get)[1]?.optionGroups?.[0]?.options.map((o) => o.value)).toEqual(['nodes']);
    const logs = await renderBuilder(
      { verb: 'logs' },
      {
        ...config,
        interactiveBuilder: { allowed: { resources: ['pods', 'deployments', 'jobs'] } },
        commands: { resources: ['deployments'] },
      },
      true,
      lookups,
    );
    expect(selects(logs)[1]?.optionGroups?.[0]?.options.map((o) => o.value)).toEqual(['deployments']);
  });

  it('ignores choices the config does not offer', async () => {
    const m = await renderBuilder({ verb: 'delete', type: 'secrets' }, config, true, lookups);
    expect(selects(m)).toHaveLength(1);
    expect(selects(m)[0]?.initialOption).toBeUndefined();
  });

  it('asks for a typed command where the platform has no dropdowns', async () => {
    const m = await renderBuilder({}, config, false, lookups);
    expect(m.baseBody.plaintext).toContain('type the whole command');
  });
});
