import { describe, expect, it } from 'vitest';
import { Config } from '../config/schema.js';
import { changedListenerSettings, planListeners } from './listeners.js';

const parse = (raw: unknown) => Config.parse(raw);
const summary = (raw: unknown, ports?: Parameters<typeof planListeners>[1]) =>
  planListeners(parse(raw), ports).map((l) => `${l.name} ${l.address}:${l.port} ${l.routes.join('+')}`);

describe('planListeners', () => {
  it('listens on loopback only unless an address is set', () => {
    expect(summary({})).toEqual([
      'health server 127.0.0.1:2114 health',
      'metrics server 127.0.0.1:2112 metrics',
      'incoming webhook server 127.0.0.1:2115 webhooks',
    ]);
  });

  it('uses each configured address, IPv6 included', () => {
    const config = {
      settings: { healthAddress: '0.0.0.0', metricsAddress: '::' },
      plugins: { incomingWebhook: { address: '[::1]' } },
    };
    expect(summary(config)).toEqual([
      'health server 0.0.0.0:2114 health',
      'metrics server :::2112 metrics',
      'incoming webhook server ::1:2115 webhooks',
    ]);
  });

  it('shares one server between listeners with the same address and port', () => {
    const config = { settings: { metricsPort: 2114 }, plugins: { incomingWebhook: { port: 2114 } } };
    expect(summary(config)).toEqual([
      'health and metrics and incoming webhook server 127.0.0.1:2114 health+metrics+webhooks',
    ]);
    const apart = { settings: { metricsPort: 2114, metricsAddress: '0.0.0.0' } };
    expect(summary(apart)).toHaveLength(3);
  });

  it('never shares port 0, except metrics following an overridden health port', () => {
    expect(summary({ plugins: { incomingWebhook: { enabled: false } } }, { operations: 0 })).toEqual([
      'health and metrics server 127.0.0.1:0 health+metrics',
    ]);
    expect(summary({}, { operations: 0, webhooks: 0 })).toEqual([
      'health and metrics server 127.0.0.1:0 health+metrics',
      'incoming webhook server 127.0.0.1:0 webhooks',
    ]);
    expect(summary({}, { operations: 0, metrics: 0, webhooks: 0 })).toHaveLength(3);
  });

  it('names each setting with the environment variable that changes it', () => {
    const [health, , webhooks] = planListeners(parse({}));
    expect(health?.settings).toEqual({
      address: {
        path: 'settings.healthAddress',
        override: 'environment variable SWITCHBOARD_SETTINGS_HEALTH__ADDRESS',
      },
      port: {
        path: 'settings.healthPort',
        override: 'environment variable SWITCHBOARD_SETTINGS_HEALTH__PORT',
      },
    });
    expect(webhooks?.settings.port).toEqual({
      path: 'plugins.incomingWebhook.port',
      override: 'environment variable SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_PORT',
    });
  });
});

describe('changedListenerSettings', () => {
  it('lists the listener settings a reload cannot apply, and nothing else', () => {
    const before = parse({ settings: { clusterName: 'a' } });
    const after = parse({
      settings: { clusterName: 'b', healthAddress: '0.0.0.0', metricsPort: 9090 },
      plugins: { incomingWebhook: { address: '::' } },
    });
    expect(changedListenerSettings(before, after)).toEqual([
      'settings.healthAddress',
      'settings.metricsPort',
      'plugins.incomingWebhook.address',
    ]);
    expect(changedListenerSettings(before, parse({ settings: { clusterName: 'b' } }))).toEqual([]);
  });
});
