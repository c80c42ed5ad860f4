import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CommandTopology,
  createCommandHandler,
  type ExecutorEntryView,
  type KubeConfigForCall,
} from '../../src/bridge/executor/command-handler.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import { plaintextMessage } from '../../src/contract/message.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import { createDeliveryPipeline, type DeliveryPipeline } from '../../src/delivery/pipeline.js';
import { SwitchboardError } from '../../src/errors/switchboard-error.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createExecutorClient } from '../../src/plugins/host/executor-client.js';
import type { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { startExecutorFixture } from '../support/executor-fixture.js';
import { RecordingDestination } from '../support/recording-destination.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

let supervisor: PluginSupervisor;
beforeAll(async () => {
  supervisor = await startExecutorFixture();
});
afterAll(() => supervisor.stop());
const pipelines: DeliveryPipeline[] = [];
afterEach(async () => {
  for (const p of pipelines.splice(0)) await p.close({ drainMs: 0 });
});

const yaml = (s: string) => new TextEncoder().encode(s);
const groups: Record<string, ExecutorEntryView[]> = {
  base: [{ group: 'base', key: 'local/fixture', name: 'fixture', rawConfig: yaml('prefix: "base:"\n') }],
  override: [
    { group: 'override', key: 'local/fixture', name: 'fixture', rawConfig: yaml('prefix: "team:"\n') },
  ],
};
const topology: CommandTopology = {
  clusterName: 'prod',
  aliases: { fe: { command: 'fixture echo' } },
  passthroughPlugins: [],
  incomingWebhookBaseUrl: 'http://sb:2115/sources/v1',
  channel: (d, c) =>
    d === 'slack' && c === 'C-ops'
      ? {
          destinationId: 'slack',
          channelId: 'C-ops',
          channelName: 'ops',
          executorGroups: ['base', 'override'],
        }
      : d === 'slack' && c === 'C-lobby'
        ? { destinationId: 'slack', channelId: 'C-lobby', channelName: 'lobby', executorGroups: [] }
        : undefined,
  executorEntries: (names) => names.flatMap((n) => groups[n] ?? []),
  knownExecutors: () => new Set(['fixture', 'kubectl']),
};

/** `deadlineMs`: every call's deadline (default 2 s). */
function setup(
  options: {
    limit?: number;
    executorMissing?: boolean;
    deadlineMs?: number;
    kubeConfig?: KubeConfigForCall;
  } = {},
) {
  const { logger, lines } = createTestLogger();
  const slack = new RecordingDestination('slack');
  const metrics = createMetrics();
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === 'slack' ? slack : undefined),
    settings: DeliverySettings.parse({}),
    logger,
  });
  pipelines.push(pipeline);
  const handle = createCommandHandler({
    topology: () => topology,
    executor: (key) =>
      options.executorMissing || key !== 'local/fixture' ? undefined : createExecutorClient(supervisor),
    builtins: {
      respond: async (command, channel) =>
        plaintextMessage(`builtin ${command.verb} in ${channel.channelName}`),
    },
    outbox: pipeline,
    capabilities: () => slack.capabilities,
    mention: () => /^<@UBOT>/,
    deadlineMs: () => options.deadlineMs ?? 2000,
    ...(options.limit ? { maxConcurrentPerChannel: options.limit } : {}),
    ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}),
    logger,
    metrics,
  });
  const say = (
    text: string,
    channelId = 'C-ops',
    origin: InboundCommand['origin'] = 'typed',
    more: Partial<InboundCommand> = {},
  ) =>
    handle({
      botId: 'slack',
      channel: { id: channelId, name: channelId },
      user: { id: 'U1', mention: '<@U1>', displayName: 'Ada' },
      text,
      origin,
      threadId: '171.5',
      ...more,
    });
  return { slack, say, lines, metrics };
}

describe('command handler', () => {
  it('runs a bound plugin with the configs of every bound group, in binding order', async () => {
    const { slack, say } = setup();
    await say('<@UBOT> fixture echo hi');
    expect(slack.texts()).toEqual(['team:hi']); // one post, no edit
    const reply = slack.received[0];
    expect(reply?.address).toEqual({
      destinationId: 'slack',
      channelId: 'C-ops',
      threadId: '171.5',
      userId: 'U1',
    });
    expect(reply?.message.sections?.at(-1)?.context?.[0]?.text).toBe('`fixture echo hi` on `prod`');
  });

  it('answers a click with replaceOriginal by replacing the clicked message', async () => {
    const { slack, say } = setup();
    await say('<@UBOT> fixture replace 2', 'C-ops', 'button', {
      sourceMessage: { channelId: 'C-ops', messageId: 'm-builder' },
    });
    expect(slack.received.map((o) => [o.replaces?.messageId, o.message.baseBody.codeBlock])).toEqual([
      ['m-builder', 'step 2'],
    ]);
  });

  it("puts the call's kubeconfig in the context and releases it when the call ends", async () => {
    const seen: { group: string; channel: string | undefined; ttlMs: number }[] = [];
    let released = 0;
    const { slack, say } = setup({
      kubeConfig: (entry, channel, ttlMs) => {
        seen.push({ group: entry.group, channel, ttlMs });
        return {
          kubeConfig: new TextEncoder().encode('kubeconfig for this call'),
          release: () => released++,
        };
      },
    });
    await say('fixture context');
    const context = JSON.parse(slack.texts()[0] as string) as { kubeConfig: unknown };
    // A Buffer serialises as {type, data}, a plain Uint8Array as {"0": …}.
    const raw = context.kubeConfig as { data?: number[] };
    const bytes = raw.data ?? (Object.values(raw as object) as number[]);
    expect(Buffer.from(bytes).toString()).toBe('kubeconfig for this call');
    // The first bound entry's policy, the channel's name, the deadline plus a margin.
    expect(seen).toEqual([{ group: 'base', channel: 'ops', ttlMs: 32_000 }]);
    expect(released).toBe(1);
  });

  it('does not run the command when its Kubernetes identity cannot be set up, and says so', async () => {
    const { slack, say, lines } = setup({
      kubeConfig: () => {
        throw new SwitchboardError(
          'SB_ERR_KUBE_RBAC',
          'executors.base.plugins.local/fixture.context.rbac bad',
        );
      },
    });
    await say('fixture echo never');
    expect(slack.texts()).toEqual([
      'The fixture executor cannot run here: its Kubernetes identity could not be set up. The agent log has the details.',
    ]);
    expect(
      lines.some(
        (l) => l.msg === 'kubeconfig for the call refused' && String(l.err).includes('context.rbac bad'),
      ),
    ).toBe(true);
  });

  it('passes the chat context to the plugin', async () => {
    const { slack, say } = setup();
    await say('fixture context');
    const context = JSON.parse(slack.texts()[0] as string);
    expect(context).toMatchObject({
      interactive: true,
      incomingWebhookBaseUrl: 'http://sb:2115/sources/v1',
      message: {
        text: 'fixture context',
        parentActivityId: '171.5',
        user: { mention: '<@U1>', displayName: 'Ada' },
      },
    });
  });

  it('expands aliases, applies --filter to the output, and stays silent for another cluster', async () => {
    const { slack, say } = setup();
    await say('fe aliased');
    await say('fixture stream 3 1 --filter "line 2"');
    await say('fixture echo hi --cluster-name staging');
    expect(slack.finalTexts()).toEqual(['team:aliased', 'line 2\n']);
    expect(slack.texts().some((t) => t.includes('line 1'))).toBe(false);
  });

  it('routes <plugin> help to the Help RPC and built-ins to the responder', async () => {
    const { slack, say } = setup();
    await say('fixture help');
    await say('ping');
    await say('');
    expect(slack.texts()).toEqual(['fixture help', 'builtin ping in ops', 'builtin help in ops']);
  });

  it('answers unknown, unbound and broken commands, and says nothing in unconfigured channels', async () => {
    const { slack, say } = setup();
    await say('frobnicate now');
    await say('fixture echo x', 'C-lobby');
    await say('kubectl get pods');
    await say('fixture echo "unterminated');
    await say('fixture echo hi', 'C-elsewhere');
    const texts = slack.texts();
    expect(texts[0]).toBe('`frobnicate` is not a command here. Use `help` to see what you can run.');
    expect(texts[1]).toMatch(/^The fixture executor is not enabled in this channel/);
    expect(texts[2]).toMatch(/^The kubectl executor is not enabled in this channel/);
    expect(texts[3]).toMatch(/quote/i);
    expect(texts).toHaveLength(4);
  });

  it('says so when the executor is not running', async () => {
    const { slack, say } = setup({ executorMissing: true });
    await say('fixture echo x');
    expect(slack.texts()).toEqual(['The fixture executor is not running. An operator can check `status`.']);
  });

  it('limits commands running at once per channel', async () => {
    const { slack, say } = setup({ limit: 1 });
    // The second command comes 100 ms after the first; the first sleeps long enough (within the
    // 2 s deadline) that a stalled event loop cannot let it finish before the second arrives.
    await Promise.all([
      say('fixture sleep 1500'),
      new Promise((r) => setTimeout(r, 100)).then(() => say('fixture echo second')),
    ]);
    expect(slack.texts()).toContain(
      '1 commands are already running in this channel; wait for one to finish and try again.',
    );
    expect(slack.texts()).toContain('slept 1500');
  });

  it('writes an audit line and metrics for every command', async () => {
    const { say, lines, metrics } = setup();
    await say('fixture fail oops', 'C-ops', 'button');
    const line = await waitFor(() => lines.find((l) => l.audit === true));
    expect(line).toMatchObject({
      user: 'Ada',
      channel: 'C-ops',
      origin: 'button',
      command: 'fixture fail oops',
      result: 'error',
    });
    expect(await metrics.registry.getSingleMetricAsString('switchboard_commands_total')).toContain(
      'switchboard_commands_total{executor="fixture",result="error"} 1',
    );
  });
});

describe('command handler logs what its replies send to the log', () => {
  it('posts 15 messages of an answer with 200,000 and logs what was left out', async () => {
    const { slack, say, lines } = setup({ deadlineMs: 60_000 });
    await say('fixture many 200000');
    // New posts only: reading 200,000 messages may take long enough for a live post and its edit.
    const posts = slack.received
      .filter((o) => o.replaces === undefined)
      .map((o) => o.message.baseBody.codeBlock);
    expect(posts).toEqual(['answer', ...Array.from({ length: 14 }, (_, i) => `extra ${i + 1}`)]);
    const last = slack.received.at(-1)?.message.sections?.at(-1)?.context?.[0]?.text;
    expect(last).toBe('199986 more messages were not posted: one answer posts at most 15.');
    expect(lines.filter((l) => l.msg === 'command answer had messages that were not posted')).toEqual([
      expect.objectContaining({
        level: 40,
        channel: 'C-ops',
        bot: 'slack',
        plugin: 'fixture',
        command: 'fixture many 200000',
        messages: 200_001,
        limit: 15,
        leftOut: 199_986,
        unreadable: 0,
      }),
    ]);
  }, 60_000);

  it('logs a failed command with its channel, its command and the limit it hit', async () => {
    const { slack, say, lines } = setup({ deadlineMs: 1000 });
    await say('fixture sleep 10000');
    expect(slack.texts()[0]).toMatch(/did not finish within 1 s and was cancelled/);
    await waitFor(() => lines.find((l) => l.msg === 'command failed'), 10_000, 'failure log line');
    expect(lines.find((l) => l.msg === 'command failed')).toMatchObject({
      level: 40,
      channel: 'C-ops',
      plugin: 'fixture',
      command: 'fixture sleep 10000',
      code: 'SB_ERR_PLUGIN_DEADLINE',
      deadlineMs: 1000,
    });
  }, 30_000);
});
