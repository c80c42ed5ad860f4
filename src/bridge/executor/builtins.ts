/**
 * Answers the agent's built-in chat commands (Botkube's `help`, `ping`, `list …`,
 * `enable|disable|status notifications`, `enable|disable action`, `show config`,
 * `status sourcebindings`…) from a {@link BuiltinContext}, which owns the state and its
 * persistence. Tables are code blocks with aligned columns; buttons run commands through the
 * `{{BotName}}` placeholder, so one message works on every platform.
 */

import {
  type Button,
  botNamePlaceholder,
  codeBlockMessage,
  commandButton,
  type Message,
  plaintextMessage,
  type Section,
} from '../../contract/message.js';
import type { BotStatus } from '../../core/bot-status.js';
import type { BuiltinCommand, ListResource } from '../../core/route.js';
import type { PluginStatus } from '../../plugins/host/supervisor.js';
import { formatTable, formatUptime, none, shortenError } from './builtins-format.js';
import type { BuiltinResponder, ChannelView } from './command-handler.js';

/** What the built-in commands read and change; implemented by the agent over its live state. */
export interface BuiltinContext {
  /** The agent's version, shown by `ping` and `version`. */
  version: string;
  /** The cluster name from the running settings (read per answer: a reload may change it), shown by `ping` and `version`. */
  clusterName(): string;
  /** Executor entries bound to the channel (enabled ones), with the plugin's status when it runs. */
  channelExecutors(
    channel: ChannelView,
  ): { group: string; key: string; name: string; status?: PluginStatus }[];
  /** Source groups bound to the channel and their plugin entries. */
  channelSources(channel: ChannelView): { group: string; key: string; status?: PluginStatus }[];
  /** Every configured action, enabled or not. */
  actions(): { name: string; displayName: string; enabled: boolean; command: string; sources: string[] }[];
  /** The configured command aliases, by alias word. */
  aliases(): Readonly<Record<string, { command: string; displayName?: string }>>;
  /** Whether the channel currently gets notifications. */
  notificationsEnabled(channel: ChannelView): boolean;
  /** Turns the channel's notifications on or off and persists the choice. */
  setNotifications(channel: ChannelView, enabled: boolean): Promise<void>;
  /** Enables or disables the action and persists the choice. Returns false when no action has that name. */
  setAction(name: string, enabled: boolean): Promise<boolean>;
  /** The running config with secrets redacted, as YAML text. */
  redactedConfigYaml(): string;
  /** The status of every supervised plugin. */
  plugins(): PluginStatus[];
  /** The connection status of every chat platform (bot), by bot id. */
  platforms(): { id: string; status: BotStatus }[];
  /** Every configured source group, for `edit sourcebindings`. */
  sourceGroups(): { name: string; displayName: string }[];
  /**
   * Binds exactly `groups` to the channel instead of its configured source bindings, persists
   * the choice, and applies it at once (source plugins and streams start or stop as needed).
   */
  setSourceBindings(channel: ChannelView, groups: readonly string[]): Promise<void>;
}

/** How users address the bot in the help text; each platform shows its own mention. */
const botMention = '@Switchboard';

/** Creates the responder for the built-in commands; see the module comment. Never throws for bad state. */
export function createBuiltinResponder(context: BuiltinContext): BuiltinResponder {
  return {
    async respond(command: BuiltinCommand, channel: ChannelView): Promise<Message> {
      switch (command.verb) {
        case 'help':
          return help(context, channel);
        case 'ping':
          return plaintextMessage(`pong\n${versionText(context)}`);
        case 'version':
          return plaintextMessage(versionText(context));
        case 'feedback':
          return plaintextMessage(
            'Found a bug or have an idea? Open an issue in the Switchboard repository. Thank you!',
          );
        case 'status':
          return status(context, channel);
        case 'list':
          return list(context, channel, command.resource);
        case 'notifications':
          return notifications(context, channel, command.action);
        case 'action':
          return action(context, command.action === 'enable', command.name);
        case 'show-config':
          return codeBlockMessage(context.redactedConfigYaml().trimEnd() || '# (empty configuration)');
        case 'sourcebindings':
          return command.action === 'status'
            ? sourceBindingsStatus(context, channel)
            : await sourceBindingsEdit(context, channel, command.names);
        default:
          return unreachable(command);
      }
    },
  };
}

function unreachable(command: never): Message {
  return plaintextMessage(`Unsupported built-in command: ${JSON.stringify(command)}`);
}

function versionText(context: BuiltinContext): string {
  return `Switchboard version: ${context.version}\nCluster: ${context.clusterName()}`;
}

function onOff(enabled: boolean): string {
  return enabled ? 'enabled' : 'disabled';
}

function code(text: string): string {
  return `\`${text}\``;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function errorText(err: unknown): string {
  return shortenError(err instanceof Error ? err.message : String(err), 200);
}

function notificationsSection(enabled: boolean): Section {
  const toggle: Button = enabled
    ? commandButton('Disable notifications', 'disable notifications', { style: 'danger' })
    : commandButton('Enable notifications', 'enable notifications', { style: 'primary' });
  return {
    header: 'Notifications',
    description: `Notifications are ${onOff(enabled)} in this channel.`,
    buttons: [toggle],
  };
}

function help(context: BuiltinContext, channel: ChannelView): Message {
  const executors = unique(context.channelExecutors(channel).map((e) => e.name));
  const first = executors[0];
  const runLine =
    first === undefined
      ? 'No executors are bound to this channel; only the built-in commands below work here.'
      : `Executors bound here: ${executors.map(code).join(', ')}. Example: ${code(`${botMention} ${first} <arguments>`)}`;
  return {
    baseBody: {},
    sections: [
      {
        header: `Switchboard on ${context.clusterName()}`,
        description: `Run a command by mentioning the bot: ${code(`${botMention} <command>`)}.\n${runLine}`,
      },
      {
        header: 'Basic commands',
        buttons: [
          commandButton('Ping', 'ping'),
          commandButton('List executors', 'list executors'),
          commandButton('List sources', 'list sources'),
          commandButton('Status', 'status'),
        ],
        context: [
          {
            text: `More: ${['list actions', 'list aliases', 'show config', 'status sourcebindings', 'feedback'].map(code).join(', ')}`,
          },
        ],
      },
      notificationsSection(context.notificationsEnabled(channel)),
    ],
  };
}

function restarts(status: PluginStatus | undefined): string {
  return status ? String(status.restarts) : none;
}

function list(context: BuiltinContext, channel: ChannelView, resource: ListResource): Message {
  switch (resource) {
    case 'executors': {
      const rows = context
        .channelExecutors(channel)
        .map((e) => [e.name, e.group, e.status?.state ?? 'not running', restarts(e.status)]);
      return rows.length === 0
        ? plaintextMessage('No executors are bound to this channel.')
        : codeBlockMessage(formatTable(['EXECUTOR', 'GROUP', 'STATUS', 'RESTARTS'], rows));
    }
    case 'sources': {
      const rows = context
        .channelSources(channel)
        .map((s) => [s.group, s.key, s.status?.state ?? 'not running', restarts(s.status)]);
      return rows.length === 0
        ? plaintextMessage('No sources are bound to this channel.')
        : codeBlockMessage(formatTable(['SOURCE GROUP', 'PLUGIN', 'STATUS', 'RESTARTS'], rows));
    }
    case 'actions': {
      const rows = context
        .actions()
        .map((a) => [a.name, a.enabled ? 'true' : 'false', a.sources.join(','), a.command]);
      return rows.length === 0
        ? plaintextMessage('No actions are configured.')
        : codeBlockMessage(formatTable(['ACTION', 'ENABLED', 'SOURCES', 'COMMAND'], rows));
    }
    case 'aliases': {
      const rows = Object.entries(context.aliases())
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([alias, a]) => [alias, a.command, a.displayName ?? '']);
      return rows.length === 0
        ? plaintextMessage('No aliases are configured.')
        : codeBlockMessage(formatTable(['ALIAS', 'COMMAND', 'DISPLAY NAME'], rows));
    }
  }
}

async function notifications(
  context: BuiltinContext,
  channel: ChannelView,
  verb: 'enable' | 'disable' | 'status',
): Promise<Message> {
  const current = context.notificationsEnabled(channel);
  if (verb === 'status') {
    return { baseBody: {}, sections: [notificationsSection(current)] };
  }
  const wanted = verb === 'enable';
  if (current === wanted) {
    return plaintextMessage(`Notifications are already ${onOff(wanted)} in this channel.`);
  }
  try {
    await context.setNotifications(channel, wanted);
  } catch (err) {
    return plaintextMessage(
      `Could not ${verb} notifications: ${errorText(err)}. They stay ${onOff(current)} in this channel.`,
    );
  }
  return plaintextMessage(`Notifications are now ${onOff(wanted)} in this channel.`);
}

async function action(context: BuiltinContext, enable: boolean, name: string): Promise<Message> {
  const verb = enable ? 'enable' : 'disable';
  const known = context.actions();
  const found = known.find((a) => a.name === name);
  if (found && found.enabled === enable) {
    return plaintextMessage(`Action ${code(name)} is already ${onOff(enable)}.`);
  }
  let changed: boolean;
  try {
    changed = await context.setAction(name, enable);
  } catch (err) {
    return plaintextMessage(`Could not ${verb} action ${code(name)}: ${errorText(err)}.`);
  }
  if (!changed) {
    const names = known.map((a) => a.name);
    return plaintextMessage(
      names.length === 0
        ? `There is no action called ${code(name)}: no actions are configured.`
        : `There is no action called ${code(name)}. Known actions: ${names.map(code).join(', ')}.`,
    );
  }
  return plaintextMessage(`Action ${code(name)} is now ${onOff(enable)}.`);
}

function status(context: BuiltinContext, channel: ChannelView): Message {
  const plugins = context.plugins();
  const platforms = context.platforms();
  const pluginText =
    plugins.length === 0
      ? 'No plugins are running.'
      : formatTable(
          ['PLUGIN', 'STATE', 'PID', 'RESTARTS', 'UPTIME', 'LAST ERROR'],
          plugins.map((p) => [
            p.name,
            p.state,
            p.pid === undefined ? none : String(p.pid),
            String(p.restarts),
            p.state === 'running' ? formatUptime(p.uptimeMs) : none,
            shortenError(p.lastError ?? p.quarantineReason),
          ]),
        );
  const platformText =
    platforms.length === 0
      ? 'No chat platforms are configured.'
      : formatTable(
          ['PLATFORM', 'STATE', 'RECONNECTS', 'LAST ERROR'],
          platforms.map((b) => [
            b.id,
            b.status.state,
            String(b.status.reconnects),
            shortenError(b.status.lastError),
          ]),
        );
  const enabled = context.notificationsEnabled(channel);
  return {
    baseBody: { plaintext: `Switchboard ${context.version} on ${context.clusterName()}` },
    sections: [
      { header: 'Plugins', body: { codeBlock: pluginText } },
      { header: 'Platforms', body: { codeBlock: platformText } },
      { header: 'Notifications', description: `Notifications are ${onOff(enabled)} in this channel.` },
    ],
  };
}

function boundSourceGroups(context: BuiltinContext, channel: ChannelView): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const s of context.channelSources(channel)) {
    groups.set(s.group, [...(groups.get(s.group) ?? []), s.key]);
  }
  return groups;
}

function bindingsTable(groups: Map<string, string[]>): string {
  return formatTable(
    ['SOURCE GROUP', 'PLUGINS'],
    [...groups].map(([group, keys]) => [group, keys.join(',')]),
  );
}

function sourceBindingsStatus(context: BuiltinContext, channel: ChannelView): Message {
  const groups = boundSourceGroups(context, channel);
  if (groups.size === 0) {
    return plaintextMessage('No source groups are bound to this channel, so it gets no notifications.');
  }
  return {
    baseBody: {
      plaintext: `Source groups bound to this channel (notifications ${onOff(context.notificationsEnabled(channel))}):`,
      codeBlock: bindingsTable(groups),
    },
  };
}

async function sourceBindingsEdit(
  context: BuiltinContext,
  channel: ChannelView,
  typed: readonly string[],
): Promise<Message> {
  const available = context.sourceGroups();
  const current = [...boundSourceGroups(context, channel).keys()];
  // A multi-select runs `<command> a,b` (Botkube's convention); typed names may use blanks.
  const names = typed.flatMap((name) => name.split(',')).filter((name) => name !== '');
  if (names.length === 0) return sourceBindingsPicker(available, current);
  const known = new Set(available.map((g) => g.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    return plaintextMessage(
      `Unknown source group${unknown.length === 1 ? '' : 's'} ${unknown.map(code).join(', ')}. ` +
        `Configured source groups: ${available.map((g) => code(g.name)).join(', ') || none}.`,
    );
  }
  const chosen = [...new Set(names)];
  await context.setSourceBindings(channel, chosen);
  return {
    baseBody: {
      plaintext: `Source bindings of this channel are now ${chosen.map(code).join(', ')}. Notifications from them start now; the change is kept across restarts.`,
    },
  };
}

/** `edit sourcebindings` alone: a multi-select of every source group, current ones pre-selected. */
function sourceBindingsPicker(
  available: { name: string; displayName: string }[],
  current: string[],
): Message {
  if (available.length === 0)
    return plaintextMessage('No source groups are configured, so there is nothing to bind.');
  const option = (g: { name: string; displayName: string }) => ({
    name: g.displayName || g.name,
    value: g.name,
  });
  return {
    baseBody: {
      plaintext: `Choose the source groups whose notifications this channel gets, or type \`edit sourcebindings <group> …\`. Now bound: ${current.map(code).join(', ') || none}.`,
    },
    sections: [
      {
        multiSelect: {
          name: 'Source groups',
          description: { plaintext: 'Notifications from these source groups are posted here.' },
          command: `${botNamePlaceholder} edit sourcebindings`,
          options: available.map(option),
          initialOptions: available.filter((g) => current.includes(g.name)).map(option),
        },
      },
    ],
  };
}
