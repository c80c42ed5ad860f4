import type { Config } from './schema.js';
import { botPlatforms } from './slices/communications.js';

/** A plugin the agent must download and start, and why. */
export interface UsedPlugin {
  /** The key as written: `repo/name[@version]`. */
  key: string;
  kind: 'source' | 'executor';
  /** Groups (of that kind) containing the enabled entry that are bound somewhere. */
  groups: string[];
}

/**
 * Source and executor groups that something enabled binds: a channel of an enabled bot
 * (Switchboard's platforms only; unsupported ones never run), a message trigger of such a
 * channel, an enabled sink, or an enabled action. A channel with notifications muted still
 * counts: `enable notifications` can turn them back on without a reload.
 */
export function boundGroups(config: Config): { sources: Set<string>; executors: Set<string> } {
  const sources = new Set<string>();
  const executors = new Set<string>();
  const add = (target: Set<string>, names: readonly string[]) => {
    for (const name of names) target.add(name);
  };
  for (const group of Object.values(config.communications)) {
    for (const platform of botPlatforms) {
      const bot = group[platform];
      if (!bot?.enabled) continue;
      for (const channel of Object.values(bot.channels)) {
        add(sources, channel.bindings.sources);
        add(executors, channel.bindings.executors);
        if ('messageTriggers' in channel)
          for (const trigger of channel.messageTriggers) add(executors, trigger.executors);
      }
    }
    if (group.webhook?.enabled) add(sources, group.webhook.bindings.sources);
    if (group.elasticsearch?.enabled) {
      for (const index of Object.values(group.elasticsearch.indices)) add(sources, index.bindings.sources);
    }
  }
  for (const action of Object.values(config.actions)) {
    if (!action.enabled) continue;
    add(sources, action.bindings.sources);
    add(executors, action.bindings.executors);
  }
  return { sources, executors };
}

/**
 * Plugins that are enabled in at least one group bound by something enabled (see
 * {@link boundGroups}): exactly what must be downloaded and started. Sorted by key.
 */
export function usedPlugins(config: Config): UsedPlugin[] {
  const bound = boundGroups(config);
  const used = new Map<string, UsedPlugin>();
  const collect = (kind: UsedPlugin['kind'], groups: Config['sources'], names: Set<string>) => {
    for (const groupName of names) {
      const group = groups[groupName];
      if (!group) continue;
      for (const [key, entry] of Object.entries(group.plugins)) {
        if (!entry.enabled) continue;
        const id = `${kind}:${key}`;
        const plugin = used.get(id) ?? { key, kind, groups: [] };
        plugin.groups.push(groupName);
        used.set(id, plugin);
      }
    }
  };
  collect('source', config.sources, bound.sources);
  collect('executor', config.executors, bound.executors);
  return [...used.values()]
    .map((plugin) => ({ ...plugin, groups: [...plugin.groups].sort() }))
    .sort((a, b) => byCodeUnit(a.key, b.key) || byCodeUnit(a.kind, b.kind));
}

/**
 * Plain code-unit order, as `usedPluginKeys` sorts. Not `localeCompare`: this runs at every
 * start, and the first collation makes Node map about 2.6 MiB of ICU data that an idle agent
 * keeps resident for good.
 */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The keys of {@link usedPlugins}, without duplicates, sorted. */
export function usedPluginKeys(config: Config): string[] {
  return [...new Set(usedPlugins(config).map((plugin) => plugin.key))].sort();
}
