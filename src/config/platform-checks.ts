/**
 * Checks on the parsed, secret-resolved config that need whole-config context: each enabled
 * platform's required secrets and its descriptor's own checks (Slack token prefixes), port clashes, and warnings about a config that will not
 * do much (nothing enabled) or is open (unauthenticated incoming webhooks).
 */

import { describeSecretSource, Secret } from '../core/secret.js';
import { notRunReason, platformDescriptors } from '../platforms/registry.js';
import { isEnabled } from '../platforms/slice-kit.js';
import type { ConfigIssue } from './issues.js';
import type { Config } from './schema.js';
import { boundGroups, usedPlugins } from './used-plugins.js';

export function checkPlatforms(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ports = new Map<number, string>([[config.settings.healthPort, 'settings.healthPort']]);
  // Port 0 asks the system for any free port, so two listeners given 0 never clash.
  const claim = (port: number, owner: string, path: (string | number)[]) => {
    if (port === 0) return;
    const holder = ports.get(port);
    if (holder !== undefined) {
      issues.push({
        severity: 'error',
        code: 'conflict',
        path,
        message: `port ${port} is already used by ${holder}`,
      });
    } else {
      ports.set(port, owner);
    }
  };
  // /metrics and webhooks may share another agent listener's port when they share its address
  // too (one server then serves them all); on another address the second bind would fail.
  const { settings } = config;
  const agentListeners = new Map([
    [settings.healthPort, { owner: 'settings.healthPort', address: settings.healthAddress }],
  ]);
  const share = (port: number, address: string, owner: string, path: string[]) => {
    const holder = agentListeners.get(port);
    if (port === 0) return;
    if (holder === undefined) {
      agentListeners.set(port, { owner, address });
      ports.set(port, owner);
    } else if (holder.address !== address) {
      issues.push({
        severity: 'error',
        code: 'conflict',
        path,
        message: `port ${port} is already used by ${holder.owner} on ${holder.address}; to share it, listen on the same address (not ${address}), or use another port`,
      });
    }
  };
  share(settings.metricsPort, settings.metricsAddress, 'settings.metricsPort', ['settings', 'metricsPort']);
  const webhook = config.plugins.incomingWebhook;
  if (webhook.enabled)
    share(webhook.port, webhook.address, 'plugins.incomingWebhook.port', [
      'plugins',
      'incomingWebhook',
      'port',
    ]);

  let enabled = 0;
  for (const [groupName, group] of Object.entries(config.communications)) {
    const base = ['communications', groupName];
    const sections = group as Record<string, unknown>;
    for (const descriptor of platformDescriptors) {
      const section = sections[descriptor.key] as Record<string, unknown> | undefined;
      if (!isEnabled(section) || section === undefined) continue;
      // The schema checks inline values; a secret read from an empty file or variable is caught here.
      for (const key of descriptor.requiredSecrets) {
        const value = section[key];
        if (value instanceof Secret && value.isEmpty() && value.source.kind !== 'inline') {
          issues.push({
            severity: 'error',
            code: 'missing',
            path: [...base, descriptor.key, key],
            message: `${key} is required when the platform is enabled, but its ${describeSecretSource(value.source)} is empty`,
          });
        }
      }
      for (const problem of descriptor.check?.(section as never) ?? []) {
        issues.push({
          severity: problem.severity,
          code: 'format',
          path: [...base, descriptor.key, problem.field],
          message: problem.message,
        });
      }
      enabled += 1;
    }
    if (group.console?.enabled)
      claim(group.console.port, `communications.${groupName}.console`, [...base, 'console', 'port']);
  }
  if (enabled === 0) {
    issues.push({
      severity: 'warning',
      code: 'missing',
      path: ['communications'],
      message:
        'no chat platform or sink is enabled; events and commands have nowhere to go (enable console for a local web chat)',
    });
  }

  // Only groups whose plugins run can receive webhooks; name those left open.
  const running = boundGroups(config).sources;
  const open = Object.entries(config.sources)
    .filter(
      ([group, { plugins }]) => running.has(group) && Object.values(plugins).some((entry) => entry.enabled),
    )
    .map(([group]) => group)
    .filter((group) => !Object.hasOwn(webhook.auth, group));
  if (webhook.enabled && open.length > 0) {
    issues.push({
      severity: 'warning',
      code: 'missing',
      path: ['plugins', 'incomingWebhook', 'auth'],
      message: `incoming webhooks accept unauthenticated requests for source group${open.length === 1 ? '' : 's'} ${open.join(', ')}; set plugins.incomingWebhook.auth.<group> (bearer or hmac), or disable plugins.incomingWebhook`,
    });
  }

  for (const plugin of usedPlugins(config)) {
    const repo = plugin.key.split('/')[0] as string;
    if (!Object.hasOwn(config.plugins.repositories, repo)) {
      issues.push({
        severity: 'warning',
        code: 'missing',
        path: [plugin.kind === 'source' ? 'sources' : 'executors', plugin.groups[0] as string, plugin.key],
        message: `plugin ${plugin.key} comes from repository "${repo}", which is not under plugins.repositories (fine only for a built-in repository)`,
      });
    }
  }
  return issues;
}

/** An enabled platform of the config that Switchboard has no implementation of. */
export interface UnimplementedPlatform {
  /** `<group>/<platform>`, the ID the platform would have had. */
  id: string;
  /** The communication group it is in. */
  group: string;
  platform: string;
  /** Why it does not run and what to use instead. */
  reason: string;
}

/**
 * Enabled platforms that validate (so Botkube configs load unchanged) but that Switchboard does
 * not run (planned and retired platforms of the registry), in config order: `config validate` warns
 * about each and the agent names each at start rather than ignoring it silently.
 */
export function unimplementedPlatforms(config: Config): UnimplementedPlatform[] {
  const out: UnimplementedPlatform[] = [];
  for (const [group, sections] of Object.entries(config.communications)) {
    for (const [platform, section] of Object.entries(sections as Record<string, unknown>)) {
      const reason = notRunReason(platform);
      if (reason === undefined || !isEnabled(section)) continue;
      out.push({ id: `${group}/${platform}`, group, platform, reason });
    }
  }
  return out;
}

/**
 * A warning for each platform of {@link unimplementedPlatforms}, at its section, unless `issues`
 * already has one there (the `x-unsupported` sections warn while the raw config is prepared).
 */
export function unimplementedPlatformWarnings(config: Config, issues: readonly ConfigIssue[]): ConfigIssue[] {
  const warned = new Set(
    issues.filter((issue) => issue.code === 'unsupported').map((issue) => JSON.stringify(issue.path)),
  );
  return unimplementedPlatforms(config)
    .map(({ group, platform, reason }) => ({ path: ['communications', group, platform], reason }))
    .filter(({ path }) => !warned.has(JSON.stringify(path)))
    .map(({ path, reason }) => ({
      severity: 'warning' as const,
      code: 'unsupported' as const,
      path,
      message: `enabled, but not run: ${reason}. The rest of the config works without it.`,
    }));
}
