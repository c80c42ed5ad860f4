import { describe, expect, it } from 'vitest';
import { parseButtonTemplate } from './button-template.js';
import type { KubeEvent } from './kube-event.js';
import { hasPinnedTag } from './recommendations.js';
import { renderEvent } from './render.js';
import { runCommandOptions } from './run-command-options.js';

const base: KubeEvent = {
  APIVersion: 'v1',
  Kind: 'Pod',
  Title: 'v1/pods error',
  Name: 'web-1',
  Namespace: 'shop',
  Messages: ['Back-off restarting failed container'],
  Type: 'error',
  Reason: 'BackOff',
  Level: 'error',
  Cluster: 'prod',
  TimeStamp: '2026-12-07T08:00:00Z',
  Count: 5,
  Action: '',
  Resource: 'v1/pods',
  Recommendations: [],
  Warnings: [],
};

const podVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

describe('the "Run command..." options', () => {
  it("offer Botkube's default verbs the guard allows, sorted, with the namespace", () => {
    expect(
      runCommandOptions({ plural: 'pods', name: 'web-1', namespace: 'shop', apiVerbs: podVerbs }),
    ).toEqual([
      { name: 'describe', value: 'describe pods web-1 --namespace shop' },
      { name: 'get', value: 'get pods web-1 --namespace shop' },
      { name: 'logs', value: 'logs pods/web-1 --namespace shop' },
      { name: 'top', value: 'top pods web-1 --namespace shop' },
    ]);
  });

  it('never offer delete, leave out namespaces for cluster objects, and respect the API verbs', () => {
    expect(
      runCommandOptions({ plural: 'nodes', name: 'n1', namespace: '', apiVerbs: ['get'] }, [
        'delete',
        'cordon',
        'get',
        'logs',
      ]),
    ).toEqual([
      { name: 'cordon', value: 'cordon nodes n1' },
      { name: 'get', value: 'get nodes n1' },
    ]);
    expect(
      runCommandOptions({ plural: 'configmaps', name: 'c', namespace: 'x', apiVerbs: ['list'] }),
    ).toEqual([]);
  });
});

describe('event messages', () => {
  const commandOptions = runCommandOptions({
    plural: 'pods',
    name: 'web-1',
    namespace: 'shop',
    apiVerbs: podVerbs,
  });

  it("render Botkube's interactive layout: fields, messages, buttons and the select", () => {
    const message = renderEvent(base, {
      interactive: true,
      commandOptions,
      buttons: [
        {
          displayName: 'Logs',
          template: parseButtonTemplate('kubectl logs {{ .Kind | lower }}/{{ .Name }} -n {{.Namespace}}'),
          triggers: ['error'],
        },
        { displayName: 'Never', template: parseButtonTemplate('x'), triggers: ['create'] },
      ],
    });
    expect(message).toEqual({
      baseBody: {},
      timestamp: '2026-12-07T08:00:00Z',
      sections: [
        {
          header: '❗ v1/pods error',
          textFields: [
            { key: 'Kind', value: 'Pod' },
            { key: 'Name', value: 'web-1' },
            { key: 'Namespace', value: 'shop' },
            { key: 'Reason', value: 'BackOff' },
            { key: 'Cluster', value: 'prod' },
            { key: 'Count', value: '5' },
          ],
          bulletLists: [{ title: 'Messages', items: ['Back-off restarting failed container'] }],
        },
        {
          buttons: [
            { name: 'Logs', command: '{{BotName}} kubectl logs pod/web-1 -n shop', style: 'primary' },
          ],
          selects: {
            items: [
              {
                type: 'static',
                name: 'Run command...',
                command: '{{BotName}} kubectl',
                optionGroups: [{ name: 'Supported commands', options: commandOptions }],
              },
            ],
          },
        },
      ],
    });
  });

  it('render a single section for non-interactive streams and no select for deletes', () => {
    const created = renderEvent(
      {
        ...base,
        Type: 'create',
        Level: 'success',
        Title: 'v1/pods created',
        Reason: '',
        Messages: [],
        Count: 0,
        Recommendations: ['r'],
      },
      { interactive: false, commandOptions, buttons: [] },
    );
    expect(created).toEqual({
      type: 'nonInteractiveEventSingleSection',
      baseBody: {},
      timestamp: '2026-12-07T08:00:00Z',
      sections: [
        {
          header: '🟢 v1/pods created',
          textFields: [
            { key: 'Kind', value: 'Pod' },
            { key: 'Name', value: 'web-1' },
            { key: 'Namespace', value: 'shop' },
            { key: 'Cluster', value: 'prod' },
          ],
          bulletLists: [{ title: 'Recommendations', items: ['r'] }],
        },
      ],
    });
    const deleted = renderEvent(
      { ...base, Type: 'delete', Title: 'v1/pods deleted' },
      { interactive: true, commandOptions, buttons: [] },
    );
    expect(deleted.sections).toHaveLength(1);
  });

  it('button templates refuse what they cannot render and show missing fields as Go does', () => {
    expect(() => parseButtonTemplate('{{ .Name | trunc 3 }}')).toThrow(
      'unknown function "trunc 3"; supported are lower, upper, quote',
    );
    expect(() => parseButtonTemplate('x {{ .Name')).toThrow('a "{{" has no closing "}}"');
    const message = renderEvent(base, {
      interactive: true,
      commandOptions: [],
      buttons: [
        { displayName: 'B', template: parseButtonTemplate('echo {{ .Nope | quote }}'), triggers: ['all'] },
      ],
    });
    expect(message.sections?.[1]?.buttons?.[0]?.command).toBe('{{BotName}} echo "<no value>"');
  });
});

describe('image tags', () => {
  it('take a registry port for a port, not a tag', () => {
    expect(hasPinnedTag('nginx')).toBe(false);
    expect(hasPinnedTag('nginx:latest')).toBe(false);
    expect(hasPinnedTag('registry:5000/app')).toBe(false);
    expect(hasPinnedTag('registry:5000/app:1.2')).toBe(true);
    expect(hasPinnedTag('app@sha256:abc')).toBe(true);
  });
});
