import { describe, expect, it } from 'vitest';
import { envNameForPath, envNameToPath } from '../core/env-names.js';
import { readEnvOverrides } from './env-overrides.js';

const top = new Set(['communications', 'settings', 'plugins', 'aliases', 'configWatcher']);

describe('envNameForPath', () => {
  it.each([
    ['settings.healthPort', 'SWITCHBOARD_SETTINGS_HEALTH__PORT'],
    ['settings.metricsAddress', 'SWITCHBOARD_SETTINGS_METRICS__ADDRESS'],
    ['plugins.incomingWebhook.port', 'SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_PORT'],
    [
      'plugins.incomingWebhook.inClusterBaseURL',
      'SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_IN__CLUSTER__BASE__U__R__L',
    ],
    ['communications.default-group.console.port', 'SWITCHBOARD_COMMUNICATIONS_DEFAULT-GROUP_CONSOLE_PORT'],
  ])('%s → %s, which reads back as the same key', (path, name) => {
    expect(envNameForPath(path.split('.'))).toBe(name);
    expect(envNameToPath(name, 'SWITCHBOARD_')?.join('.')).toBe(path);
  });

  it('gives none for keys no variable can spell (capitals or underscores in a map key)', () => {
    expect(envNameForPath(['communications', 'Team', 'console', 'port'])).toBeUndefined();
    expect(envNameForPath(['communications', 'my_group', 'console', 'port'])).toBeUndefined();
  });
});

describe('envNameToPath (Botkube normalizeConfigEnvName)', () => {
  it.each([
    ['SWITCHBOARD_SETTINGS_KUBECONFIG', 'settings.kubeconfig'],
    ['SWITCHBOARD_SETTINGS_CLUSTER__NAME', 'settings.clusterName'],
    ['SWITCHBOARD_SETTINGS_METRICS__PORT', 'settings.metricsPort'],
    ['SWITCHBOARD_COMMUNICATIONS_SLACK__TOKEN_ID__NAME', 'communications.slackToken.idName'],
    ['SWITCHBOARD_COMMUNICATIONS_SLACK__TOKEN_ID_NAME', 'communications.slackToken.id.name'],
    [
      'SWITCHBOARD_MY__COMMUNICATIONS_RANDOM__WORD_SLACK__TOKEN_ID_NAME',
      'myCommunications.randomWord.slackToken.id.name',
    ],
    [
      'SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_IN__CLUSTER__BASE__U__R__L',
      'plugins.incomingWebhook.inClusterBaseURL',
    ],
    [
      'SWITCHBOARD_COMMUNICATIONS_DEFAULT-GROUP_SOCKET__SLACK_BOT__TOKEN',
      'communications.default-group.socketSlack.botToken',
    ],
  ])('%s → %s', (name, path) => {
    expect(envNameToPath(name, 'SWITCHBOARD_')?.join('.')).toBe(path);
  });

  it('rejects empty segments', () => {
    expect(envNameToPath('SWITCHBOARD_SETTINGS_', 'SWITCHBOARD_')).toBeUndefined();
    expect(envNameToPath('SWITCHBOARD_SETTINGS_LOG_', 'SWITCHBOARD_')).toBeUndefined();
  });
});

describe('readEnvOverrides', () => {
  it('builds a tree from config variables only, leaving service and path variables alone', () => {
    const { tree, overrides, issues } = readEnvOverrides(
      {
        SWITCHBOARD_SETTINGS_CLUSTER__NAME: 'prod',
        SWITCHBOARD_SETTINGS_LOG_LEVEL: 'debug',
        SWITCHBOARD_SERVICE_HOST: '10.0.0.1',
        SWITCHBOARD_PORT: 'tcp://10.0.0.1:2112',
        SWITCHBOARD_CONFIG_PATHS: '/a.yaml',
        HOME: '/root',
      },
      top,
    );
    expect(tree).toEqual({ settings: { clusterName: 'prod', log: { level: 'debug' } } });
    expect(overrides.map((o) => o.name).sort()).toEqual([
      'SWITCHBOARD_SETTINGS_CLUSTER__NAME',
      'SWITCHBOARD_SETTINGS_LOG_LEVEL',
    ]);
    expect(issues).toEqual([]);
  });

  it('lets SWITCHBOARD_ win over BOTKUBE_ for the same key, with a warning naming the loser', () => {
    const { tree, issues } = readEnvOverrides(
      {
        BOTKUBE_SETTINGS_CLUSTER__NAME: 'old',
        SWITCHBOARD_SETTINGS_CLUSTER__NAME: 'new',
        BOTKUBE_SETTINGS_KUBECONFIG: '/k',
      },
      top,
    );
    expect(tree).toEqual({ settings: { clusterName: 'new', kubeconfig: '/k' } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      severity: 'warning',
      message:
        'BOTKUBE_SETTINGS_CLUSTER__NAME is ignored: SWITCHBOARD_SETTINGS_CLUSTER__NAME sets the same key',
    });
  });

  it('parses values starting with [ or { as YAML flow syntax, and reports bad ones', () => {
    const { tree, issues } = readEnvOverrides(
      {
        SWITCHBOARD_ALIASES: '{kgp: {command: kubectl get pods}}',
        SWITCHBOARD_PLUGINS_RUNTIME_ENV_ALLOW: '[AWS_REGION, KUBECONFIG]',
        SWITCHBOARD_SETTINGS_CLUSTER__NAME: '{oops',
      },
      top,
    );
    expect(tree).toEqual({
      aliases: { kgp: { command: 'kubectl get pods' } },
      plugins: { runtime: { env: { allow: ['AWS_REGION', 'KUBECONFIG'] } } },
    });
    expect(issues).toMatchObject([
      { severity: 'error', code: 'env', source: { kind: 'env', name: 'SWITCHBOARD_SETTINGS_CLUSTER__NAME' } },
    ]);
  });

  it('reports a config variable with an empty segment', () => {
    const { issues } = readEnvOverrides({ SWITCHBOARD_SETTINGS_LOG_: 'x' }, top);
    expect(issues).toMatchObject([
      { severity: 'error', code: 'env', message: expect.stringMatching(/empty segment/) },
    ]);
  });
});
