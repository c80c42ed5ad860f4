/**
 * The agent with the Discord platform against the Discord emulator, the executor fixture running
 * as a real plugin process: `/switchboard` registered and used, a slow plugin answered after the
 * interaction was deferred within Discord's 3 s, extra messages, replaceOriginal, a DM command,
 * an over-long answer cut to 2,000 characters with the whole output attached, and commands in
 * threads (answered in the thread with the bindings of the configured channel holding it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/app/agent.js';
import type { Discord } from '../../src/bots/discord/config.js';
import { createDiscordBot } from '../../src/bots/discord/index.js';
import { startConformanceAgent } from '../conformance/conformance-agent.js';
import { type DiscordEmulator, startDiscordEmulator } from '../support/discord-emulator/index.js';
import { waitFor } from '../support/test-logger.js';

describe('agent on Discord', () => {
  let emu: DiscordEmulator;
  let agent: Agent | undefined;
  let ops: string;
  let ada: string;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    ops = emu.addChannel('ops').id;
    ada = emu.addUser('ada').id;
    const run = await startConformanceAgent({
      communications: `  default:
    discord:
      enabled: true
      token: ${emu.token}
      botID: "${emu.botUserId}"
      apiUrl: ${emu.apiUrl}
      directMessages: {enabled: true, channel: ops}
      channels:
        ops: {id: "${ops}", bindings: {executors: [tools], sources: []}}`,
      createPlatform: (instance, _context, logger) =>
        instance.platform === 'discord'
          ? createDiscordBot({ id: instance.id, settings: instance.settings as Discord, logger })
          : undefined,
    });
    agent = run.agent;
  }, 180_000);

  afterAll(async () => {
    await agent?.stop();
    const violations = emu.specViolations();
    await emu.close();
    expect(violations).toEqual([]);
  }, 60_000);

  it('registers /switchboard and answers it in the deferred reply, even from a plugin slower than 3 s', async () => {
    expect(emu.commands()).toMatchObject([{ name: 'switchboard' }]);
    const interaction = emu.slashCommand({ user: ada, channel: ops, command: 'fixture sleep 4000' });
    const reply = await waitFor(
      () => emu.messages(ops).find((m) => m.content.includes('slept 4000')),
      45_000,
      'the answer of the slow plugin',
    );
    const acked = emu.interaction(interaction.id);
    expect(acked?.ackType).toBe(5);
    expect(acked?.ackAfterMs).toBeLessThan(3000);
    // The "thinking…" reply itself became the answer: one message, edited.
    expect(reply.id).toBe(acked?.originalId);
    expect(reply.history.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('answers a slash command with extra messages: the first in the deferred reply, the rest as follow-ups', async () => {
    const interaction = emu.slashCommand({ user: ada, channel: ops, command: 'fixture messages' });
    const second = await waitFor(
      () => emu.messages(ops).find((m) => m.interactionId === interaction.id && m.content.includes('second')),
      45_000,
      'the follow-up',
    );
    const first = emu.messages(ops).find((m) => m.id === emu.interaction(interaction.id)?.originalId);
    expect(first?.content).toContain('first');
    expect(second.id).not.toBe(first?.id);
  }, 60_000);

  it('replaces the clicked message for replaceOriginal instead of posting anew', async () => {
    emu.userMessage({ user: ada, channel: ops, content: `<@${emu.botUserId}> fixture replace 1` });
    const step = await waitFor(
      () => emu.messages(ops).find((m) => m.content.includes('step 1')),
      45_000,
      'step 1',
    );
    const bob = emu.addUser('bob').id;
    emu.clickButton({ user: bob, messageId: step.id, label: 'Next' });
    await waitFor(
      () => emu.messages(ops).find((m) => m.id === step.id && m.content.includes('step 2')),
      45_000,
      'step 2 in the same message',
    );
    expect(emu.messages(ops).filter((m) => m.content.includes('step 2'))).toHaveLength(1);
  }, 60_000);

  it('answers a command sent in a DM, in the DM', async () => {
    const sent = emu.directMessage({ user: ada, content: 'echo from-a-dm' });
    const reply = await waitFor(
      () => emu.messages(sent.channelId).find((m) => m.content.includes('from-a-dm')),
      45_000,
      'the DM answer',
    );
    expect(reply.channelId).toBe(sent.channelId);
    expect(emu.messages(ops).some((m) => m.content.includes('from-a-dm'))).toBe(false);
  }, 60_000);

  it('keeps an answer over 2,000 characters within the limit and attaches the whole output', async () => {
    emu.userMessage({ user: ada, channel: ops, content: `<@${emu.botUserId}> fixture big 5000` });
    const reply = await waitFor(
      () => emu.messages(ops).find((m) => m.attachments.length > 0),
      45_000,
      'the answer with a file',
    );
    expect(reply.content.length).toBeLessThanOrEqual(2000);
    expect(reply.attachments[0]?.content.toString()).toContain('x'.repeat(5000));
  }, 60_000);

  describe('in threads', () => {
    const mention = (text: string) => `<@${emu.botUserId}> ${text}`;

    it('answers a mention in a thread of a configured channel in the thread, streaming by edits, with a file', async () => {
      const inOps = emu.messages(ops).length;
      const thread = emu.addThread({ name: 'incident-42', parent: ops, owner: ada }).id;
      emu.userMessage({ user: ada, channel: thread, content: mention('fixture stream 6 500') });
      const streamed = await waitFor(
        () => emu.messages(thread).find((m) => m.content.includes('line 6')),
        45_000,
        'the streamed answer in the thread',
      );
      // One message, edited while the output arrived; nothing of it in the parent channel.
      expect(emu.messages(thread).filter((m) => m.content.includes('line 1'))).toHaveLength(1);
      expect(streamed.history.length).toBeGreaterThanOrEqual(1);
      emu.userMessage({ user: ada, channel: thread, content: mention('fixture big 5000') });
      const withFile = await waitFor(
        () => emu.messages(thread).find((m) => m.attachments.length > 0),
        45_000,
        'the answer with a file in the thread',
      );
      expect(withFile.attachments[0]?.content.toString()).toContain('x'.repeat(5000));
      expect(emu.messages(ops)).toHaveLength(inOps);
    }, 60_000);

    it('answers in a private thread the gateway never announced (parent fetched)', async () => {
      const thread = emu.addThread({
        name: 'quiet',
        parent: ops,
        owner: ada,
        private: true,
        announce: false,
      }).id;
      const channelGets = () => emu.requests().filter((r) => r.route === 'GET /channels/{channel_id}').length;
      const before = channelGets();
      emu.userMessage({ user: ada, channel: thread, content: mention('echo from-a-private-thread') });
      await waitFor(
        () => emu.messages(thread).find((m) => m.content.includes('from-a-private-thread')),
        45_000,
        'the answer in the private thread',
      );
      // Unannounced, the thread reached discord.js without its parent: one GET found it.
      expect(channelGets()).toBe(before + 1);
    }, 60_000);

    it('replaces a message clicked in a thread, and answers a slash command used there in its deferred reply', async () => {
      const inOps = emu.messages(ops).length;
      const thread = emu.addThread({ name: 'rollout', parent: ops, owner: ada }).id;
      emu.userMessage({ user: ada, channel: thread, content: mention('fixture replace 1') });
      const step = await waitFor(
        () => emu.messages(thread).find((m) => m.content.includes('step 1')),
        45_000,
        'step 1 in the thread',
      );
      const click = emu.clickButton({ user: ada, messageId: step.id, label: 'Next' });
      await waitFor(
        () => emu.messages(thread).find((m) => m.id === step.id && m.content.includes('step 2')),
        45_000,
        'step 2 in the same message',
      );
      expect(emu.interaction(click.id)?.ackType).toBe(6);
      const slash = emu.slashCommand({ user: ada, channel: thread, command: 'echo slash-in-thread' });
      const reply = await waitFor(
        () => emu.messages(thread).find((m) => m.content.includes('slash-in-thread')),
        45_000,
        'the slash command answer in the thread',
      );
      expect(reply.id).toBe(emu.interaction(slash.id)?.originalId);
      expect(emu.messages(ops)).toHaveLength(inOps);
    }, 60_000);

    it('ignores a thread under a channel that is not configured', async () => {
      const dev = emu.addChannel('dev').id;
      const stray = emu.addThread({ name: 'elsewhere', parent: dev, owner: ada }).id;
      const served = emu.addThread({ name: 'control', parent: ops, owner: ada }).id;
      const inOps = emu.messages(ops).length;
      emu.userMessage({ user: ada, channel: stray, content: mention('echo not-here') });
      emu.userMessage({ user: ada, channel: served, content: mention('echo control') });
      // The command sent after it was answered, so the stray one had its chance.
      await waitFor(
        () => emu.messages(served).find((m) => m.content.includes('control')),
        45_000,
        'the control answer',
      );
      expect(emu.messages(stray)).toEqual([]);
      expect(emu.messages(dev)).toEqual([]);
      expect(emu.messages(ops)).toHaveLength(inOps);
    }, 60_000);
  });
});
