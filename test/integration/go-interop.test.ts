import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseEvent } from '../../src/contract/event.js';
import { parseMessage } from '../../src/contract/message.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { createSourceClient, type SourceCallContext } from '../../src/plugins/host/source-client.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const tsFixtures = inject('tsFixtures');
const goFixtures = inject('goFixtures');
const cookie = '52ca7b74-28eb-4fac-ae79-31a9cbda2454';
const running: PluginInstance[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

/** Path of a Go fixture binary; a failed Go build fails the test with the build error. */
function goBinary(name: 'executor_goecho' | 'source_goticker' | 'gohost'): string {
  if ('error' in goFixtures) throw new Error(goFixtures.error);
  return join(goFixtures.dir, name);
}

async function launchGo(
  binary: 'executor_goecho' | 'source_goticker',
  options: { autoMtls?: boolean; appVersions?: number[]; envExtra?: Record<string, string> } = {},
) {
  const { logger, lines } = createTestLogger();
  const instance = await launchPlugin({
    name: `test/${binary}`,
    binary: goBinary(binary),
    logger,
    hostEnv: { PATH: process.env.PATH, SLACK_BOT_TOKEN: 'xoxb-secret', SWITCHBOARD_X: 'y' },
    ...options,
  });
  running.push(instance);
  return { instance, lines };
}

async function launchEcho(options: Parameters<typeof launchGo>[1] = {}) {
  const launched = await launchGo('executor_goecho', options);
  return { ...launched, client: createExecutorClient(instanceHandle(launched.instance)) };
}

function call(command: string): ExecuteCall {
  return {
    command,
    configs: [new TextEncoder().encode('prefix: ignored\n')],
    context: {
      interactive: true,
      kubeConfig: new TextEncoder().encode('apiVersion: v1'),
      message: {
        text: command,
        url: 'https://chat/x',
        parentActivityId: '171.5',
        user: { mention: '<@U1>', displayName: 'Ada' },
      },
      incomingWebhookBaseUrl: 'http://127.0.0.1:2115/sources/v1',
    },
  };
}

const text = (bytes: Uint8Array) => {
  const m = parseMessage(bytes);
  return m.baseBody.codeBlock ?? m.baseBody.plaintext ?? '';
};

describe('host → Go plugins (go-plugin 1.0.1)', () => {
  it.each([true, false])('runs executor_goecho with autoMtls=%s: echo, help, metadata', async (autoMtls) => {
    const { instance, client } = await launchEcho({ autoMtls });
    expect(instance.autoMtls).toBe(autoMtls);
    expect(text((await client.execute(call('goecho echo hi'))).message)).toBe('hi');
    const help = parseMessage(await client.help());
    expect(help.baseBody.plaintext).toBe('goecho: echo|sleep|crash|big|context|env|configs|many|badextra');
    expect(await client.metadata()).toEqual({
      version: 'v1.0.0',
      description: 'Go fixture executor',
      jsonSchema: {
        value:
          '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"prefix":{"type":"string"}}}',
      },
      dependencies: { jq: { 'linux/amd64': 'https://example.invalid/jq' } },
      documentationUrl: 'https://example.invalid/goecho',
      recommended: true,
    });
  });

  it('negotiates app protocols 3, 2 and 1 and sends each the fields it carries', async () => {
    const context = async (appVersions?: number[]) => {
      const { instance, client } = await launchEcho(appVersions ? { appVersions } : {});
      const report = JSON.parse(text((await client.execute(call('goecho context'))).message));
      return { appVersion: instance.appVersion, report };
    };
    const common = { interactive: true, kubeConfig: 'apiVersion: v1', slackState: '' };
    expect(await context()).toEqual({
      appVersion: 3,
      report: {
        ...common,
        protocol: 3,
        messageText: 'goecho context',
        parentActivityId: '171.5',
        mention: '<@U1>',
        displayName: 'Ada',
        baseSourceURL: 'http://127.0.0.1:2115/sources/v1',
        hasIncomingWebhook: true,
      },
    });
    expect(await context([2])).toEqual({
      appVersion: 2,
      report: {
        ...common,
        protocol: 2,
        messageText: 'goecho context',
        parentActivityId: '',
        mention: '<@U1>',
        displayName: 'Ada',
        baseSourceURL: '',
        hasIncomingWebhook: false,
      },
    });
    // Protocol 1 answers plain text in `data`, which the host turns into a code block.
    expect(await context([1])).toEqual({
      appVersion: 1,
      report: {
        ...common,
        protocol: 1,
        messageText: '',
        parentActivityId: '',
        mention: '',
        displayName: '',
        baseSourceURL: '',
        hasIncomingWebhook: false,
      },
    });
  });

  it('gives the Go plugin a scrubbed environment with the go-plugin variables', async () => {
    const { client } = await launchEcho({ envExtra: { FIXTURE_VISIBLE: 'yes' } });
    const lines = text((await client.execute(call('goecho env'))).message).split('\n');
    const env = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).not.toHaveProperty('SLACK_BOT_TOKEN');
    expect(env).not.toHaveProperty('SWITCHBOARD_X');
    expect(env).toMatchObject({
      BOTKUBE: cookie,
      FIXTURE_VISIBLE: 'yes',
      PATH: process.env.PATH,
      PLUGIN_PROTOCOL_VERSIONS: '1,2,3',
      PLUGIN_MIN_PORT: '10000',
      PLUGIN_MAX_PORT: '25000',
      PLUGIN_DEPENDENCY_DIR: `${goBinary('executor_goecho')}_deps`,
    });
    expect(env.PLUGIN_CLIENT_CERT).toMatch(/BEGIN CERTIFICATE/);
    expect(env.TMPDIR).toBe(env.PLUGIN_UNIX_SOCKET_DIR);
  });

  it('enforces the deadline and the Go plugin sees the cancellation', async () => {
    const { client, lines } = await launchEcho();
    const started = Date.now();
    await expect(client.execute(call('goecho sleep 5000'), { deadlineMs: 200 })).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_DEADLINE',
      message: expect.stringContaining('within 200 ms'),
    });
    // Well before the 5 s the plugin would have slept.
    expect(Date.now() - started).toBeLessThan(4000);
    // The plugin's log line comes over its stderr, read apart from the call: it may trail the error.
    const cancelled = await waitFor(() => lines.find((l) => l.msg === 'sleep cancelled'), 15_000, 'log');
    expect(cancelled).toMatchObject({ plugin: 'test/executor_goecho', ms: 5000, level: 30 });
  });

  it('reports a crash mid-call with the Go panic text', async () => {
    const { instance, client } = await launchEcho();
    await expect(client.execute(call('goecho crash'))).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_EXITED',
      message: expect.stringContaining('goecho crash requested'),
    });
    expect((await instance.exited).code).toBe(2);
  });

  it('carries a 10 MB answer from Go', async () => {
    const { client } = await launchEcho();
    const answer = await client.execute(call('goecho big 10485760'));
    const body = text(answer.message);
    expect(body.length).toBe(10_485_760);
    expect(body).toMatch(/^x+$/);
  });

  it('falls back to unary Execute when the Go plugin has no streaming service', async () => {
    const { client } = await launchEcho();
    const chunks = [];
    for await (const chunk of client.executeStreaming(call('goecho echo streamed'))) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
    const [chunk] = chunks;
    expect(chunk?.kind).toBe('message');
    expect(chunk?.kind === 'message' && text(chunk.message)).toBe('streamed');
  });

  it("delivers a Go plugin's extra messages through the fallback, after the answer", async () => {
    const { client } = await launchEcho();
    const chunks = [];
    for await (const chunk of client.executeStreaming(call('goecho many 3'))) chunks.push(chunk);
    expect(
      chunks.map((c) =>
        c.kind === 'message' ? text(c.message) : c.kind === 'extra' ? c.messages.map(text) : c.text,
      ),
    ).toEqual(['answer', ['extra 1', 'extra 2', 'extra 3']]);
    // No extras, no extra chunk.
    const none = [];
    for await (const chunk of client.executeStreaming(call('goecho many 0'))) none.push(chunk.kind);
    expect(none).toEqual(['message']);
    // App protocol 1 answers cannot carry extras.
    const v1 = await launchEcho({ appVersions: [1] });
    const kinds = [];
    for await (const chunk of v1.client.executeStreaming(call('goecho many 3'))) kinds.push(chunk.kind);
    expect(kinds).toEqual(['message']);
  });

  it('stops a Go plugin gracefully through the Shutdown RPC', async () => {
    const { instance, client } = await launchEcho();
    expect(text((await client.execute(call('goecho echo up'))).message)).toBe('up');
    const started = Date.now();
    const exit = await instance.stop(5000);
    // Well before the 5 s after which it would have been killed.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(exit).toMatchObject({ code: 0, signal: null });
  });
});

describe('host → Go source plugin', () => {
  const context: SourceCallContext = {
    interactive: false,
    clusterName: 'prod-eu',
    sourceName: 'ticks',
    incomingWebhook: {
      baseUrl: 'http://127.0.0.1:2115',
      fullUrlForSource: 'http://127.0.0.1:2115/sources/v1/ticks',
    },
  };
  const streamCall = {
    config: new TextEncoder().encode('count: 3\nintervalMs: 5\nclose: true\n'),
    context,
  };
  const webhook = { payload: new TextEncoder().encode('{"a":1}'), config: new Uint8Array(), context };

  async function collect(appVersions?: number[]) {
    const { instance } = await launchGo('source_goticker', appVersions ? { appVersions } : {});
    const client = createSourceClient(instanceHandle(instance));
    const events = [];
    // The loop ends only if the plugin ends the stream normally.
    for await (const bytes of client.stream(streamCall)) events.push(parseEvent(bytes));
    return { instance, client, events };
  }

  it('streams ticks that end normally, and answers incoming webhooks (protocol 3)', async () => {
    const { instance, client, events } = await collect();
    expect(instance.appVersion).toBe(3);
    expect(events.map((e) => e.message.baseBody.plaintext)).toEqual([
      'tick 1 from ticks',
      'tick 2 from ticks',
      'tick 3 from ticks',
    ]);
    expect(events.map((e) => e.rawObject)).toEqual(
      [1, 2, 3].map((i) => ({ i, source: 'ticks', cluster: 'prod-eu' })),
    );
    const answer = parseEvent(await client.handleExternalRequest(webhook));
    expect(answer.rawObject).toEqual({ a: 1 });
    expect(answer.message.baseBody.plaintext).toBe('webhook: {"a":1}');
  });

  it('streams over app protocol 1, which has no incoming webhooks', async () => {
    const { instance, client, events } = await collect([1]);
    expect(instance.appVersion).toBe(1);
    expect(events.map((e) => e.rawObject)).toEqual(
      [1, 2, 3].map((i) => ({ i, source: '', cluster: 'prod-eu' })),
    );
    await expect(client.handleExternalRequest(webhook)).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_UNIMPLEMENTED',
    });
  });
});

const exec = promisify(execFile);

/** Runs go-plugin's own client (gohost) and returns its parsed JSON output and its log. */
async function gohost(args: string[]) {
  const { stdout, stderr } = await exec(goBinary('gohost'), args, { maxBuffer: 16 * 1024 * 1024 });
  return { json: JSON.parse(stdout), stderr };
}

const executorFixture = () => tsFixtures['executor-fixture'] as string;
const sourceFixture = () => tsFixtures['source-fixture'] as string;

describe("go-plugin's client → TypeScript plugins", () => {
  it.each([[[]], [['-mtls']]])('executes through gohost %j', async (flags) => {
    const { json, stderr } = await gohost([
      ...flags,
      '-type',
      'executor',
      executorFixture(),
      'execute',
      'fixture echo hi',
    ]);
    // gohost sends the config `prefix: x`.
    expect(json).toMatchObject({ message: { baseBody: { codeBlock: 'xhi' } }, messages: [] });
    expect(stderr).toContain(`protocol=3 type=executor mtls=${flags.length > 0}`);
  });

  it('answers metadata and help through gohost', async () => {
    const { json: metadata } = await gohost([executorFixture(), 'metadata']);
    expect(metadata).toMatchObject({
      version: 'v0.9.0',
      description: 'Executor fixture for host tests',
      jsonSchema: { value: '{"type":"object","properties":{"prefix":{"type":"string"}}}' },
      dependencies: { jq: { urls: { 'linux/amd64': 'https://example.invalid/jq' } } },
      documentationUrl: 'https://example.invalid/fixture',
    });
    const { json: help } = await gohost([executorFixture(), 'help']);
    expect(help.help.baseBody.plaintext).toBe('fixture help');
    expect(help.help.sections[0].buttons[0].command).toBe('{{BotName}} fixture echo hi');
  });

  it('negotiates app protocol 2 when gohost offers only 2', async () => {
    const { json, stderr } = await gohost([
      '-versions',
      '2',
      executorFixture(),
      'execute',
      'fixture context',
    ]);
    expect(stderr).toContain('protocol=2');
    expect(JSON.parse(json.message.baseBody.codeBlock)).toMatchObject({
      protocolVersion: 2,
      message: {
        text: 'fixture context',
        parentActivityId: '',
        user: { mention: '<@U1>', displayName: 'Go Host' },
      },
    });
  });

  it('streams events and answers a webhook from the TypeScript source', async () => {
    const { json: events } = await gohost(['-type', 'source', sourceFixture(), 'stream', '3']);
    expect(events).toHaveLength(3);
    for (const [n, event] of (events as Record<string, unknown>[]).entries()) {
      expect(Object.keys(event).sort()).toEqual(['AnalyticsLabels', 'Message', 'RawObject']);
      expect(event).toMatchObject({
        Message: { baseBody: { plaintext: `tick ${n + 1} from gohost-src` } },
        RawObject: { i: n + 1, source: 'gohost-src', cluster: 'gohost' },
      });
    }
    const { json: event } = await gohost(['-type', 'source', sourceFixture(), 'webhook', '{"a":1}']);
    expect(event).toMatchObject({
      Message: { baseBody: { plaintext: 'webhook for gohost-src: {"a":1}' } },
      RawObject: { a: 1 },
    });
  });

  it('exits cleanly on SIGTERM sent the moment its handshake is read', async () => {
    // The handler is set before the handshake line: a host may stop a plugin as soon as it has
    // read it, and the default action would kill the plugin without closing its socket.
    for (let i = 0; i < 5; i++) {
      const child = spawn(process.execPath, [executorFixture()], {
        env: { ...process.env, BOTKUBE: cookie, PLUGIN_PROTOCOL_VERSIONS: '3' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const line = await new Promise<string>((resolve) =>
        child.stdout.once('data', (d) => resolve(String(d))),
      );
      child.kill('SIGTERM');
      const exit = await new Promise((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      expect(exit).toEqual({ code: 0, signal: null });
      const socket = line.split('|')[3] ?? '';
      expect(socket).toMatch(/plugin\d+$/);
      expect(existsSync(socket)).toBe(false);
    }
  });

  it('refuses to run without the cookie, like a go-plugin binary', async () => {
    const { BOTKUBE: _, ...env } = process.env;
    const error = await exec(executorFixture(), [], { env }).then(
      () => undefined,
      (err: unknown) => err as { code: number; stdout: string; stderr: string },
    );
    expect(error).toMatchObject({ code: 1, stdout: '' });
    expect(error?.stderr).toContain('This binary is a plugin');
  });
});
