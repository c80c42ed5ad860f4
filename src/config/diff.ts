import { Duration } from '../core/duration.js';
import { Secret } from '../core/secret.js';
import type { Config } from './schema.js';
import { botPlatforms, sinkPlatforms } from './slices/communications.js';
import { usedPlugins } from './used-plugins.js';

/** Names added, removed and changed between two configs, each list sorted. */
export interface ChangeSet {
  added: string[];
  removed: string[];
  changed: string[];
}

/** A binding list that changed: who owns it and the group names before and after. */
export interface BindingChange {
  /** `<group>.<platform>.<channel>`, `<group>.webhook`, `<group>.elasticsearch.<index>` or `action:<name>`. */
  owner: string;
  sources?: { before: string[]; after: string[] };
  executors?: { before: string[]; after: string[] };
}

/**
 * What changed between two configs, in the units the agent restarts. Lists are sorted.
 *
 * - `plugins`: used plugin processes (see `usedPlugins`) to start (`added`), stop
 *   (`removed`) or restart because their runtime settings or repository changed (`changed`).
 * - `sourceGroups` / `executorGroups`: groups whose display name or entries (enabled,
 *   config, context) changed; streams and calls using them are re-opened.
 * - `bots` / `sinks`: `<group>.<platform>` instances now enabled (`added`), no longer enabled
 *   (`removed`), or enabled before and after with different settings other than channels and
 *   bindings (credentials, address…; `changed`): restart those.
 * - `channels`: `<group>.<platform>.<channel>` of bots enabled before and after (channels of
 *   added or removed bots are covered by `bots`); `changed` includes binding changes.
 * - `bindings`: every binding list that changed, with before and after, for bots enabled
 *   before and after, sinks likewise, and actions.
 * - `actions`, `aliases`: by name.
 * - `settings`: dotted paths of changed values under `settings`, `plugins`, `configWatcher`
 *   and `analytics` (e.g. `settings.log.level`, `plugins.repositories.botkube.url`).
 */
export interface ConfigDiff {
  /** False when the configs are equivalent (nothing to do). */
  changed: boolean;
  plugins: ChangeSet;
  sourceGroups: ChangeSet;
  executorGroups: ChangeSet;
  bots: ChangeSet;
  sinks: ChangeSet;
  channels: ChangeSet;
  bindings: BindingChange[];
  actions: ChangeSet;
  aliases: ChangeSet;
  settings: string[];
}

/** Deep equality that compares secrets by value (without revealing them) and durations by length. */
export function configValuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Secret || b instanceof Secret)
    return a instanceof Secret && b instanceof Secret && a.equals(b);
  if (a instanceof Duration || b instanceof Duration) {
    return a instanceof Duration && b instanceof Duration && a.equals(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => configValuesEqual(item, b[i]))
    );
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const left = Object.entries(a).filter(([, v]) => v !== undefined);
  const right = Object.entries(b).filter(([, v]) => v !== undefined);
  return (
    left.length === right.length &&
    left.every(
      ([key, value]) =>
        Object.hasOwn(b, key) && configValuesEqual(value, (b as Record<string, unknown>)[key]),
    )
  );
}

function compareMaps(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): ChangeSet {
  const set: ChangeSet = { added: [], removed: [], changed: [] };
  for (const [key, value] of after) {
    if (!before.has(key)) set.added.push(key);
    else if (!configValuesEqual(before.get(key), value)) set.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) set.removed.push(key);
  set.added.sort();
  set.removed.sort();
  set.changed.sort();
  return set;
}

function entries(record: Readonly<Record<string, unknown>>): Map<string, unknown> {
  return new Map(Object.entries(record));
}

function without<T extends object>(value: T, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}

interface Instance {
  settings: Record<string, unknown>;
  channels: Map<string, unknown>;
  bindings: Map<string, { sources: string[]; executors?: string[] }>;
}

/** Enabled bot and sink instances of a config, keyed `<group>.<platform>`. */
function instances(config: Config): { bots: Map<string, Instance>; sinks: Map<string, Instance> } {
  const bots = new Map<string, Instance>();
  const sinks = new Map<string, Instance>();
  for (const [groupName, group] of Object.entries(config.communications)) {
    for (const platform of botPlatforms) {
      const bot = group[platform];
      if (!bot?.enabled) continue;
      const id = `${groupName}.${platform}`;
      bots.set(id, {
        settings: without(bot, 'channels'),
        channels: entries(bot.channels),
        bindings: new Map(
          Object.entries(bot.channels).map(([alias, channel]) => [
            `${id}.${alias}`,
            { sources: [...channel.bindings.sources], executors: [...channel.bindings.executors] },
          ]),
        ),
      });
    }
    for (const platform of sinkPlatforms) {
      const id = `${groupName}.${platform}`;
      if (platform === 'webhook' && group.webhook?.enabled) {
        sinks.set(id, {
          settings: without(group.webhook, 'bindings'),
          channels: new Map(),
          bindings: new Map([[id, { sources: [...group.webhook.bindings.sources] }]]),
        });
      }
      if (platform === 'elasticsearch' && group.elasticsearch?.enabled) {
        const es = group.elasticsearch;
        sinks.set(id, {
          settings: {
            ...without(es, 'indices'),
            indices: Object.fromEntries(
              Object.entries(es.indices).map(([k, v]) => [k, without(v, 'bindings')]),
            ),
          },
          channels: new Map(),
          bindings: new Map(
            Object.entries(es.indices).map(([alias, index]) => [
              `${id}.${alias}`,
              { sources: [...index.bindings.sources] },
            ]),
          ),
        });
      }
    }
  }
  return { bots, sinks };
}

/** Leaf paths whose values differ between two plain trees (maps are descended, anything else is a leaf). */
function changedLeaves(before: unknown, after: unknown, path: string): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Secret) &&
    !(v instanceof Duration);
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedLeaves(before[key], after[key], `${path}.${key}`));
  }
  return configValuesEqual(before, after) ? [] : [path];
}

/** The settings a plugin process runs with: its override merged over `plugins.runtime`, plus its repository. */
function processSettings(config: Config, key: string): unknown {
  const [repo = '', nameWithVersion = ''] = key.split('/');
  const name = nameWithVersion.split('@')[0];
  return {
    runtime: config.plugins.runtime,
    override: config.plugins.overrides[`${repo}/${name}`],
    repository: config.plugins.repositories[repo],
  };
}

/**
 * Computes what changed from `before` to `after` (see {@link ConfigDiff}), so a reload
 * restarts only the affected plugins, bots, sinks and streams.
 */
export function diffConfigs(before: Config, after: Config): ConfigDiff {
  const usedKeys = (config: Config) =>
    new Map(usedPlugins(config).map((p) => [p.key, processSettings(config, p.key)]));
  const plugins = compareMaps(usedKeys(before), usedKeys(after));

  const old = instances(before);
  const now = instances(after);
  const bots = compareMaps(
    new Map([...old.bots].map(([id, i]) => [id, i.settings])),
    new Map([...now.bots].map(([id, i]) => [id, i.settings])),
  );
  const sinks = compareMaps(
    new Map([...old.sinks].map(([id, i]) => [id, i.settings])),
    new Map([...now.sinks].map(([id, i]) => [id, i.settings])),
  );

  const channels: ChangeSet = { added: [], removed: [], changed: [] };
  const bindings: BindingChange[] = [];
  for (const [id, instance] of now.bots) {
    const previous = old.bots.get(id);
    if (!previous) continue;
    const set = compareMaps(previous.channels, instance.channels);
    channels.added.push(...set.added.map((alias) => `${id}.${alias}`));
    channels.removed.push(...set.removed.map((alias) => `${id}.${alias}`));
    channels.changed.push(...set.changed.map((alias) => `${id}.${alias}`));
  }
  const bindingOwners = (side: typeof old) => {
    const all = new Map<string, { sources: string[]; executors?: string[] }>();
    for (const instance of [...side.bots.values(), ...side.sinks.values()]) {
      for (const [owner, lists] of instance.bindings) all.set(owner, lists);
    }
    return all;
  };
  const oldOwners = bindingOwners(old);
  const newOwners = bindingOwners(now);
  for (const [owner, after] of newOwners) {
    const beforeLists = oldOwners.get(owner);
    if (beforeLists) bindings.push(...bindingChange(owner, beforeLists, after));
  }
  for (const [name, action] of Object.entries(after.actions)) {
    const previous = before.actions[name];
    if (previous) bindings.push(...bindingChange(`action:${name}`, previous.bindings, action.bindings));
  }
  bindings.sort((a, b) => a.owner.localeCompare(b.owner));
  for (const list of [channels.added, channels.removed, channels.changed]) list.sort();

  const settings = (['settings', 'plugins', 'configWatcher', 'analytics'] as const).flatMap((key) =>
    changedLeaves(before[key], after[key], key),
  );
  const diff: ConfigDiff = {
    changed: false,
    plugins,
    sourceGroups: compareMaps(entries(before.sources), entries(after.sources)),
    executorGroups: compareMaps(entries(before.executors), entries(after.executors)),
    bots,
    sinks,
    channels,
    bindings,
    actions: compareMaps(entries(before.actions), entries(after.actions)),
    aliases: compareMaps(entries(before.aliases), entries(after.aliases)),
    settings,
  };
  diff.changed = !configValuesEqual(before, after);
  return diff;
}

function bindingChange(
  owner: string,
  before: { sources: readonly string[]; executors?: readonly string[] },
  after: { sources: readonly string[]; executors?: readonly string[] },
): BindingChange[] {
  const change: BindingChange = { owner };
  if (!configValuesEqual(before.sources, after.sources)) {
    change.sources = { before: [...before.sources], after: [...after.sources] };
  }
  if (after.executors && before.executors && !configValuesEqual(before.executors, after.executors)) {
    change.executors = { before: [...before.executors], after: [...after.executors] };
  }
  return change.sources || change.executors ? [change] : [];
}
