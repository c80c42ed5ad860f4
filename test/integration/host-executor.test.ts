import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseMessage } from '../../src/contract/message.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const fixtures = inject('tsFixtures');
const running: PluginInstance[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function launch(
  extra: Record<string, string> = {},
  options: { autoMtls?: boolean; appVersions?: number[]; logLevel?: 'error' } = {},
) {
  const { logger, lines } = createTestLogger();
  const instance = await launchPlugin({
    name: 'test/fixture',
    binary: fixtures['executor-fixture'] as string,
    logger,
    envExtra: extra,
    hostEnv: { PATH: process.env.PATH, SLACK_BOT_TOKEN: 'xoxb-secret', SWITCHBOARD_X: 'y' },
    ...options,
  });
  running.push(instance);
  return { instance, client: createExecutorClient(instanceHandle(instance)), lines };
}

function call(command: string, configs: string[] = []): ExecuteCall {
  return {
    command,
    configs: configs.map((c) => new TextEncoder().encode(c)),
    context: {
      interactive: true,
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

describe('host ↔ TypeScript executor plugin', () => {
  it('executes with merged configs over AutoMTLS (on by default)', async () => {
    const { instance, client } = await launch();
    expect(instance.autoMtls).toBe(true);
    expect(instance.appVersion).toBe(3);
    const answer = await client.execute(call('fixture echo hello', ['prefix: "a:"\n', 'prefix: "b:"\n']));
    expect(text(answer.message)).toBe('b:hello');
  });

  it('runs without TLS when AutoMTLS is turned off', async () => {
    const { instance, client } = await launch({}, { autoMtls: false });
    expect(instance.autoMtls).toBe(false);
    expect(text((await client.execute(call('fixture echo plain'))).message)).toBe('plain');
  });

  it('passes the whole context, and speaks app protocol 2 and 1 when only those are offered', async () => {
    const v3 = await launch();
    expect(JSON.parse(text((await v3.client.execute(call('fixture context'))).message))).toMatchObject({
      interactive: true,
      incomingWebhookBaseUrl: 'http://127.0.0.1:2115/sources/v1',
      message: {
        text: 'fixture context',
        parentActivityId: '171.5',
        user: { mention: '<@U1>', displayName: 'Ada' },
      },
      protocolVersion: 3,
    });
    const v2 = await launch({}, { appVersions: [2] });
    expect(v2.instance.appVersion).toBe(2);
    const ctx2 = JSON.parse(text((await v2.client.execute(call('fixture context'))).message));
    expect(ctx2).toMatchObject({
      protocolVersion: 2,
      message: { parentActivityId: '', user: { mention: '<@U1>' } },
    });
    const v1 = await launch({}, { appVersions: [1] });
    expect(v1.instance.appVersion).toBe(1);
    const ctx1 = JSON.parse(text((await v1.client.execute(call('fixture context'))).message));
    expect(ctx1).toMatchObject({ protocolVersion: 1, incomingWebhookBaseUrl: '' });
    expect(ctx1).not.toHaveProperty('message');
  });

  it('gives the plugin a scrubbed environment with the go-plugin variables', async () => {
    const { client } = await launch({ FIXTURE_VISIBLE: 'yes' });
    const env = JSON.parse(text((await client.execute(call('fixture env'))).message));
    expect(env).not.toHaveProperty('SLACK_BOT_TOKEN');
    expect(env).not.toHaveProperty('SWITCHBOARD_X');
    expect(env).toMatchObject({ FIXTURE_VISIBLE: 'yes', BOTKUBE: '52ca7b74-28eb-4fac-ae79-31a9cbda2454' });
    expect(env.PLUGIN_PROTOCOL_VERSIONS).toBe('1,2,3');
    expect(env.PLUGIN_DEPENDENCY_DIR).toBe(`${fixtures['executor-fixture']}_deps`);
    expect(env.PLUGIN_CLIENT_CERT).toMatch(/BEGIN CERTIFICATE/);
    const { mode } = await import('node:fs').then((fs) => fs.statSync(env.TMPDIR));
    expect(mode & 0o777).toBe(0o700);
  });

  it('answers help, metadata, extra messages and plugin errors', async () => {
    const { client } = await launch();
    const help = parseMessage(await client.help());
    expect(help.baseBody.plaintext).toBe('fixture help');
    expect(help.sections?.[0]?.buttons?.[0]?.command).toBe('{{BotName}} fixture echo hi');
    expect(await client.metadata()).toMatchObject({
      version: 'v0.9.0',
      description: 'Executor fixture for host tests',
      jsonSchema: { value: '{"type":"object","properties":{"prefix":{"type":"string"}}}' },
      dependencies: { jq: { 'linux/amd64': 'https://example.invalid/jq' } },
    });
    const both = await client.execute(call('fixture messages'));
    expect([text(both.message), ...both.messages.map(text)]).toEqual(['first', 'second']);
    await expect(client.execute(call('fixture fail on purpose'))).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('fixture failure: on purpose'),
      // The plugin's own text, as a field: the bridges show it without parsing the message.
      details: { plugin: expect.any(String), grpcCode: 2, pluginMessage: 'fixture failure: on purpose' },
    });
  });

  it('streams output chunk by chunk over switchboard.v1', async () => {
    const { client } = await launch();
    const chunks: string[] = [];
    for await (const chunk of client.executeStreaming(call('fixture stream 4 30'))) {
      chunks.push(chunk.kind === 'output' ? chunk.text : chunk.kind);
    }
    expect(chunks).toEqual(['line 1\n', 'line 2\n', 'line 3\n', 'line 4\n']);
    // Unary Execute collects the same output into one code block (what Botkube hosts see).
    expect(text((await client.execute(call('fixture stream 2 1'))).message)).toBe('line 1\nline 2\n');
  });

  it('streams extra messages over switchboard.v1 after the answer', async () => {
    const { client } = await launch();
    const streamed = async (command: string) => {
      const chunks: unknown[] = [];
      for await (const chunk of client.executeStreaming(call(command))) {
        chunks.push(
          chunk.kind === 'message'
            ? text(chunk.message)
            : chunk.kind === 'extra'
              ? chunk.messages.map((m) => parseMessage(m))
              : chunk.text,
        );
      }
      return chunks;
    };
    expect(await streamed('fixture many 3')).toEqual([
      'answer',
      [1, 2, 3].map((i) => ({ baseBody: { codeBlock: `extra ${i}` } })),
    ]);
    // Extras arrive as the plugin wrote them; the host decides what to post (skipMessage included).
    expect(await streamed('fixture extras skip one')).toEqual([
      'hidden',
      [{ baseBody: { codeBlock: 'one' } }],
    ]);
    // An answer without extras has no extra chunk.
    expect(await streamed('fixture many 0')).toEqual(['answer']);
    expect(await streamed('fixture echo plain')).toEqual(['plain']);
  });

  it('reports a plugin error on the streaming RPC at once', async () => {
    const { client } = await launch();
    const started = Date.now();
    const consume = async () => {
      for await (const _ of client.executeStreaming(call('fixture fail mid-stream'))) {
      }
    };
    await expect(consume()).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('fixture failure: mid-stream'),
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('enforces the deadline and the cancellation reaches the plugin', async () => {
    const { client } = await launch();
    const marker = join(await mkdtemp(join(tmpdir(), 'sb-cancel-')), 'marker');
    await expect(
      client.execute(call('fixture sleep 5000', [`cancelMarker: ${marker}\n`]), { deadlineMs: 200 }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_DEADLINE',
      message: expect.stringContaining('within 200 ms'),
    });
    expect(await waitFor(() => readFile(marker, 'utf8').catch(() => ''), 15_000, 'cancel marker')).toBe(
      'cancelled',
    );

    const controller = new AbortController();
    const pending = client.execute(call('fixture sleep 5000'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_CANCELLED' });
  });

  it('carries a 10 MB response', async () => {
    const { client } = await launch();
    const answer = await client.execute(call('fixture big 10485760'));
    expect(text(answer.message).length).toBe(10_485_760);
  });

  it('serves 1,000 concurrent executes', async () => {
    const { client } = await launch();
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => client.execute(call(`fixture echo n${i}`))),
    );
    expect(answers.map((a) => text(a.message))).toEqual(Array.from({ length: 1000 }, (_, i) => `n${i}`));
  });

  it('relays plugin logs (hclog JSON and console output) under the plugin name', async () => {
    const { client, lines } = await launch();
    await client.execute(call('fixture log'));
    // Plugin logs come over stderr, which the host reads apart from the answer: they may trail it.
    const warning = await waitFor(
      () => lines.find((l) => l.msg === 'structured warning'),
      15_000,
      'the structured warning',
    );
    expect(warning).toMatchObject({ level: 40, plugin: 'test/fixture', key: 'value', module: 'executor' });
    await waitFor(
      () => lines.find((l) => l.msg === 'hello from console.log' && l.level === 30),
      15_000,
      'the console.log line',
    );
  });

  it('applies a per-plugin log level to the plugin output', async () => {
    const { instance, client, lines } = await launch({}, { logLevel: 'error' });
    await client.execute(call('fixture log'));
    await client.execute(call('fixture fail loudly')).catch(() => {});
    // The stderr tail is filled, whatever the level, just before a line is relayed to the logger:
    // once both lines are in it, the logger has had them (a failed execute logs nothing more).
    await waitFor(
      () => {
        const tail = instance.stderrTail().join('\n');
        return tail.includes('structured warning') && tail.includes('hello from console.log');
      },
      15_000,
      'the plugin log lines on stderr',
    );
    expect(lines.filter((l) => l.plugin === 'test/fixture' && (l.level as number) < 50)).toEqual([]);
  });

  it('stops gracefully and kills what the plugin started', async () => {
    const { instance, client } = await launch();
    const childPid = Number(text((await client.execute(call('fixture child'))).message));
    expect(() => process.kill(childPid, 0)).not.toThrow();
    const exit = await instance.stop();
    expect(exit.code).toBe(0);
    await waitFor(
      () => {
        try {
          process.kill(childPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'grandchild to die',
    );
  });
});
