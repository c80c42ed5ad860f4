import { stringify } from 'yaml';
import type { BuiltinContext } from '../bridge/executor/builtins.js';
import { redactConfig } from '../config/redact.js';
import type { Config } from '../config/schema.js';
import type { PluginSupervisor } from '../plugins/host/supervisor.js';
import { type ConfigView, notificationsOn } from './live-config.js';
import type { PlatformSlot } from './platform-slot.js';
import type { RetryBook } from './retry-book.js';
import { buildTopology } from './topology.js';

/** The running parts the built-in commands report on. */
export interface RunningParts {
  supervisor(kind: 'executor' | 'source', key: string): PluginSupervisor | undefined;
  supervisors(): Iterable<PluginSupervisor>;
  platforms(): ReadonlyMap<string, PlatformSlot>;
  retries: RetryBook;
}

export interface BuiltinContextOptions {
  version: string;
  view: ConfigView;
  running: RunningParts;
  /** Applies the loaded config again (after `edit sourcebindings` changed the overrides). */
  reload(base: Config): Promise<unknown>;
}

/** The built-in commands' context, assembled from one small port per concern. */
export function createBuiltinContext(options: BuiltinContextOptions): BuiltinContext {
  return {
    ...aboutPort(options.version, options.view),
    ...bindingsPort(options.view, options.running, options.reload),
    ...togglesPort(options.view),
    ...healthPort(options.running),
  };
}

/** `ping`, `version`, `show config`. */
function aboutPort(
  version: string,
  view: ConfigView,
): Pick<BuiltinContext, 'version' | 'clusterName' | 'redactedConfigYaml'> {
  return {
    version,
    clusterName: () => view.config().settings.clusterName,
    redactedConfigYaml: () => stringify(redactConfig(view.config())),
  };
}

/** What is bound where: `list executors|sources|aliases`, `edit sourcebindings`. */
function bindingsPort(
  view: ConfigView,
  running: RunningParts,
  reload: (base: Config) => Promise<unknown>,
): Pick<
  BuiltinContext,
  'channelExecutors' | 'channelSources' | 'aliases' | 'sourceGroups' | 'setSourceBindings'
> {
  return {
    channelExecutors: (channel) =>
      view
        .topology()
        .executorEntries(channel.executorGroups)
        .map((e) => {
          const status = running.supervisor('executor', e.key)?.status();
          return { group: e.group, key: e.key, name: e.name, ...(status ? { status } : {}) };
        }),
    channelSources: (channel) =>
      (view.topology().channel(channel.destinationId, channel.channelId)?.sourceGroups ?? []).flatMap(
        (group) =>
          view
            .topology()
            .sourceGroupEntries(group)
            .map((e) => {
              const status = running.supervisor('source', e.key)?.status();
              return { group, key: e.key, ...(status ? { status } : {}) };
            }),
      ),
    aliases: () => view.topology().aliases,
    sourceGroups: () =>
      Object.entries(view.config().sources).map(([name, group]) => ({
        name,
        displayName: group.displayName,
      })),
    setSourceBindings: async (channel, groups) => {
      const configured = buildTopology(view.baseConfig()).channel(
        channel.destinationId,
        channel.channelId,
      )?.sourceGroups;
      // Binding what the config already binds drops the override instead of pinning a copy.
      const same = configured !== undefined && sameSet(configured, groups);
      await view
        .state()
        ?.setSourceBindings(channel.destinationId, channel.channelId, same ? undefined : groups);
      await reload(view.baseConfig());
    },
  };
}

/** Runtime switches: `enable|disable|status notifications`, `enable|disable action`. */
function togglesPort(
  view: ConfigView,
): Pick<BuiltinContext, 'actions' | 'notificationsEnabled' | 'setNotifications' | 'setAction'> {
  const on = notificationsOn(view);
  return {
    actions: () =>
      Object.entries(view.config().actions).map(([name, a]) => ({
        name,
        displayName: a.displayName || name,
        enabled: view.state()?.action(name, a.enabled) ?? a.enabled,
        command: a.command,
        sources: a.bindings.sources,
      })),
    notificationsEnabled: (channel) => on(channel.destinationId, channel.channelId),
    setNotifications: async (channel, enabled) =>
      view.state()?.setNotifications(channel.destinationId, channel.channelId, enabled),
    setAction: async (name, enabled) => {
      if (!(name in view.config().actions)) return false;
      await view.state()?.setAction(name, enabled);
      return true;
    },
  };
}

/** `list plugins`, chat `status`. */
function healthPort(running: RunningParts): Pick<BuiltinContext, 'plugins' | 'platforms'> {
  return {
    plugins: () => [...running.supervisors()].map((s) => s.status()),
    platforms: () => [
      ...[...running.platforms().values()].flatMap((slot) =>
        slot.role === 'bot' ? [{ id: slot.destination.id, status: slot.destination.status() }] : [],
      ),
      // A bot that failed to start is a stand-in (or nothing); chat `status` names it with the reason.
      ...running.retries
        .list('platform:')
        .filter(([id]) => {
          const slot = running.platforms().get(id);
          return !slot || slot.role === 'stand-in';
        })
        .map(([id, failure]) => ({
          id,
          status: { state: 'failed' as const, reconnects: 0, lastError: failure.reason },
        })),
    ],
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
