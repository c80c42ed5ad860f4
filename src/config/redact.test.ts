import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { configFrom } from '../../test/support/config-from.js';
import { redactConfig } from './redact.js';
import { Config } from './schema.js';

const config = configFrom(`
communications:
  g:
    socketSlack:
      enabled: true
      botToken: xoxb-secret-bot
      appToken: xapp-secret-app
      channels: {ops: {name: ops}}
    discord: {enabled: false}
sources:
  pods:
    displayName: Pods
    botkube/kubernetes:
      enabled: true
      config: {namespaces: {include: [".*"]}, apiKey: sk-plugin-secret, nested: {password: hunter2, note: fine}}
executors:
  tools:
    botkube/kubectl: {enabled: true}
plugins:
  repositories:
    private:
      url: https://robot:s3cr3t@plugins.example.com/index.yaml
      headers: {Authorization: Bearer header-secret}
  healthCheckInterval: 1m30s
`);

describe('redactConfig', () => {
  const plain = redactConfig(config);
  const text = JSON.stringify(plain);

  it('hides every secret, URL credential and secret-looking plugin config value', () => {
    for (const secret of ['xoxb-secret', 'xapp-secret', 'sk-plugin', 'hunter2', 's3cr3t', 'header-secret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('https://robot:[redacted]@plugins.example.com/index.yaml');
    expect(plain).toMatchObject({
      communications: { g: { socketSlack: { botToken: '[redacted]' }, discord: { token: '' } } },
      sources: {
        pods: { 'botkube/kubernetes': { config: { apiKey: '[redacted]', nested: { note: 'fine' } } } },
      },
    });
  });

  it("writes groups back in Botkube's shape and durations as Go strings", () => {
    expect(plain).toMatchObject({
      sources: { pods: { displayName: 'Pods', 'botkube/kubernetes': { enabled: true } } },
      executors: { tools: { 'botkube/kubectl': { enabled: true } } },
      plugins: { healthCheckInterval: '1m30s', runtime: { callDeadline: '30s' } },
    });
    expect(Object.keys(plain.executors as object)).toEqual(['tools']);
    expect((plain.executors as Record<string, object>).tools).not.toHaveProperty('displayName');
  });

  it('produces a config that validates again', () => {
    expect(Config.safeParse(parse(stringify(plain))).success).toBe(true);
  });
});
