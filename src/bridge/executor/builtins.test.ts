import { describe, expect, it } from 'vitest';
import type { Message } from '../../contract/message.js';
import type { InboundCommand } from '../../core/inbound-command.js';
import type { BuiltinCommand } from '../../core/route.js';
import type { PluginStatus } from '../../plugins/host/supervisor.js';
import { type BuiltinContext, createBuiltinResponder } from './builtins.js';
import { formatTable, formatUptime, shortenError } from './builtins-format.js';
import type { ChannelView } from './command-handler.js';

const channel: ChannelView = {
  destinationId: 'default/socketSlack',
  channelId: 'C1',
  channelName: 'ops',
  executorGroups: ['k8s-tools'],
};

const inbound: InboundCommand = {
  botId: 'default/socketSlack',
  channel: { id: 'C1', name: 'ops' },
  user: { id: 'U1', mention: '<@U1>', displayName: 'ana' },
  text: 'help',
  origin: 'typed',
};

function plugin(name: string, extra: Partial<PluginStatus> = {}): PluginStatus {
  return { name, state: 'running', restarts: 0, recentCrashes: 0, uptimeMs: 0, ...extra };
}

interface Fake extends BuiltinContext {
  notifications: boolean;
  calls: string[];
}

function fakeContext(overrides: Partial<BuiltinContext> = {}): Fake {
  const actions = [
    {
      name: 'describe-pod',
      displayName: 'Describe',
      enabled: true,
      command: 'kubectl describe pod',
      sources: ['k8s-events'],
    },
    { name: 'show-logs', displayName: 'Logs', enabled: false, command: 'kubectl logs', sources: [] },
  ];
  const fake: Fake = {
    version: 'v0.3.1',
    clusterName: () => 'prod',
    notifications: true,
    calls: [],
    channelExecutors: () => [
      {
        group: 'k8s-tools',
        key: 'botkube/kubectl',
        name: 'kubectl',
        status: plugin('botkube/kubectl', { restarts: 2 }),
      },
      { group: 'k8s-tools', key: 'botkubeExtra/helm', name: 'helm' },
    ],
    channelSources: () => [
      {
        group: 'k8s-events',
        key: 'botkube/kubernetes',
        status: plugin('botkube/kubernetes', { state: 'restarting', restarts: 4 }),
      },
      { group: 'k8s-events', key: 'botkubeExtra/argocd' },
      { group: 'alerts', key: 'botkubeExtra/prometheus' },
    ],
    actions: () => actions,
    aliases: () => ({
      kgp: { command: 'kubectl get pods', displayName: 'Get pods' },
      k: { command: 'kubectl' },
    }),
    notificationsEnabled: () => fake.notifications,
    async setNotifications(_channel, enabled) {
      fake.calls.push(`notifications ${enabled}`);
      fake.notifications = enabled;
    },
    sourceGroups: () => [
      { name: 'k8s-events', displayName: 'Kubernetes events' },
      { name: 'alerts', displayName: '' },
      { name: 'argo', displayName: 'Argo CD' },
    ],
    async setSourceBindings(_channel, groups) {
      fake.calls.push(`sourcebindings ${groups.join(',')}`);
    },
    async setAction(name, enabled) {
      fake.calls.push(`action ${name} ${enabled}`);
      const found = actions.find((a) => a.name === name);
      if (found) found.enabled = enabled;
      return found !== undefined;
    },
    redactedConfigYaml: () =>
      'communications:\n  default:\n    socketSlack:\n      botToken: "**redacted**"\n',
    plugins: () => [
      plugin('botkube/kubectl', { pid: 4242, restarts: 1, uptimeMs: 3_723_000 }),
      plugin('botkubeExtra/helm', {
        state: 'quarantined',
        restarts: 5,
        lastError: `exit status 2: ${'x'.repeat(100)}\nsecond line`,
      }),
    ],
    platforms: () => [
      { id: 'default/socketSlack', status: { state: 'connected', reconnects: 0 } },
      { id: 'team/discord', status: { state: 'reconnecting', reconnects: 3, lastError: 'socket hang up' } },
    ],
    ...overrides,
  };
  return fake;
}

function empty(): Fake {
  return fakeContext({
    channelExecutors: () => [],
    channelSources: () => [],
    actions: () => [],
    aliases: () => ({}),
    plugins: () => [],
    platforms: () => [],
  });
}

async function run(context: BuiltinContext, command: BuiltinCommand): Promise<Message> {
  return createBuiltinResponder(context).respond(command, channel, inbound);
}

/** The cells of a table's lines, split on runs of two or more blanks. */
function cells(table: string | undefined): string[][] {
  return (table ?? '').split('\n').map((line) => line.split(/ {2,}/));
}

describe('help', () => {
  it('explains how to run commands and offers buttons', async () => {
    const message = await run(fakeContext(), { verb: 'help' });
    const [intro, basics, notif] = message.sections ?? [];
    expect(intro?.description).toContain('`@Switchboard <command>`');
    expect(intro?.description).toContain('`kubectl`, `helm`');
    expect(basics?.buttons?.map((b) => b.command)).toEqual([
      '{{BotName}} ping',
      '{{BotName}} list executors',
      '{{BotName}} list sources',
      '{{BotName}} status',
    ]);
    expect(notif?.description).toBe('Notifications are enabled in this channel.');
    expect(notif?.buttons?.map((b) => [b.name, b.command])).toEqual([
      ['Disable notifications', '{{BotName}} disable notifications'],
    ]);
  });

  it('offers to enable notifications when they are off, and says when no executors are bound', async () => {
    const context = empty();
    context.notifications = false;
    const message = await run(context, { verb: 'help' });
    expect(message.sections?.[0]?.description).toContain('No executors are bound to this channel');
    const notif = message.sections?.[2];
    expect(notif?.description).toBe('Notifications are disabled in this channel.');
    expect(notif?.buttons?.[0]?.command).toBe('{{BotName}} enable notifications');
  });
});

describe('ping, version, feedback', () => {
  it('ping answers pong with version and cluster', async () => {
    const text = (await run(fakeContext(), { verb: 'ping' })).baseBody.plaintext;
    expect(text).toBe('pong\nSwitchboard version: v0.3.1\nCluster: prod');
  });

  it('version gives the version string', async () => {
    const text = (await run(fakeContext(), { verb: 'version' })).baseBody.plaintext;
    expect(text).toBe('Switchboard version: v0.3.1\nCluster: prod');
  });

  it('feedback points to the issue tracker without a URL', async () => {
    const text = (await run(fakeContext(), { verb: 'feedback' })).baseBody.plaintext ?? '';
    expect(text).toContain('Open an issue in the Switchboard repository');
    expect(text).not.toMatch(/https?:/);
  });
});

describe('list', () => {
  it('lists the executors bound here with status and restarts', async () => {
    const message = await run(fakeContext(), { verb: 'list', resource: 'executors' });
    expect(cells(message.baseBody.codeBlock)).toEqual([
      ['EXECUTOR', 'GROUP', 'STATUS', 'RESTARTS'],
      ['kubectl', 'k8s-tools', 'running', '2'],
      ['helm', 'k8s-tools', 'not running', '-'],
    ]);
  });

  it('aligns columns', async () => {
    const message = await run(fakeContext(), { verb: 'list', resource: 'executors' });
    const lines = (message.baseBody.codeBlock ?? '').split('\n');
    const column = (line: string | undefined) => line?.indexOf('k8s-tools');
    expect(lines[0]?.indexOf('GROUP')).toBe(column(lines[1]));
    expect(column(lines[1])).toBe(column(lines[2]));
  });

  it('lists the sources bound here', async () => {
    const message = await run(fakeContext(), { verb: 'list', resource: 'sources' });
    expect(cells(message.baseBody.codeBlock)).toEqual([
      ['SOURCE GROUP', 'PLUGIN', 'STATUS', 'RESTARTS'],
      ['k8s-events', 'botkube/kubernetes', 'restarting', '4'],
      ['k8s-events', 'botkubeExtra/argocd', 'not running', '-'],
      ['alerts', 'botkubeExtra/prometheus', 'not running', '-'],
    ]);
  });

  it('lists actions', async () => {
    const message = await run(fakeContext(), { verb: 'list', resource: 'actions' });
    expect(cells(message.baseBody.codeBlock)).toEqual([
      ['ACTION', 'ENABLED', 'SOURCES', 'COMMAND'],
      ['describe-pod', 'true', 'k8s-events', 'kubectl describe pod'],
      ['show-logs', 'false', '-', 'kubectl logs'],
    ]);
  });

  it('lists aliases sorted by name', async () => {
    const message = await run(fakeContext(), { verb: 'list', resource: 'aliases' });
    expect(cells(message.baseBody.codeBlock)).toEqual([
      ['ALIAS', 'COMMAND', 'DISPLAY NAME'],
      ['k', 'kubectl', '-'],
      ['kgp', 'kubectl get pods', 'Get pods'],
    ]);
  });

  it('says so when lists are empty', async () => {
    const context = empty();
    const texts = await Promise.all(
      (['executors', 'sources', 'actions', 'aliases'] as const).map(
        async (resource) => (await run(context, { verb: 'list', resource })).baseBody,
      ),
    );
    expect(texts).toEqual([
      { plaintext: 'No executors are bound to this channel.' },
      { plaintext: 'No sources are bound to this channel.' },
      { plaintext: 'No actions are configured.' },
      { plaintext: 'No aliases are configured.' },
    ]);
  });
});

describe('notifications', () => {
  it('disables and enables through the context', async () => {
    const context = fakeContext();
    const off = await run(context, { verb: 'notifications', action: 'disable' });
    expect(off.baseBody.plaintext).toBe('Notifications are now disabled in this channel.');
    const on = await run(context, { verb: 'notifications', action: 'enable' });
    expect(on.baseBody.plaintext).toBe('Notifications are now enabled in this channel.');
    expect(context.calls).toEqual(['notifications false', 'notifications true']);
  });

  it('says when nothing changes, without calling the setter', async () => {
    const context = fakeContext();
    const message = await run(context, { verb: 'notifications', action: 'enable' });
    expect(message.baseBody.plaintext).toBe('Notifications are already enabled in this channel.');
    expect(context.calls).toEqual([]);
  });

  it('shows the state with a toggle button', async () => {
    const context = fakeContext();
    context.notifications = false;
    const message = await run(context, { verb: 'notifications', action: 'status' });
    expect(message.sections?.[0]?.description).toBe('Notifications are disabled in this channel.');
    expect(message.sections?.[0]?.buttons?.[0]?.command).toBe('{{BotName}} enable notifications');
    expect(context.calls).toEqual([]);
  });

  it('reports a failing setter', async () => {
    const context = fakeContext({
      setNotifications: async () => {
        throw new Error('disk full');
      },
    });
    const message = await run(context, { verb: 'notifications', action: 'disable' });
    expect(message.baseBody.plaintext).toBe(
      'Could not disable notifications: disk full. They stay enabled in this channel.',
    );
  });
});

describe('action', () => {
  it('enables and disables an action through the context', async () => {
    const context = fakeContext();
    const on = await run(context, { verb: 'action', action: 'enable', name: 'show-logs' });
    expect(on.baseBody.plaintext).toBe('Action `show-logs` is now enabled.');
    const off = await run(context, { verb: 'action', action: 'disable', name: 'describe-pod' });
    expect(off.baseBody.plaintext).toBe('Action `describe-pod` is now disabled.');
    expect(context.calls).toEqual(['action show-logs true', 'action describe-pod false']);
  });

  it('says when the action is already in that state', async () => {
    const context = fakeContext();
    const message = await run(context, { verb: 'action', action: 'enable', name: 'describe-pod' });
    expect(message.baseBody.plaintext).toBe('Action `describe-pod` is already enabled.');
    expect(context.calls).toEqual([]);
  });

  it('lists the known actions for an unknown name', async () => {
    const message = await run(fakeContext(), { verb: 'action', action: 'enable', name: 'nope' });
    expect(message.baseBody.plaintext).toBe(
      'There is no action called `nope`. Known actions: `describe-pod`, `show-logs`.',
    );
  });

  it('says no actions are configured for an unknown name and no actions', async () => {
    const context = empty();
    context.setAction = async () => false;
    const message = await run(context, { verb: 'action', action: 'disable', name: 'nope' });
    expect(message.baseBody.plaintext).toBe('There is no action called `nope`: no actions are configured.');
  });
});

describe('show-config', () => {
  it('shows the redacted YAML as a code block', async () => {
    const message = await run(fakeContext(), { verb: 'show-config' });
    expect(message.baseBody).toEqual({
      codeBlock: 'communications:\n  default:\n    socketSlack:\n      botToken: "**redacted**"',
    });
  });
});

describe('status', () => {
  it('shows plugin and platform tables and the notification state', async () => {
    const message = await run(fakeContext(), { verb: 'status' });
    const [plugins, platforms, notif] = message.sections ?? [];
    expect(plugins?.header).toBe('Plugins');
    const rows = cells(plugins?.body?.codeBlock);
    expect(rows[0]).toEqual(['PLUGIN', 'STATE', 'PID', 'RESTARTS', 'UPTIME', 'LAST ERROR']);
    expect(rows[1]).toEqual(['botkube/kubectl', 'running', '4242', '1', '1h2m', '-']);
    const helm = rows[2] ?? [];
    expect(helm.slice(0, 5)).toEqual(['botkubeExtra/helm', 'quarantined', '-', '5', '-']);
    expect(helm[5]).toMatch(/^exit status 2: x+…$/);
    expect(helm[5]?.length).toBe(60);
    expect(cells(platforms?.body?.codeBlock)).toEqual([
      ['PLATFORM', 'STATE', 'RECONNECTS', 'LAST ERROR'],
      ['default/socketSlack', 'connected', '0', '-'],
      ['team/discord', 'reconnecting', '3', 'socket hang up'],
    ]);
    expect(notif?.description).toBe('Notifications are enabled in this channel.');
    expect(message.baseBody.plaintext).toBe('Switchboard v0.3.1 on prod');
  });

  it('says so when nothing runs', async () => {
    const message = await run(empty(), { verb: 'status' });
    expect(message.sections?.[0]?.body?.codeBlock).toBe('No plugins are running.');
    expect(message.sections?.[1]?.body?.codeBlock).toBe('No chat platforms are configured.');
  });
});

describe('sourcebindings', () => {
  it('status lists the bound source groups', async () => {
    const message = await run(fakeContext(), { verb: 'sourcebindings', action: 'status', names: [] });
    expect(message.baseBody.plaintext).toContain('Source groups bound to this channel');
    expect(cells(message.baseBody.codeBlock)).toEqual([
      ['SOURCE GROUP', 'PLUGINS'],
      ['k8s-events', 'botkube/kubernetes,botkubeExtra/argocd'],
      ['alerts', 'botkubeExtra/prometheus'],
    ]);
  });

  it('status says when nothing is bound', async () => {
    const message = await run(empty(), { verb: 'sourcebindings', action: 'status', names: [] });
    expect(message.baseBody.plaintext).toBe(
      'No source groups are bound to this channel, so it gets no notifications.',
    );
  });

  it('edit with names binds exactly those groups, once each', async () => {
    const context = fakeContext();
    const message = await run(context, {
      verb: 'sourcebindings',
      action: 'edit',
      names: ['argo', 'alerts,argo'],
    });
    expect(context.calls).toEqual(['sourcebindings argo,alerts']);
    expect(message.baseBody.plaintext).toContain('Source bindings of this channel are now `argo`, `alerts`');
  });

  it('edit refuses unknown group names and lists the configured ones, changing nothing', async () => {
    const context = fakeContext();
    const message = await run(context, { verb: 'sourcebindings', action: 'edit', names: ['alerts', 'nope'] });
    expect(message.baseBody.plaintext).toBe(
      'Unknown source group `nope`. Configured source groups: `k8s-events`, `alerts`, `argo`.',
    );
    expect(context.calls).toEqual([]);
  });

  it('edit alone offers a multi-select of every group with the bound ones pre-selected', async () => {
    const message = await run(fakeContext(), { verb: 'sourcebindings', action: 'edit', names: [] });
    const select = message.sections?.[0]?.multiSelect;
    expect(select?.command).toBe('{{BotName}} edit sourcebindings');
    expect(select?.options?.map((o) => o.value)).toEqual(['k8s-events', 'alerts', 'argo']);
    expect(select?.options?.map((o) => o.name)).toEqual(['Kubernetes events', 'alerts', 'Argo CD']);
    expect(select?.initialOptions?.map((o) => o.value)).toEqual(['k8s-events', 'alerts']);
    expect(message.baseBody.plaintext).toContain('Now bound: `k8s-events`, `alerts`');
  });
});

describe('format helpers', () => {
  it('formatTable pads columns and trims line ends', () => {
    expect(
      formatTable(
        ['A', 'LONG'],
        [
          ['xyz', ''],
          ['b\nc', 'v'],
        ],
      ),
    ).toBe('A    LONG\nxyz  -\nb c  v');
  });

  it('shortenError keeps the first line within the limit', () => {
    expect(shortenError(undefined)).toBe('-');
    expect(shortenError('\n  boom  \nmore')).toBe('boom');
    expect(shortenError('abcdefghij', 5)).toBe('abcd…');
  });

  it('formatUptime shows two units', () => {
    expect(formatUptime(0)).toBe('0s');
    expect(formatUptime(45_900)).toBe('45s');
    expect(formatUptime(192_000)).toBe('3m12s');
    expect(formatUptime(3_600_000)).toBe('1h');
    expect(formatUptime(4 * 86_400_000 + 3 * 3_600_000 + 59_000)).toBe('4d3h');
  });
});
