import type { Config } from '../config/schema.js';
import { envNameForPath } from '../core/env-names.js';
import type { ListenSetting, ListenTarget } from '../http/listen.js';
import type { HttpRoutes } from '../http/server.js';

/** Ports that replace the configured ones (tests use 0). */
export interface PortOverrides {
  /** The health server (`settings.healthPort`). */
  operations?: number;
  /** `/metrics`; unset while `operations` is set, metrics are served by the health server. */
  metrics?: number;
  /** Incoming webhooks (`plugins.incomingWebhook.port`). */
  webhooks?: number;
}

/** One HTTP server to start: where it listens and which routes it serves. */
export interface ListenerPlan extends ListenTarget {
  routes: HttpRoutes[];
}

interface Member {
  label: string;
  routes: HttpRoutes;
  address: string;
  port: number;
  settings: ListenTarget['settings'];
}

const setting = (path: string): ListenSetting => {
  const override = envNameForPath(path.split('.'));
  return override ? { path, override: `environment variable ${override}` } : { path };
};

/**
 * The agent's HTTP listeners: health, metrics and (when enabled) incoming webhooks, each on
 * its configured address and port. Those given the same address and port share one server,
 * which is how `metricsPort: <healthPort>` serves `/metrics` beside `/healthz`; port 0 (any
 * free port) is never shared, except by metrics following an overridden health port.
 */
export function planListeners(config: Config, ports: PortOverrides = {}): ListenerPlan[] {
  const { settings } = config;
  const webhook = config.plugins.incomingWebhook;
  const health: Member = {
    label: 'health',
    routes: 'health',
    address: settings.healthAddress,
    port: ports.operations ?? settings.healthPort,
    settings: { address: setting('settings.healthAddress'), port: setting('settings.healthPort') },
  };
  const metricsFollowHealth = ports.metrics === undefined && ports.operations !== undefined;
  const metrics: Member = {
    label: 'metrics',
    routes: 'metrics',
    address: metricsFollowHealth ? health.address : settings.metricsAddress,
    port: metricsFollowHealth ? health.port : (ports.metrics ?? settings.metricsPort),
    settings: { address: setting('settings.metricsAddress'), port: setting('settings.metricsPort') },
  };
  const members = [health, metrics];
  if (webhook.enabled) {
    members.push({
      label: 'incoming webhook',
      routes: 'webhooks',
      address: webhook.address,
      port: ports.webhooks ?? webhook.port,
      settings: {
        address: setting('plugins.incomingWebhook.address'),
        port: setting('plugins.incomingWebhook.port'),
      },
    });
  }

  const groups: Member[][] = [];
  for (const member of members) {
    const joinsHealth = member === metrics && metricsFollowHealth;
    const group = groups.find(([first]) =>
      joinsHealth
        ? first === health
        : member.port !== 0 && first?.port === member.port && first.address === member.address,
    );
    if (group) group.push(member);
    else groups.push([member]);
  }
  return groups.map((group) => {
    const [first] = group as [Member, ...Member[]];
    return {
      name: `${group.map((m) => m.label).join(' and ')} server`,
      address: first.address,
      port: first.port,
      settings: first.settings,
      routes: group.map((m) => m.routes),
    };
  });
}

/** The listener settings that differ between two configs: they take effect only after a restart. */
export function changedListenerSettings(previous: Config, next: Config): string[] {
  const values = (config: Config): [string, string | number | boolean][] => [
    ['settings.healthAddress', config.settings.healthAddress],
    ['settings.healthPort', config.settings.healthPort],
    ['settings.metricsAddress', config.settings.metricsAddress],
    ['settings.metricsPort', config.settings.metricsPort],
    ['plugins.incomingWebhook.enabled', config.plugins.incomingWebhook.enabled],
    ['plugins.incomingWebhook.address', config.plugins.incomingWebhook.address],
    ['plugins.incomingWebhook.port', config.plugins.incomingWebhook.port],
    ['plugins.incomingWebhook.bodyLimit', config.plugins.incomingWebhook.bodyLimit],
  ];
  // Read once at start: the store and the election (stringified, they are objects).
  const startOnly = (config: Config): [string, string][] => [
    ['settings.delivery.store', JSON.stringify(config.settings.delivery.store)],
    ['settings.ha', JSON.stringify(config.settings.ha)],
  ];
  const before = new Map<string, string | number | boolean>([...values(previous), ...startOnly(previous)]);
  return [...values(next), ...startOnly(next)]
    .filter(([path, value]) => before.get(path) !== value)
    .map(([path]) => path);
}
