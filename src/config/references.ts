/**
 * Cross-reference checks: bindings must name existing source/executor groups, plugins bound
 * together must agree on repository and version, webhook auth must name source groups, and
 * alias commands should start with something runnable. They read the raw merged config
 * defensively, so they run (and are reported) even when the schema found other errors.
 */

import type { BindingLayout } from '../platforms/descriptor.js';
import { platformDescriptors, retiredPlatforms } from '../platforms/registry.js';
import { isEnabled } from '../platforms/slice-kit.js';
import type { ConfigIssue, ConfigPath } from './issues.js';
import { splitPluginKey } from './slices/plugin-groups.js';
import { didYouMean } from './zod-issues.js';

type Raw = Record<string, unknown>;

function map(value: unknown): Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}

function names(value: unknown): { name: string; index: number }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((name, index) =>
    typeof name === 'string' || typeof name === 'number' ? [{ name: String(name), index }] : [],
  );
}

/** Built-in command verbs an alias may expand to (Botkube's `command.AllVerbs` plus `show`). */
const builtinVerbs = [
  'help',
  'ping',
  'version',
  'feedback',
  'list',
  'enable',
  'disable',
  'status',
  'edit',
  'show',
];

/** Every platform key with where its bindings are: descriptors and retired platforms alike. */
const known: readonly { key: string; bindings?: BindingLayout }[] = [
  ...platformDescriptors,
  ...retiredPlatforms,
];
const bindingLayouts: readonly { key: string; layout: BindingLayout }[] = known.flatMap((platform) =>
  platform.bindings ? [{ key: platform.key, layout: platform.bindings }] : [],
);

interface BindingList {
  kind: 'source' | 'executor';
  path: ConfigPath;
  list: unknown;
  /** "channel "ops" (communications.team-a.socketSlack)", "action "x"", … */
  owner: string;
}

/** Bindings of a platform's `channels.<alias>` (and their message triggers). */
function channelBindings(section: Raw, base: ConfigPath, where: string): BindingList[] {
  const lists: BindingList[] = [];
  for (const [alias, channel] of Object.entries(map(section.channels))) {
    const path = [...base, 'channels', alias];
    const owner = `channel "${alias}" of ${where}`;
    const bindings = map(map(channel).bindings);
    lists.push({ kind: 'source', path: [...path, 'bindings', 'sources'], list: bindings.sources, owner });
    lists.push({
      kind: 'executor',
      path: [...path, 'bindings', 'executors'],
      list: bindings.executors,
      owner,
    });
    const triggers = map(channel).messageTriggers;
    if (Array.isArray(triggers)) {
      triggers.forEach((trigger, i) => {
        lists.push({
          kind: 'executor',
          path: [...path, 'messageTriggers', i, 'executors'],
          list: map(trigger).executors,
          owner: `message trigger ${i} of ${owner}`,
        });
      });
    }
  }
  return lists;
}

/** Every place that names groups: channel bindings, triggers, sinks, actions. */
function bindingLists(raw: Raw): BindingList[] {
  const lists: BindingList[] = [];
  for (const [group, platforms] of Object.entries(map(raw.communications))) {
    const base = ['communications', group];
    for (const { key: platform, layout } of bindingLayouts) {
      const section = map(map(platforms)[platform]);
      if (layout.at === 'channels')
        lists.push(...channelBindings(section, [...base, platform], `communications.${group}.${platform}`));
      else if (layout.at === 'section') {
        lists.push({
          kind: 'source',
          path: [...base, platform, 'bindings', 'sources'],
          list: map(section.bindings).sources,
          owner: `sink communications.${group}.${platform}`,
        });
      } else {
        for (const [alias, entry] of Object.entries(map(section[layout.under]))) {
          lists.push({
            kind: 'source',
            path: [...base, platform, layout.under, alias, 'bindings', 'sources'],
            list: map(map(entry).bindings).sources,
            owner: `${layout.noun} "${alias}" of communications.${group}.${platform}`,
          });
        }
      }
    }
  }
  for (const [name, action] of Object.entries(map(raw.actions))) {
    const bindings = map(map(action).bindings);
    const owner = `action "${name}"`;
    lists.push({
      kind: 'source',
      path: ['actions', name, 'bindings', 'sources'],
      list: bindings.sources,
      owner,
    });
    lists.push({
      kind: 'executor',
      path: ['actions', name, 'bindings', 'executors'],
      list: bindings.executors,
      owner,
    });
  }
  return lists;
}

function error(code: ConfigIssue['code'], path: ConfigPath, message: string): ConfigIssue {
  return { severity: 'error', code, path, message };
}

/** Checks the references in a raw merged config; returns errors and warnings (without sources). */
export function checkReferences(raw: Raw): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const groups = { source: map(raw.sources), executor: map(raw.executors) };
  for (const binding of bindingLists(raw)) {
    const defined = Object.keys(groups[binding.kind]);
    const section = binding.kind === 'source' ? 'sources' : 'executors';
    const bound: { group: string; entries: Raw }[] = [];
    for (const { name, index } of names(binding.list)) {
      if (!Object.hasOwn(groups[binding.kind], name)) {
        const hint = didYouMean(name, defined);
        const known =
          defined.length === 0 ? `no ${binding.kind} groups are defined` : `defined: ${defined.join(', ')}`;
        issues.push(
          error(
            'unknown-binding',
            [...binding.path, index],
            `${binding.owner} binds ${binding.kind} group "${name}", which is not defined under ${section} (${hint ? `did you mean "${hint}"?` : known})`,
          ),
        );
        continue;
      }
      bound.push({ group: name, entries: map(groups[binding.kind][name]) });
    }
    issues.push(...conflictingPlugins(binding, bound));
  }
  const sourceNames = Object.keys(groups.source);
  for (const group of Object.keys(map(map(map(raw.plugins).incomingWebhook).auth))) {
    if (Object.hasOwn(groups.source, group)) continue;
    const hint = didYouMean(group, sourceNames);
    issues.push(
      error(
        'unknown-binding',
        ['plugins', 'incomingWebhook', 'auth', group],
        `webhook auth is set for source group "${group}", which is not defined under sources${hint ? ` (did you mean "${hint}"?)` : ''}`,
      ),
    );
  }
  issues.push(...aliasTargets(raw, groups.executor));
  return issues;
}

/**
 * Enabled plugins of the same name bound together must come from one repository at one
 * version: the command word (or the source stream) must resolve to exactly one plugin
 * (Botkube's `conflicting_plugin_repo` / `conflicting_plugin_version`).
 */
function conflictingPlugins(binding: BindingList, bound: { group: string; entries: Raw }[]): ConfigIssue[] {
  const byName = new Map<
    string,
    { key: string; group: string; repo: string; version: string; rbac: string }[]
  >();
  for (const { group, entries } of bound) {
    for (const [key, entry] of Object.entries(entries)) {
      const parts = splitPluginKey(key);
      if (!parts || !isEnabled(entry)) continue;
      const list = byName.get(parts.name) ?? [];
      list.push({ key, group, repo: parts.repo, version: parts.version ?? 'latest', rbac: rbacKey(entry) });
      byName.set(parts.name, list);
    }
  }
  const issues: ConfigIssue[] = [];
  for (const [name, uses] of byName) {
    const where = uses.map((u) => `${u.key} in "${u.group}"`).join(', ');
    if (new Set(uses.map((u) => u.repo)).size > 1) {
      issues.push(
        error(
          'conflict',
          binding.path,
          `${binding.owner} binds plugin "${name}" from different repositories (${where}); use one`,
        ),
      );
    } else if (new Set(uses.map((u) => u.version)).size > 1) {
      issues.push(
        error(
          'conflict',
          binding.path,
          `${binding.owner} binds plugin "${name}" at different versions (${where}); use one`,
        ),
      );
    } else if (new Set(uses.map((u) => u.rbac)).size > 1) {
      issues.push(
        error(
          'conflict',
          binding.path,
          `${binding.owner} binds plugin "${name}" with different context.rbac (${where}); one call has one identity, so give them the same rbac`,
        ),
      );
    }
  }
  return issues;
}

/**
 * An entry's `context.rbac` with Botkube's defaults filled in, as a comparable string: entries
 * that differ only in how much of an empty policy they spell out compare equal.
 */
function rbacKey(entry: unknown): string {
  const rbac = map(map(map(entry).context).rbac);
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const user = map(rbac.user);
  const group = map(rbac.group);
  const groupValues = map(group.static).values;
  return JSON.stringify([
    text(user.type),
    text(user.type) === '' ? '' : text(map(user.static).value),
    text(user.type) === '' ? '' : text(user.prefix),
    text(group.type),
    text(group.type) === '' ? [] : Array.isArray(groupValues) ? groupValues : [],
    text(group.type) === '' ? '' : text(group.prefix),
  ]);
}

/** An alias whose command starts with neither a plugin name nor a built-in verb can never run. */
function aliasTargets(raw: Raw, executors: Raw): ConfigIssue[] {
  const words = new Set(builtinVerbs);
  for (const group of Object.values(executors)) {
    for (const key of Object.keys(map(group))) {
      const parts = splitPluginKey(key);
      if (parts) words.add(parts.name);
    }
  }
  const issues: ConfigIssue[] = [];
  for (const [alias, definition] of Object.entries(map(raw.aliases))) {
    const command = map(definition).command;
    if (typeof command !== 'string' || command.trim() === '') continue;
    const first = command.trim().split(/\s+/)[0] as string;
    if (words.has(first)) continue;
    issues.push({
      severity: 'warning',
      code: 'unknown-binding',
      path: ['aliases', alias, 'command'],
      message: `alias "${alias}" expands to "${first}", which is neither an executor plugin nor a built-in command`,
    });
  }
  return issues;
}
