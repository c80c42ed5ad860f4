import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  formatIssue,
  formatPath,
  loadConfig,
  redactConfig,
  usedPluginKeys,
} from '../../src/config/index.js';
import { repoRoot } from '../support/build-fixtures.js';
import { test } from '../support/temp-dir.js';

const fixtures = join(repoRoot, 'test/fixtures/config');
const helm = (name: string) => join(fixtures, 'botkube-helm', name);

/** What a Botkube Helm deployment sets in the agent's environment (tokens from its Secret). */
const helmEnv = {
  'BOTKUBE_COMMUNICATIONS_DEFAULT-GROUP_SOCKET__SLACK_BOT__TOKEN': 'xoxb-from-env',
  'BOTKUBE_COMMUNICATIONS_DEFAULT-GROUP_SOCKET__SLACK_APP__TOKEN': 'xapp-from-env',
  'BOTKUBE_COMMUNICATIONS_DEFAULT-GROUP_DISCORD_TOKEN': 'discord-from-env',
  'BOTKUBE_COMMUNICATIONS_DEFAULT-GROUP_ELASTICSEARCH_PASSWORD': 'es-from-env',
  BOTKUBE_PLUGINS_INCOMING__WEBHOOK_PORT: '2115',
  BOTKUBE_PLUGINS_INCOMING__WEBHOOK_IN__CLUSTER__BASE__U__R__L: 'http://botkube.botkube.svc.cluster.local',
  BOTKUBE_SETTINGS_METRICS__PORT: '2112',
  BOTKUBE_PORT: 'tcp://10.96.0.12:2112',
  BOTKUBE_SERVICE_HOST: '10.96.0.12',
};

describe('Botkube configurations load unchanged', () => {
  it('loads the plugin-contract illustration (socketSlack, discord, webhook, kubernetes, kubectl, actions, aliases, plugins)', async () => {
    const { config, warnings } = await loadConfig({
      files: [join(fixtures, 'botkube/illustration.yaml')],
      env: {},
    });

    expect(config.settings.clusterName).toBe('prod-eu-1');
    expect(config.settings.log).toEqual({ level: 'info', formatter: 'json', disableColors: false });
    const team = config.communications['team-a'];
    expect(team?.socketSlack?.channels.ops?.bindings).toEqual({
      sources: ['pod-failures'],
      executors: ['read-only'],
    });
    expect(team?.socketSlack?.botToken.reveal()).toBe('xoxb-REPLACE-ME');
    expect(team?.discord?.botID).toBe('123456789012345678');
    expect(team?.discord?.channels.alerts?.id).toBe('234567890123456789');
    expect(config.sources['pod-failures']?.displayName).toBe('Pod failures');
    expect(config.sources['pod-failures']?.plugins['botkube/kubernetes']?.config).toEqual({
      namespaces: { include: ['.*'], exclude: ['kube-system'] },
      event: { types: ['error'] },
      resources: [{ type: 'v1/pods' }],
    });
    expect(config.executors['read-only']?.plugins['botkube/kubectl']?.context.rbac?.group).toEqual({
      type: 'ChannelName',
      prefix: 'chat-',
      static: { values: [] },
    });
    expect(config.actions['describe-failed-pod']?.enabled).toBe(false);
    expect(config.aliases.kgp).toEqual({ command: 'kubectl get pods', displayName: 'List pods' });
    expect(config.plugins.restartPolicy).toMatchObject({ type: 'DeactivatePlugin', threshold: 10 });
    expect(config.plugins.healthCheckInterval.ms).toBe(10_000);
    expect(config.plugins.incomingWebhook.inClusterBaseURL).toBe(
      'http://switchboard.monitoring.svc.cluster.local',
    );
    expect(usedPluginKeys(config)).toEqual(['botkube/kubectl', 'botkube/kubernetes']);
    // Only the disabled action whose executor has a ChannelName policy (enabling it would fail:
    // actions have no channel, Botkube #1045) and the open incoming webhook are worth a warning;
    // nothing in the file is unknown or ignored.
    expect(warnings.map((w) => [w.code, formatPath(w.path)])).toEqual([
      ['invalid', 'executors.read-only["botkube/kubectl"].context.rbac.group.type'],
      ['missing', 'plugins.incomingWebhook.auth'],
    ]);
  });

  it("loads the Helm chart's files and environment, merging _-prefixed state files last", async () => {
    // Given in an order that would be wrong if `_` files were not moved to the end.
    const files = [
      '_runtime_state.yaml',
      'global_config.yaml',
      '_startup_state.yaml',
      'comm_config.yaml',
    ].map(helm);
    const { config, warnings } = await loadConfig({ files, env: helmEnv });

    const slack = config.communications['default-group']?.socketSlack;
    expect(slack?.botToken.reveal()).toBe('xoxb-from-env');
    // _runtime_state.yaml replaced the list from comm_config.yaml; _startup_state.yaml muted the channel.
    expect(slack?.channels.default?.bindings.sources).toEqual(['k8s-err-events', 'k8s-all-events']);
    expect(slack?.channels.default?.bindings.executors).toEqual([
      'k8s-default-tools',
      'bins-management',
      'ai',
      'flux',
    ]);
    expect(slack?.channels.default?.notification.disabled).toBe(true);
    expect(slack?.channels.default?.messageTriggers[0]).toMatchObject({ command: 'kubectl get pods -A' });
    expect(config.actions['show-logs-on-error']?.enabled).toBe(true);
    // A 19-digit unquoted Discord ID stays exact.
    expect(config.communications['default-group']?.discord?.botID).toBe('1101946624376930314');
    expect(config.plugins.incomingWebhook.port).toBe(2115);
    expect(config.plugins.incomingWebhook.inClusterBaseURL).toBe('http://botkube.botkube.svc.cluster.local');
    expect(config.settings.healthPort).toBe(2114);
    // YAML anchors and aliases (&default-plugin-context) resolve.
    expect(
      config.executors['k8s-default-tools']?.plugins['botkube/kubectl']?.context.rbac?.group?.static.values,
    ).toEqual(['botkube-plugins-default']);
    expect(usedPluginKeys(config)).toEqual(['botkube/helm', 'botkube/kubectl', 'botkube/kubernetes']);

    // Botkube-only settings are accepted with a warning each, pointing at the key.
    const ignored = warnings.filter((w) => w.code === 'ignored').map(formatIssue);
    expect(ignored).toContainEqual(
      expect.stringMatching(
        /global_config\.yaml:\d+:3: settings\.upgradeNotifier: Botkube setting ignored by Switchboard/,
      ),
    );
    expect(ignored.some((w) => w.includes('configWatcher.image'))).toBe(true);
    // Disabled Mattermost and Botkube Cloud sections are not worth a warning; the enabled Discord runs.
    expect(warnings.filter((w) => w.code === 'unsupported').map((w) => formatPath(w.path))).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(
      Object.isFrozen(
        config.communications['default-group']?.socketSlack?.channels.default?.bindings.sources,
      ),
    ).toBe(true);
  });

  it('does not let code change the loaded config', async () => {
    const { config } = await loadConfig({ files: [join(fixtures, 'botkube/illustration.yaml')], env: {} });
    expect(() => {
      (config.settings as { clusterName: string }).clusterName = 'x';
    }).toThrow(TypeError);
    expect(() => (config.aliases.kgp as unknown as { command: string[] }).command.toString()).not.toThrow();
  });

  test('accepts Botkube quirks: string ports and booleans, keys in another case, nulls, unsupported platforms', async ({
    dir,
  }) => {
    const file = await dir.write(
      'quirks.yaml',
      `communications:
  g:
    mattermost:
      enabled: true
      url: https://mm.example
      channels: {a: {name: a}}
    console: {enabled: "true", channels: {local: {name: local}}}
sources:
  cm:
    botkube/cm-watcher:
      Enabled: true
      context:
        RBAC:
          group: {type: Static, static: {values: [developers]}}
settings:
  metricsPort: "9090"
  log:
    level: warning
    disableColors: "false"
  kubeconfig:
`,
    );
    const { config, warnings } = await loadConfig({ files: [file], env: {} });
    expect(config.settings.metricsPort).toBe(9090);
    expect(config.settings.log.level).toBe('warn');
    expect(config.settings.kubeconfig).toBeUndefined();
    expect(config.communications.g?.console?.enabled).toBe(true);
    expect(config.sources.cm?.plugins['botkube/cm-watcher']).toMatchObject({
      enabled: true,
      context: { rbac: { group: { type: 'Static' } } },
    });
    const lines = warnings.map(formatIssue);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /quirks\.yaml:11:7: sources\.cm\["botkube\/cm-watcher"\]\.enabled: key written as "Enabled"/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /quirks\.yaml:3:5: communications\.g\.mattermost: enabled, but not supported: Switchboard has no Mattermost bot/,
      ),
    );
  });

  it('prints back as a Botkube-shaped config that loads again', async () => {
    const { config } = await loadConfig({ files: [join(fixtures, 'botkube/illustration.yaml')], env: {} });
    const plain = redactConfig(config);
    expect(plain.sources).toMatchObject({
      'pod-failures': { displayName: 'Pod failures', 'botkube/kubernetes': {} },
    });
  });
});

describe('environment overrides', () => {
  test('set nested and camelCase keys, SWITCHBOARD_ over BOTKUBE_ over files', async ({ dir }) => {
    const file = await dir.write(
      'config.yaml',
      `settings:
  clusterName: from-file
  log: {level: error}
communications:
  team:
    discord:
      enabled: true
      token: from-file
      botID: "1"
      channels: {c: {id: "2"}}
`,
    );
    const { config } = await loadConfig({
      files: [file],
      env: {
        BOTKUBE_SETTINGS_CLUSTER__NAME: 'from-botkube-env',
        SWITCHBOARD_SETTINGS_CLUSTER__NAME: 'from-switchboard-env',
        SWITCHBOARD_SETTINGS_LOG_LEVEL: 'debug',
        SWITCHBOARD_COMMUNICATIONS_TEAM_DISCORD_TOKEN: 'from-env',
        SWITCHBOARD_PLUGINS_HEALTH__CHECK__INTERVAL: '30s',
        SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_ENABLED: 'false',
        SWITCHBOARD_SETTINGS_COMMANDS_CONCURRENCY__PER__CHANNEL: '4',
        SWITCHBOARD_ALIASES: '{kgp: {command: kubectl get pods}}',
      },
    });
    expect(config.settings.clusterName).toBe('from-switchboard-env');
    expect(config.settings.log.level).toBe('debug');
    expect(config.communications.team?.discord?.token.reveal()).toBe('from-env');
    expect(config.plugins.healthCheckInterval.ms).toBe(30_000);
    expect(config.plugins.incomingWebhook.enabled).toBe(false);
    expect(config.settings.commands.concurrencyPerChannel).toBe(4);
    expect(config.aliases.kgp?.command).toBe('kubectl get pods');
  });

  it('names the variable when its value is wrong or its key unknown', async () => {
    const failure = await loadConfig({
      files: [],
      env: { SWITCHBOARD_SETTINGS_HEALTH__PORT: 'eighty', SWITCHBOARD_SETTINGS_CLUSTER__NAMES: 'x' },
    }).then(
      () => new Error('expected the config to be rejected'),
      (err: unknown) => err as Error,
    );
    expect(failure.message).toContain(
      'environment variable SWITCHBOARD_SETTINGS_HEALTH__PORT: settings.healthPort: expected a whole number, got "eighty"',
    );
    expect(failure.message).toContain(
      'environment variable SWITCHBOARD_SETTINGS_CLUSTER__NAMES: settings.clusterNames: unknown key "clusterNames"; did you mean "clusterName"?',
    );
  });
});

describe("Botkube v1.14's own Helm chart and config test data", () => {
  // Rendered by Botkube's chart from its default values.yaml; kept beside the repository
  // (CI has shared/ there), never copied in. A missing folder fails the load: no skip.
  const chart = join(repoRoot, '..', 'shared', 'fixtures', 'botkube-v1.14-chart');
  const warningLines = (warnings: readonly Parameters<typeof formatIssue>[0][]) =>
    warnings.map((w) => formatIssue(w).replace(`${chart}/`, ''));

  it('validates the configuration the chart renders from its default values', async () => {
    const { config, warnings } = await loadConfig({
      files: [join(chart, 'global_config.yaml'), join(chart, 'comm_config.yaml')],
      env: {},
    });

    const group = config.communications['default-group'];
    // The disabled Elasticsearch block keeps its placeholder server out of the value checks.
    expect(group?.elasticsearch?.enabled).toBe(false);
    expect(group?.mattermost?.enabled).toBe(false);
    expect(config.executors['k8s-default-tools']?.plugins['botkubeExtra/helm']?.enabled).toBe(true);
    expect(warningLines(warnings)).toEqual([
      expect.stringMatching(
        /^global_config\.yaml:4:7: executors\.k8s-default-tools\["botkube\/kubectl"\]\.displayName: Botkube setting ignored by Switchboard: /,
      ),
      expect.stringMatching(
        /^global_config\.yaml:17:7: executors\.k8s-default-tools\["botkubeExtra\/helm"\]\.displayName: /,
      ),
      expect.stringMatching(/^global_config\.yaml:\d+:3: settings\.upgradeNotifier: /),
      expect.stringMatching(/^global_config\.yaml:\d+:3: settings\.systemConfigMap: /),
      expect.stringMatching(/^global_config\.yaml:\d+:3: configWatcher\.inCluster: /),
      'comm_config.yaml:2:3: communications: no chat platform or sink is enabled; events and commands have nowhere to go (enable console for a local web chat)',
    ]);
  });

  test('accepts the keys of Botkube 1.x config test data, warning that they are ignored', async ({ dir }) => {
    // From kubeshop/botkube pkg/config/testdata/TestLoadConfigSuccess (config-all.yaml, config-global.yaml).
    const file = await dir.write(
      'config.yaml',
      `settings:
  clusterName: not-configured
  configWatcher: true
communications:
  default-workspace:
    socketSlack:
      enabled: true
      channels: {alias: {name: SLACK_CHANNEL, notification: {disabled: false}}}
      notification: {type: short}
      botToken: xoxb-token
      appToken: xapp-token
    discord:
      enabled: false
      token: DISCORD_TOKEN
      botID: DISCORD_BOT_ID
      channels: {alias: {id: DISCORD_CHANNEL_ID}}
      notification: {type: short}
    mattermost:
      enabled: false
      notification: {type: short}
sources:
  k8s-events:
    displayName: "Plugins & Builtins"
    botkube/kubernetes:
      recommendations: {pod: {noLatestImageTag: false}}
      namespaces: {include: [".*"]}
      event: {types: [create]}
      events: [create]
      annotations: {my-annotation: "true"}
      labels: {my-label: "true"}
      resources: [{type: v1/pods}]
`,
    );
    const { warnings } = await loadConfig({ files: [file], env: {} });
    const ignored = warnings.filter((w) => w.code === 'ignored').map((w) => formatPath(w.path));
    expect(ignored).toEqual([
      'settings.configWatcher',
      'communications.default-workspace.socketSlack.notification',
      'communications.default-workspace.discord.notification',
      'communications.default-workspace.mattermost.notification',
      ...['recommendations', 'namespaces', 'event', 'events', 'annotations', 'labels', 'resources'].map(
        (key) => `sources.k8s-events["botkube/kubernetes"].${key}`,
      ),
    ]);
    expect(warnings.filter((w) => w.severity !== 'warning')).toEqual([]);
  });

  test('still checks the values of a block once it is enabled', async ({ dir }) => {
    const file = await dir.write(
      'config.yaml',
      'communications:\n  g:\n    elasticsearch:\n      enabled: true\n      server: ELASTICSEARCH_ADDRESS\n      indices: {a: {name: botkube}}\n',
    );
    const failure = await loadConfig({ files: [file], env: {} }).then(
      () => new ConfigError([]),
      (err: unknown) => err as ConfigError,
    );
    expect(failure.issues.map(formatIssue)).toEqual([
      `${file}:5:15: communications.g.elasticsearch.server: server is not a URL; expected e.g. https://es.example.com:9200`,
    ]);
  });

  test('names an enabled platform Switchboard does not run, as a warning', async ({ dir }) => {
    const file = await dir.write(
      'config.yaml',
      `communications:
  g:
    console: {enabled: true, channels: {ops: {name: ops}}}
    discord: {enabled: true, token: t, botID: "1", channels: {ops: {id: "2"}}}
    rocketChat: {enabled: true, url: "https://chat.example", userId: u, authToken: t, channels: {ops: {name: ops}}}
    mattermost: {enabled: true}
`,
    );
    const { warnings } = await loadConfig({ files: [file], env: {} });
    expect(warnings.filter((w) => w.code === 'unsupported').map(formatIssue)).toEqual([
      `${file}:6:5: communications.g.mattermost: enabled, but not supported: Switchboard has no Mattermost bot; this section is validated and ignored. Use socketSlack, discord, rocketChat or console.`,
    ]);
  });
});
