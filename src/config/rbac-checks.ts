/**
 * Load-time checks of `context.rbac`, so a policy that could never resolve is a config error
 * naming the field, not a refusal on the first command or a stream that never opens. Botkube
 * checks two of these at load (`pkg/config/validator.go`: ChannelName in an action's executors,
 * #1045; differing rbac on one plugin bound twice to a channel, see references.ts); the others
 * Botkube lets through and then impersonates an empty name.
 */
import type { ConfigIssue, ConfigPath } from './issues.js';
import type { Config } from './schema.js';
import type { PluginRbac } from './slices/plugin-groups.js';

function error(path: ConfigPath, message: string): ConfigIssue {
  return { severity: 'error', code: 'invalid', path, message };
}

/** Checks every executor and source entry's rbac, and the executors actions run. */
export function checkRbac(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const kind of ['executors', 'sources'] as const) {
    for (const [group, { plugins }] of Object.entries(config[kind])) {
      for (const [key, entry] of Object.entries(plugins)) {
        const rbac = entry.context.rbac;
        if (!entry.enabled || !rbac) continue;
        const base: ConfigPath = [kind, group, key, 'context', 'rbac'];
        issues.push(...staticNames(rbac, base));
        if (kind === 'sources') issues.push(...channelNameIn(rbac, base, 'sources have no channel'));
        issues.push(...prefixWithoutType(rbac, base));
      }
    }
  }
  for (const [name, action] of Object.entries(config.actions)) {
    for (const group of action.bindings.executors) {
      const plugins = config.executors[group]?.plugins ?? {};
      for (const [key, entry] of Object.entries(plugins)) {
        if (!entry.enabled || !entry.context.rbac) continue;
        // A disabled action can be enabled from chat; until then it is only a warning.
        const found = channelNameIn(
          entry.context.rbac,
          ['executors', group, key, 'context', 'rbac'],
          `action "${name}" runs this executor and actions have no channel${action.enabled ? '' : ' (the action is disabled; enabling it would fail)'}`,
        );
        issues.push(...found.map((i): ConfigIssue => (action.enabled ? i : { ...i, severity: 'warning' })));
      }
    }
  }
  return issues;
}

function staticNames(rbac: PluginRbac, base: ConfigPath): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (rbac.user?.type === 'Static' && rbac.user.static.value.trim() === '') {
    issues.push(
      error(
        [...base, 'user', 'static', 'value'],
        'user.type is "Static" but static.value is empty: expected the user name to impersonate',
      ),
    );
  }
  const values = rbac.group?.static.values ?? [];
  if (rbac.group?.type === 'Static' && (values.length === 0 || values.some((v) => v.trim() === ''))) {
    issues.push(
      error(
        [...base, 'group', 'static', 'values'],
        `group.type is "Static" but static.values is ${JSON.stringify(values)}: expected one or more non-empty group names`,
      ),
    );
  }
  return issues;
}

function channelNameIn(rbac: PluginRbac, base: ConfigPath, why: string): ConfigIssue[] {
  return (['user', 'group'] as const).flatMap((kind) =>
    rbac[kind]?.type === 'ChannelName'
      ? [
          error(
            [...base, kind, 'type'],
            `${kind}.type "ChannelName" cannot resolve here: ${why}; use "Static"`,
          ),
        ]
      : [],
  );
}

/** A prefix or static name with no type gives no identity at all, which is rarely what was meant. */
function prefixWithoutType(rbac: PluginRbac, base: ConfigPath): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const user = rbac.user;
  if (user && user.type === '' && (user.prefix !== '' || user.static.value !== '')) {
    issues.push({
      severity: 'warning',
      code: 'missing',
      path: [...base, 'user', 'type'],
      message:
        'user has a prefix or static.value but no type, so no user is impersonated; set type "Static" or "ChannelName"',
    });
  }
  const group = rbac.group;
  if (group && group.type === '' && (group.prefix !== '' || group.static.values.length > 0)) {
    issues.push({
      severity: 'warning',
      code: 'missing',
      path: [...base, 'group', 'type'],
      message:
        'group has a prefix or static.values but no type, so no group is impersonated; set type "Static" or "ChannelName"',
    });
  }
  return issues;
}
