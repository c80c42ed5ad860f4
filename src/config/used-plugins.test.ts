import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/support/config-from.js';
import { usedPluginKeys, usedPlugins } from './used-plugins.js';

const groups = `
sources:
  pods:
    botkube/kubernetes: {enabled: true}
    botkube/prometheus: {enabled: false}
  alerts:
    botkube/prometheus: {enabled: true}
  lonely:
    botkube/keptn: {enabled: true}
  cron:
    botkube/schedule: {enabled: true}
executors:
  tools:
    botkube/kubectl: {enabled: true}
    botkube/helm@v1.2.0: {enabled: true}
  more-tools:
    botkube/kubectl: {enabled: true}
  fixes:
    botkube/exec: {enabled: true}
  unused:
    botkube/doctor: {enabled: true}
`;

describe('usedPlugins', () => {
  it('keeps plugins enabled in groups bound by an enabled channel, sink, trigger or action', () => {
    const config = configFrom(`${groups}
communications:
  g:
    socketSlack:
      enabled: true
      botToken: xoxb-1
      appToken: xapp-1
      channels:
        ops:
          name: ops
          bindings: {sources: [pods], executors: [tools]}
          messageTriggers: [{command: exec fix, executors: [fixes]}]
    discord:
      enabled: false
      channels:
        off: {id: "1", bindings: {sources: [lonely], executors: [unused]}}
    mattermost:
      enabled: true
      channels:
        mm: {name: x, bindings: {sources: [lonely]}}
    webhook:
      enabled: true
      url: https://hooks.example
      bindings: {sources: [alerts]}
actions:
  on:
    enabled: true
    command: kubectl get pods
    bindings: {sources: [cron], executors: [more-tools]}
  off:
    enabled: false
    command: doctor
    bindings: {sources: [lonely], executors: [unused]}
`);
    expect(usedPluginKeys(config)).toEqual([
      'botkube/exec',
      'botkube/helm@v1.2.0',
      'botkube/kubectl',
      'botkube/kubernetes',
      'botkube/prometheus',
      'botkube/schedule',
    ]);
    expect(usedPlugins(config).find((p) => p.key === 'botkube/kubectl')).toEqual({
      key: 'botkube/kubectl',
      kind: 'executor',
      groups: ['more-tools', 'tools'],
    });
  });

  it('is empty when nothing enabled binds anything', () => {
    expect(usedPluginKeys(configFrom(groups))).toEqual([]);
  });
});
