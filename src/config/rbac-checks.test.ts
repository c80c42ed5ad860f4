import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from './issues.js';
import { loadConfig } from './load.js';
import { checkRbac } from './rbac-checks.js';
import { checkReferences } from './references.js';
import { Config } from './schema.js';

const check = (yaml: string) =>
  checkRbac(Config.parse(parse(yaml))).map((i) => `${i.severity}: ${formatIssue(i)}`);

describe('context.rbac checks at config load', () => {
  it('refuses a Static policy without names, naming the field and what it expects', () => {
    expect(
      check(`
executors:
  tools:
    botkube/kubectl: {enabled: true, context: {rbac: {user: {type: Static}, group: {type: Static, static: {values: [ops, " "]}}}}}
    botkube/helm: {enabled: false, context: {rbac: {user: {type: Static}}}}
`),
    ).toEqual([
      'error: executors.tools["botkube/kubectl"].context.rbac.user.static.value: user.type is "Static" but static.value is empty: expected the user name to impersonate',
      'error: executors.tools["botkube/kubectl"].context.rbac.group.static.values: group.type is "Static" but static.values is ["ops"," "]: expected one or more non-empty group names',
    ]);
  });

  it('refuses ChannelName for sources and for executors that actions run (Botkube #1045)', () => {
    expect(
      check(`
sources:
  k8s: {botkube/kubernetes: {enabled: true, context: {rbac: {group: {type: ChannelName, prefix: "sb:"}}}}}
executors:
  tools: {botkube/kubectl: {enabled: true, context: {rbac: {user: {type: ChannelName}}}}}
  fixed: {botkube/kubectl: {enabled: true, context: {rbac: {group: {type: Static, static: {values: [v]}}}}}}
actions:
  describe: {enabled: true, command: "kubectl get pods", bindings: {sources: [k8s], executors: [tools, fixed]}}
  later: {enabled: false, command: "kubectl get pods", bindings: {sources: [k8s], executors: [tools]}}
`),
    ).toEqual([
      'error: sources.k8s["botkube/kubernetes"].context.rbac.group.type: group.type "ChannelName" cannot resolve here: sources have no channel; use "Static"',
      'error: executors.tools["botkube/kubectl"].context.rbac.user.type: user.type "ChannelName" cannot resolve here: action "describe" runs this executor and actions have no channel; use "Static"',
      'warning: executors.tools["botkube/kubectl"].context.rbac.user.type: user.type "ChannelName" cannot resolve here: action "later" runs this executor and actions have no channel (the action is disabled; enabling it would fail); use "Static"',
    ]);
  });

  it('warns when a prefix or name is given without a type (no identity at all)', () => {
    expect(
      check(`
executors:
  tools: {botkube/kubectl: {enabled: true, context: {rbac: {user: {prefix: "sb:"}, group: {static: {values: [ops]}}}}}}
`),
    ).toEqual([
      'warning: executors.tools["botkube/kubectl"].context.rbac.user.type: user has a prefix or static.value but no type, so no user is impersonated; set type "Static" or "ChannelName"',
      'warning: executors.tools["botkube/kubectl"].context.rbac.group.type: group has a prefix or static.values but no type, so no group is impersonated; set type "Static" or "ChannelName"',
    ]);
  });

  it("accepts Botkube's chart policies and an entry without rbac", () => {
    expect(
      check(`
sources:
  k8s-err-events: {botkube/kubernetes: {enabled: true, context: {rbac: {group: {type: Static, static: {values: [botkube-plugins-default]}}}}}}
executors:
  k8s-default-tools:
    botkube/kubectl: {enabled: true, context: {rbac: {group: {type: Static, prefix: "", static: {values: [botkube-plugins-default]}}}}}
    botkube/echo: {enabled: true}
  per-channel: {botkube/helm: {enabled: true, context: {rbac: {user: {type: ChannelName, prefix: "chan:"}}}}}
`),
    ).toEqual([]);
  });

  it('refuses one plugin bound twice to a channel with different rbac, as Botkube does', () => {
    const issues = checkReferences(
      parse(`
communications:
  g:
    socketSlack:
      channels:
        ops: {name: ops, bindings: {executors: [a, b, c]}}
executors:
  a: {botkube/kubectl: {enabled: true, context: {rbac: {group: {type: Static, static: {values: [x]}}}}}}
  b: {botkube/kubectl: {enabled: true, context: {rbac: {group: {type: Static, static: {values: [y]}}}}}}
  c: {botkube/helm: {enabled: true}}
`),
    );
    expect(issues.map((i) => formatIssue(i))).toEqual([
      'communications.g.socketSlack.channels.ops.bindings.executors: channel "ops" of communications.g.socketSlack binds plugin "kubectl" with different context.rbac (botkube/kubectl in "a", botkube/kubectl in "b"); one call has one identity, so give them the same rbac',
    ]);
    const same = checkReferences(
      parse(`
communications: {g: {socketSlack: {channels: {ops: {name: ops, bindings: {executors: [a, b]}}}}}}
executors:
  a: {botkube/kubectl: {enabled: true, context: {rbac: {group: {type: Static, static: {values: [x]}}}}}}
  b: {botkube/kubectl: {enabled: true, context: {rbac: {group: {type: Static, prefix: "", static: {values: [x]}}, user: {type: ""}}}}}
`),
    );
    expect(same).toEqual([]);
  });

  it('makes loading fail with the file and line of the bad field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-rbac-check-'));
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      'executors:\n  tools:\n    botkube/kubectl:\n      enabled: true\n      context:\n        rbac:\n          user: {type: Static}\n',
    );
    await expect(loadConfig({ files: [file] })).rejects.toThrow(
      /config\.yaml:7.*user\.type is "Static" but static\.value is empty/s,
    );
  });
});
