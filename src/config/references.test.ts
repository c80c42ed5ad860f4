import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from './issues.js';
import { checkReferences } from './references.js';

const check = (yaml: string) => checkReferences(parse(yaml)).map((i) => `${i.severity}: ${formatIssue(i)}`);

describe('checkReferences', () => {
  it('rejects plugins of one name from two repositories bound together', () => {
    expect(
      check(`
communications:
  g:
    discord:
      channels:
        c: {id: "1", bindings: {executors: [a, b]}}
executors:
  a: {botkube/helm: {enabled: true}}
  b: {acme/helm: {enabled: true}, acme/other: {enabled: false}}
`),
    ).toEqual([
      'error: communications.g.discord.channels.c.bindings.executors: channel "c" of communications.g.discord binds plugin "helm" from different repositories (botkube/helm in "a", acme/helm in "b"); use one',
    ]);
  });

  it('checks action and sink bindings, webhook auth groups and alias targets', () => {
    expect(
      check(`
sources: {pods: {}}
executors: {tools: {botkube/kubectl: {}}}
actions:
  a: {bindings: {sources: [pod], executors: [tools]}}
communications:
  g:
    elasticsearch: {indices: {i: {bindings: {sources: [deployments]}}}}
plugins:
  incomingWebhook: {auth: {pod: {type: bearer, token: t}}}
aliases:
  k: {command: kubectl}
  x: {command: kubeclt get pods}
  h: {command: help}
`),
    ).toEqual([
      'error: communications.g.elasticsearch.indices.i.bindings.sources[0]: index "i" of communications.g.elasticsearch binds source group "deployments", which is not defined under sources (defined: pods)',
      'error: actions.a.bindings.sources[0]: action "a" binds source group "pod", which is not defined under sources (did you mean "pods"?)',
      'error: plugins.incomingWebhook.auth.pod: webhook auth is set for source group "pod", which is not defined under sources (did you mean "pods"?)',
      'warning: aliases.x.command: alias "x" expands to "kubeclt", which is neither an executor plugin nor a built-in command',
    ]);
  });
});
