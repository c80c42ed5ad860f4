import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../support/agent-harness.js';
import { publishExecutorFixture } from '../support/console-harness.js';
import { waitFor } from '../support/test-logger.js';

/*
 * `plugins.runtime.env.allow` and the per-plugin override reach a real plugin process (the
 * executor fixture prints its environment): they add to the default list, and credential-like
 * or agent-own names stay out even when listed.
 */

const hostVars = {
  KUBERNETES_SERVICE_HOST: '10.0.0.1',
  KUBERNETES_SERVICE_PORT: '443',
  SB_TEST_NOT_ALLOWED: 'nope',
  SB_TEST_OTHER_PLUGIN_ONLY: 'other',
  SB_TEST_BOT_TOKEN: 'xoxb-secret',
  SWITCHBOARD_TEST_SETTING: 'agent-only',
};
const saved = Object.fromEntries(Object.keys(hostVars).map((k) => [k, process.env[k]]));
let indexFile: string;

beforeAll(async () => {
  Object.assign(process.env, hostVars);
  indexFile = join(await publishExecutorFixture(), 'index.yaml');
}, 120_000);

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Starts an agent running the fixture with `plugins` settings; returns what `fixture env` prints. */
async function pluginEnvironment(pluginSettings: string): Promise<Record<string, string>> {
  const run = await startAgent(
    (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [fx]}}
executors:
  fx:
    sb/fixture: {enabled: true}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${indexFile}"}
  incomingWebhook: {enabled: false}
${pluginSettings}
`,
  );
  try {
    run.bot.say('fixture env');
    const text = await waitFor(
      () => run.bot.finalTexts('ops').find((t) => t.includes('"PLUGIN_PROTOCOL_VERSIONS"')),
      60_000,
      'the fixture to print its environment',
    );
    return JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as Record<string, string>;
  } finally {
    await run.agent.stop();
  }
}

describe('plugin environment through the agent', () => {
  it('adds plugins.runtime.env.allow and the per-plugin override to the default list', async () => {
    const env = await pluginEnvironment(`
  runtime:
    startTimeout: 60s
    env:
      allow: [KUBERNETES_SERVICE_HOST, SB_TEST_BOT_TOKEN, SWITCHBOARD_TEST_SETTING]
  overrides:
    sb/fixture:
      env: {allow: [KUBERNETES_SERVICE_PORT]}
    sb/other:
      env: {allow: [SB_TEST_OTHER_PLUGIN_ONLY]}
`);
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      PATH: process.env.PATH,
    });
    expect(env).not.toHaveProperty('SB_TEST_NOT_ALLOWED');
    expect(env).not.toHaveProperty('SB_TEST_OTHER_PLUGIN_ONLY');
    expect(env).not.toHaveProperty('SB_TEST_BOT_TOKEN');
    expect(env).not.toHaveProperty('SWITCHBOARD_TEST_SETTING');
  }, 180_000);

  it('passes no extra host names when none are allowed', async () => {
    const env = await pluginEnvironment(`
  runtime:
    startTimeout: 60s
`);
    expect(env.PATH).toBe(process.env.PATH);
    expect(env).not.toHaveProperty('KUBERNETES_SERVICE_HOST');
    expect(env).not.toHaveProperty('KUBERNETES_SERVICE_PORT');
  }, 180_000);
});
