import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configFrom } from '../../test/support/config-from.js';
import { configJsonSchema } from './json-schema.js';
import { pluginRuntime } from './plugin-runtime.js';
import { Config } from './schema.js';

const fixture = (name: string) =>
  parse(readFileSync(new URL(`../../test/fixtures/config/${name}`, import.meta.url), 'utf8'), {
    merge: true,
  });

describe('the config schema', () => {
  it('fills every default from the schema alone', () => {
    const config = Config.parse({});
    expect(config.settings).toMatchObject({ clusterName: 'local', healthPort: 2114, metricsPort: 2112 });
    expect(config.settings.commands.deadline.ms).toBe(300_000);
    expect(config.plugins.runtime.callDeadline.ms).toBe(30_000);
    expect(config.plugins.runtime.startTimeout.ms).toBe(10_000);
    expect(config.plugins.runtime.autoMtls).toBe(true);
    expect(config.plugins.restartPolicy).toMatchObject({ type: 'DeactivatePlugin', threshold: 5 });
    expect(config.plugins.incomingWebhook).toMatchObject({ enabled: true, port: 2115, bodyLimit: 1_048_576 });
    expect(config.communications).toEqual({});
  });

  it('gives a platform section its defaults, e.g. the console on 127.0.0.1:2116', () => {
    const config = configFrom(
      'communications: {local: {console: {enabled: true, channels: {web: {name: web}}}}}',
    );
    expect(config.communications.local?.console).toMatchObject({ address: '127.0.0.1', port: 2116 });
    expect(config.communications.local?.console?.channels.web).toEqual({
      name: 'web',
      notification: { disabled: false },
      bindings: { sources: [], executors: [] },
    });
  });

  it('requires a token for a console listening beyond loopback, and a login for Rocket.Chat', () => {
    const result = Config.safeParse(
      parse(`communications:
  g:
    console: {enabled: true, address: 0.0.0.0, channels: {web: {name: web}}}
    rocketChat: {enabled: true, url: https://chat.example, userId: bot, channels: {ops: {name: ops}}}
`),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'communications.g.rocketChat',
        'set userId + authToken (token login) or username + password (password login)',
      ],
      [
        'communications.g.console.token',
        'a token is required when the console listens on 0.0.0.0 (not loopback)',
      ],
    ]);
  });

  it('publishes a JSON Schema that accepts the Botkube fixtures and rejects a wrong type', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(configJsonSchema());
    for (const name of [
      'botkube/illustration.yaml',
      'botkube-helm/global_config.yaml',
      'botkube-helm/comm_config.yaml',
    ]) {
      expect(validate(fixture(name)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate({ settings: { log: { formatter: 'xml' } } })).toBe(false);
    expect(validate({ settings: { clusterNames: 'x' } })).toBe(false);
  });
});

describe('pluginRuntime', () => {
  it('merges a per-plugin override over the defaults, whatever the version in the key', () => {
    const config = configFrom(`
settings: {log: {level: warn}}
plugins:
  runtime:
    env: {allow: [AWS_REGION], extra: {A: '1'}}
  overrides:
    botkube/kubectl:
      callDeadline: 2m
      autoMtls: false
      env: {allow: [KUBECONFIG], extra: {B: '2'}}
`);
    const runtime = pluginRuntime(config, 'botkube/kubectl@v1.14.0');
    expect(runtime.callDeadline.ms).toBe(120_000);
    expect(runtime.startTimeout.ms).toBe(10_000);
    expect(runtime.autoMtls).toBe(false);
    expect(runtime.logLevel).toBe('warn');
    expect(runtime.env.allow).toEqual(['AWS_REGION', 'KUBECONFIG']);
    expect(Object.keys(runtime.env.extra)).toEqual(['A', 'B']);
    expect(pluginRuntime(config, 'botkube/helm').callDeadline.ms).toBe(30_000);
  });

  it('gives every plugin a log limit, overridable field by field', () => {
    const config = configFrom(`
plugins:
  runtime: {logLimit: {bytesPerSecond: 8192}}
  overrides:
    botkube/kubectl: {logLimit: {linesPerSecond: 10}}
`);
    expect(pluginRuntime(config, 'botkube/kubectl').logLimit).toEqual({
      linesPerSecond: 10,
      bytesPerSecond: 8192,
    });
    expect(pluginRuntime(config, 'botkube/helm').logLimit).toEqual({
      linesPerSecond: 200,
      bytesPerSecond: 8192,
    });
    expect(pluginRuntime(configFrom(''), 'a/b').logLimit).toEqual({
      linesPerSecond: 200,
      bytesPerSecond: 65_536,
    });
  });
});
