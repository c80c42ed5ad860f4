/**
 * The Discord bot against the Discord emulator, without an agent: what reaches Discord for a given
 * Outbound (component limits, the 2,000-character boundary, ephemeral answers, a storm paced by the
 * bucket headers), what the bot hands the agent (mentions, DMs, slash commands, clicks), and how
 * it connects, fails and reconnects. Every request is checked against Discord's OpenAPI spec.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/bots/bot.js';
import type { Discord } from '../../src/bots/discord/config.js';
import { createDiscordBot } from '../../src/bots/discord/index.js';
import type { Button } from '../../src/contract/message.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import {
  type DiscordEmulator,
  type DiscordEmulatorOptions,
  startDiscordEmulator,
} from '../support/discord-emulator/index.js';
import { discordTestSettings } from '../support/discord-settings.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

interface Rig {
  emu: DiscordEmulator;
  bot: Bot;
  ops: string;
  ada: string;
  commands: InboundCommand[];
  lines: Record<string, unknown>[];
}

const running: { emu: DiscordEmulator; bot?: Bot }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.bot?.stop().catch(() => undefined);
    await r.emu.close();
  }
});

async function rig(
  options: {
    emulator?: DiscordEmulatorOptions;
    settings?: (emu: DiscordEmulator, ops: string) => Discord;
    start?: boolean;
  } = {},
): Promise<Rig> {
  const emu = await startDiscordEmulator(options.emulator);
  const entry: { emu: DiscordEmulator; bot?: Bot } = { emu };
  running.push(entry);
  const ops = emu.addChannel('prod-ops').id;
  const ada = emu.addUser('ada').id;
  const { logger, lines } = createTestLogger('debug');
  const settings = options.settings?.(emu, ops) ?? discordTestSettings(emu, { ops });
  const bot = createDiscordBot({ id: 'team/discord', settings, logger, connectTimeoutMs: 10_000 });
  entry.bot = bot;
  const commands: InboundCommand[] = [];
  if (options.start !== false) await bot.start((c) => commands.push(c));
  return { emu, bot, ops, ada, commands, lines };
}

const address = (r: Rig, extra: Record<string, string> = {}) => ({
  destinationId: 'team/discord',
  channelId: r.ops,
  ...extra,
});

describe('Discord bot: what reaches Discord', () => {
  it('lays 30 buttons out within 5 rows of 5 and lists the rest as commands with a note, never rejected', async () => {
    const r = await rig();
    const buttons: Button[] = Array.from({ length: 30 }, (_, i) => ({
      name: `Pod ${i + 1}`,
      command: `{{BotName}} kubectl describe pod web-${i + 1}`,
    }));
    await r.bot.deliver({
      address: address(r),
      message: { baseBody: { plaintext: 'Pods' }, sections: [{ buttons }] },
    });
    const [posted] = r.emu.messages(r.ops);
    expect(posted).toBeDefined();
    const rows = posted?.components as { components: { label: string }[] }[];
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.components.length === 5)).toBe(true);
    expect(rows.at(-1)?.components.at(-1)?.label).toBe('Pod 25');
    expect(posted?.content).toContain('kubectl describe pod web-26');
    expect(posted?.content).toContain('kubectl describe pod web-30');
    expect(posted?.content).toMatch(/5 more controls than Discord shows/);
    expect(posted?.content).not.toContain('web-25`');
    expect(r.emu.specViolations()).toEqual([]);
  });

  it('posts 2,000 characters as they are, and the emulator refuses 2,001 as Discord does (50035)', async () => {
    const r = await rig();
    const text = 'y'.repeat(2000);
    await r.bot.deliver({ address: address(r), message: { baseBody: { plaintext: text } } });
    expect(r.emu.messages(r.ops)[0]?.content).toBe(text);
    const response = await fetch(`${r.emu.apiUrl}/v10/channels/${r.ops}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${r.emu.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'z'.repeat(2001) }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      message: 'Invalid Form Body',
      code: 50035,
      errors: {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    });
  });

  it('paces a storm of 20 events into one channel by the bucket headers: all posted in order, 0 × 429', async () => {
    const r = await rig({ emulator: { messageBucket: { limit: 5, windowMs: 1000 } } });
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        r.bot.deliver({
          address: address(r),
          kind: 'event',
          message: { baseBody: { plaintext: `event ${i + 1}` } },
        }),
      ),
    );
    const posted = r.emu.messages(r.ops);
    expect(posted.map((m) => m.embeds[0]?.description)).toEqual(
      Array.from({ length: 20 }, (_, i) => `event ${i + 1}`),
    );
    expect(r.emu.stats().rateLimited).toBe(0);
    // Four windows of five: the client waited for the resets instead of being refused.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });

  it('colours an event embed by the level its words name', async () => {
    const r = await rig();
    await r.bot.deliver({
      address: address(r),
      kind: 'event',
      message: {
        baseBody: {},
        sections: [{ header: 'Pod web-1 BackOff', description: 'Back-off restarting failed container' }],
      },
    });
    const [embed] = r.emu.messages(r.ops)[0]?.embeds ?? [];
    expect(embed?.title).toBe('Pod web-1 BackOff');
    expect(embed?.color).toBe(0xe74c3c);
  });

  it('attaches a long output as a file in the same message', async () => {
    const r = await rig();
    await r.bot.deliver({
      address: address(r),
      message: { baseBody: { plaintext: '… the end of it' } },
      file: { name: 'output.txt', content: new TextEncoder().encode('a'.repeat(10_000)) },
    });
    const [posted] = r.emu.messages(r.ops);
    expect(posted?.attachments.map((a) => [a.filename, a.content.length])).toEqual([['output.txt', 10_000]]);
    expect(r.emu.specViolations()).toEqual([]);
  });

  it('reports a deleted channel in status and keeps serving the others (Botkube stopped)', async () => {
    const r = await rig({
      settings: (emu, ops) => discordTestSettings(emu, { ops, gone: emu.missingChannel() }),
    });
    expect(r.bot.status()).toMatchObject({ state: 'connected', lastError: 'channels not reachable: gone' });
    expect(r.lines.some((l) => String(l.msg).includes('does not exist or the bot cannot see it'))).toBe(true);
    await r.bot.deliver({ address: address(r), message: { baseBody: { plaintext: 'still here' } } });
    expect(r.emu.messages(r.ops).map((m) => m.content)).toEqual(['still here']);
  });
});

describe('Discord bot: commands it hands the agent', () => {
  it('takes a mentioned command without the MessageContent intent, and ignores unmentioned text and itself', async () => {
    const r = await rig();
    r.emu.userMessage({ user: r.ada, channel: r.ops, content: 'kubectl get pods' });
    r.emu.userMessage({ user: r.ada, channel: r.ops, content: `<@${r.emu.botUserId}> kubectl get pods` });
    await waitFor(() => r.commands.length > 0, 10_000, 'the command');
    await r.bot.deliver({
      address: address(r),
      message: { baseBody: { plaintext: `<@${r.emu.botUserId}> echo` } },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]).toMatchObject({
      botId: 'team/discord',
      channel: { id: r.ops, name: 'ops' },
      user: { id: r.ada, mention: `<@${r.ada}>`, displayName: 'Ada' },
      text: `<@${r.emu.botUserId}> kubectl get pods`,
      origin: 'typed',
    });
  });

  it('registers /switchboard in the guild and defers its interaction at once; an ephemeral answer is a private follow-up', async () => {
    const r = await rig();
    expect(r.emu.commands()).toMatchObject([
      { name: 'switchboard', options: [{ name: 'command', type: 3 }] },
    ]);
    const interaction = r.emu.slashCommand({ user: r.ada, channel: r.ops, command: 'kubectl get pods' });
    const command = await waitFor(() => r.commands[0], 10_000, 'the slash command');
    expect(command).toMatchObject({ text: 'kubectl get pods', origin: 'typed', channel: { id: r.ops } });
    expect(r.emu.interaction(interaction.id)?.ackType).toBe(5);
    await r.bot.deliver({
      address: { ...address(r), userId: r.ada, ...(command.threadId ? { threadId: command.threadId } : {}) },
      message: { baseBody: { plaintext: 'only for you' }, onlyVisibleForYou: true },
    });
    expect(r.emu.ephemeral(r.ada).map((m) => m.content)).toEqual(['only for you']);
    // The public "thinking…" reply is gone, nothing else was posted in the channel.
    expect(r.emu.messages(r.ops)).toEqual([]);
    expect(r.emu.specViolations()).toEqual([]);
  });

  it('answers a slash command by editing its deferred reply, even when the answer takes longer than 3 s', async () => {
    const r = await rig();
    const interaction = r.emu.slashCommand({ user: r.ada, channel: r.ops, command: 'fixture sleep 4000' });
    const command = await waitFor(() => r.commands[0], 10_000, 'the slash command');
    const acked = r.emu.interaction(interaction.id);
    expect(acked?.ackAfterMs).toBeLessThan(3000);
    await new Promise((resolve) => setTimeout(resolve, 3200));
    await r.bot.deliver({
      address: { ...address(r), ...(command.threadId ? { threadId: command.threadId } : {}) },
      message: { baseBody: { codeBlock: 'slept 4000' } },
    });
    const [reply] = r.emu.messages(r.ops);
    expect(reply?.id).toBe(acked?.originalId);
    expect(reply?.content).toContain('slept 4000');
  });

  it('takes DM commands only when enabled, with the bindings of the named channel, answered in the DM', async () => {
    const off = await rig();
    off.emu.directMessage({ user: off.ada, content: 'kubectl get pods' });
    off.emu.userMessage({ user: off.ada, channel: off.ops, content: `<@${off.emu.botUserId}> marker` });
    await waitFor(() => off.commands.length > 0, 10_000, 'the channel command');
    expect(off.commands.map((c) => c.text)).toEqual([`<@${off.emu.botUserId}> marker`]);

    const on = await rig({
      settings: (emu, ops) =>
        discordTestSettings(emu, { ops }, { directMessages: { enabled: true, channel: 'ops' } }),
    });
    on.emu.directMessage({ user: on.ada, content: 'kubectl get pods' });
    const command = await waitFor(() => on.commands[0], 10_000, 'the DM command');
    expect(command).toMatchObject({
      channel: { id: on.ops, name: 'direct message' },
      text: 'kubectl get pods',
    });
    expect(command.replyChannelId).toBeDefined();
    await on.bot.deliver({
      address: { destinationId: 'team/discord', channelId: command.replyChannelId ?? '' },
      message: { baseBody: { plaintext: 'pods' } },
    });
    expect(on.emu.messages(command.replyChannelId ?? '').map((m) => m.content)).toEqual(['pods']);
  });

  it('turns a click and a selection into the commands they stand for, run as the user who used them', async () => {
    const r = await rig();
    await r.bot.deliver({
      address: address(r),
      message: {
        baseBody: { plaintext: 'Pick' },
        sections: [
          {
            buttons: [
              { name: 'Logs', command: `{{BotName}} kubectl logs ${'very-long-pod-name-'.repeat(8)}` },
            ],
            selects: {
              items: [
                {
                  name: 'Namespace',
                  command: '{{BotName}} kubectl get pods -n',
                  optionGroups: [
                    {
                      name: 'ns',
                      options: [
                        { name: 'default', value: 'default' },
                        { name: 'kube-system', value: 'kube-system' },
                      ],
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
    });
    const [posted] = r.emu.messages(r.ops);
    const bob = r.emu.addUser('bob').id;
    const click = r.emu.clickButton({ user: bob, messageId: posted?.id ?? '', label: 'Logs' });
    r.emu.selectOption({
      user: bob,
      messageId: posted?.id ?? '',
      placeholder: 'Namespace',
      values: ['kube-system'],
    });
    await waitFor(() => r.commands.length === 2, 10_000, 'both commands');
    expect(r.commands.map((c) => [c.text, c.origin, c.user.id])).toEqual([
      [`<@${r.emu.botUserId}> kubectl logs ${'very-long-pod-name-'.repeat(8)}`, 'button', bob],
      [`<@${r.emu.botUserId}> kubectl get pods -n kube-system`, 'select', bob],
    ]);
    expect(r.commands[0]?.sourceMessage).toEqual({ channelId: r.ops, messageId: posted?.id });
    expect(r.emu.interaction(click.id)?.ackType).toBe(6);
  });
});

describe('Discord bot: threads', () => {
  it("hands on a mention in a thread (announced or not) with the parent's bindings and the thread to answer in", async () => {
    const r = await rig();
    const announced = r.emu.addThread({ name: 'incident', parent: r.ops, owner: r.ada }).id;
    const quiet = r.emu.addThread({
      name: 'quiet',
      parent: r.ops,
      owner: r.ada,
      private: true,
      announce: false,
    }).id;
    r.emu.userMessage({ user: r.ada, channel: announced, content: `<@${r.emu.botUserId}> kubectl get pods` });
    await waitFor(() => r.commands.length === 1, 10_000, 'the command in the announced thread');
    r.emu.userMessage({ user: r.ada, channel: quiet, content: `<@${r.emu.botUserId}> kubectl get nodes` });
    await waitFor(() => r.commands.length === 2, 10_000, 'the command in the unannounced thread');
    expect(r.commands.map((c) => [c.channel, c.replyChannelId, c.text.split(' ').pop()])).toEqual([
      [{ id: r.ops, name: 'ops' }, announced, 'pods'],
      [{ id: r.ops, name: 'ops' }, quiet, 'nodes'],
    ]);
    // An answer to that address lands in the thread.
    const posted = await r.bot.deliver({
      address: address(r, { channelId: quiet }),
      message: { baseBody: { plaintext: 'in the thread' } },
    });
    expect(posted?.channelId).toBe(quiet);
    expect(r.emu.messages(quiet).map((m) => m.content)).toEqual(['in the thread']);
    expect(r.emu.specViolations()).toEqual([]);
  });

  it('hands on a thread of an unconfigured channel as unconfigured, and refuses a slash command there', async () => {
    const r = await rig();
    const dev = r.emu.addChannel('dev').id;
    const stray = r.emu.addThread({ name: 'stray', parent: dev, owner: r.ada }).id;
    r.emu.userMessage({ user: r.ada, channel: stray, content: `<@${r.emu.botUserId}> kubectl get pods` });
    await waitFor(() => r.commands.length === 1, 10_000, 'the stray command');
    // The agent ignores a channel it has no bindings for; no reply address points into the thread.
    expect(r.commands[0]?.channel).toEqual({ id: stray, name: stray });
    expect(r.commands[0]?.replyChannelId).toBeUndefined();
    await waitFor(() => r.emu.commands().length > 0, 10_000, 'the slash command registered');
    const interaction = r.emu.slashCommand({ user: r.ada, channel: stray, command: 'kubectl get pods' });
    await waitFor(() => r.emu.ephemeral(r.ada).length > 0, 10_000, 'the refusal');
    expect(r.emu.ephemeral(r.ada)[0]?.content).toContain('not set up for this channel');
    expect(r.emu.interaction(interaction.id)?.ackType).toBe(4);
    expect(r.commands).toHaveLength(1);
  });

  it('takes a click in a thread and answers it through the interaction, in the thread', async () => {
    const r = await rig();
    const thread = r.emu.addThread({ name: 'rollout', parent: r.ops, owner: r.ada }).id;
    await r.bot.deliver({
      address: address(r, { channelId: thread }),
      message: {
        baseBody: { plaintext: 'Pick' },
        sections: [{ buttons: [{ name: 'Logs', command: '{{BotName}} kubectl logs web' }] }],
      },
    });
    const [posted] = r.emu.messages(thread);
    const click = r.emu.clickButton({ user: r.ada, messageId: posted?.id ?? '', label: 'Logs' });
    await waitFor(() => r.commands.length === 1, 10_000, 'the click');
    const command = r.commands[0];
    expect(command).toMatchObject({
      channel: { id: r.ops, name: 'ops' },
      replyChannelId: thread,
      origin: 'button',
      sourceMessage: { channelId: thread, messageId: posted?.id },
    });
    expect(r.emu.interaction(click.id)?.ackType).toBe(6);
    await r.bot.deliver({
      address: address(r, { channelId: thread, threadId: command?.threadId ?? '' }),
      message: { baseBody: { plaintext: 'logs of web' } },
    });
    const answer = r.emu.messages(thread).find((m) => m.content === 'logs of web');
    expect(answer?.interactionId).toBe(click.id);
    expect(r.emu.messages(r.ops)).toEqual([]);
    expect(r.emu.specViolations()).toEqual([]);
  });
});

describe('Discord bot: failures', () => {
  it('reports a 5xx as a retryable DeliveryError and posts once when retried', async () => {
    const r = await rig();
    r.emu.faults.failNext('POST /channels/{channel_id}/messages', 503);
    const outbound = { address: address(r), message: { baseBody: { plaintext: 'after the outage' } } };
    await expect(r.bot.deliver(outbound)).rejects.toMatchObject({ reason: 'unavailable', retryable: true });
    expect(r.emu.messages(r.ops)).toEqual([]);
    await r.bot.deliver(outbound);
    expect(r.emu.messages(r.ops).map((m) => m.content)).toEqual(['after the outage']);
  });

  it('waits out a burst of 429s for their Retry-After and posts once', async () => {
    const r = await rig();
    for (let i = 0; i < 2; i++) r.emu.faults.failNext('POST /channels/{channel_id}/messages', 429, 1);
    const started = Date.now();
    await r.bot.deliver({ address: address(r), message: { baseBody: { plaintext: 'patient' } } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(r.emu.stats().rateLimited).toBe(2);
    expect(r.emu.messages(r.ops).map((m) => m.content)).toEqual(['patient']);
  });

  it('still runs a command whose acknowledgement came too late, answering in the channel', async () => {
    const r = await rig();
    r.emu.faults.slowCallbacks(3500);
    const interaction = r.emu.slashCommand({ user: r.ada, channel: r.ops, command: 'kubectl get pods' });
    const command = await waitFor(() => r.commands[0], 15_000, 'the command');
    expect(r.emu.interaction(interaction.id)?.ackType).toBeUndefined();
    await r.bot.deliver({
      address: { ...address(r), ...(command.threadId ? { threadId: command.threadId } : {}) },
      message: { baseBody: { plaintext: 'pods' } },
    });
    expect(r.emu.messages(r.ops).map((m) => m.content)).toEqual(['pods']);
    expect(r.lines.some((l) => String(l.msg).includes('could not be acknowledged in time'))).toBe(true);
  });
});

describe('Discord bot: connecting', () => {
  it('refuses a bad token at start, naming the setting', async () => {
    const r = await rig({
      start: false,
      settings: (emu, ops) => discordTestSettings(emu, { ops }, { token: 'not-the-token' }),
    });
    await expect(r.bot.start(() => undefined)).rejects.toMatchObject({
      code: 'SB_ERR_PLATFORM_AUTH',
      message: expect.stringContaining('communications.team.discord.token'),
    });
    expect(r.bot.status().state).toBe('failed');
  });

  it('fails clearly when the MessageContent intent is asked for but not enabled (4014), and works when it is', async () => {
    const refused = await rig({
      start: false,
      settings: (emu, ops) => discordTestSettings(emu, { ops }, { messageContentIntent: true }),
    });
    await expect(refused.bot.start(() => undefined)).rejects.toMatchObject({
      code: 'SB_ERR_PLATFORM_CONNECT',
      message: expect.stringContaining('4014'),
    });
    const granted = await rig({
      emulator: { privilegedIntents: 1 << 15 },
      settings: (emu, ops) => discordTestSettings(emu, { ops }, { messageContentIntent: true }),
    });
    expect(granted.bot.status().state).toBe('connected');
  });

  it('resumes after op 7 and identifies again after an invalid session, answering commands sent in between', async () => {
    const r = await rig();
    r.emu.faults.reconnect();
    r.emu.userMessage({ user: r.ada, channel: r.ops, content: `<@${r.emu.botUserId}> after-reconnect` });
    await waitFor(() => r.commands.length === 1, 15_000, 'the command after op 7');
    await waitFor(() => r.emu.stats().resumes >= 1, 15_000, 'a RESUME');
    r.emu.faults.invalidSession(false);
    await waitFor(() => r.emu.stats().identifies >= 2, 20_000, 'a second IDENTIFY');
    await waitFor(() => r.bot.status().state === 'connected', 10_000, 'connected again');
    r.emu.userMessage({ user: r.ada, channel: r.ops, content: `<@${r.emu.botUserId}> after-identify` });
    await waitFor(() => r.commands.length === 2, 15_000, 'the command after op 9');
    expect(r.bot.status().reconnects).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
