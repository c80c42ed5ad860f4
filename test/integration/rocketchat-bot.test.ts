import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, describe, expect } from 'vitest';
import type { Bot } from '../../src/bots/bot.js';
import { RocketChat } from '../../src/bots/rocketchat/config.js';
import { createRocketChatBot } from '../../src/bots/rocketchat/index.js';
import { commandButton, type Message, plaintextMessage } from '../../src/contract/message.js';
import { createSelfSignedCertificate } from '../../src/contract/tls/x509.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import {
  type EmulatedUser,
  type RocketChatEmulator,
  type RocketChatEmulatorOptions,
  startRocketChatEmulator,
} from '../support/rocketchat-emulator/index.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

interface World {
  emu: RocketChatEmulator;
  bot: EmulatedUser;
  ada: EmulatedUser;
  ops: string;
  /** A public channel the bot can read but has not joined. */
  lobby: string;
}

interface Running {
  bot: Bot;
  commands: InboundCommand[];
  lines: Record<string, unknown>[];
}

interface Rig {
  world(options?: RocketChatEmulatorOptions): Promise<World>;
  /** Starts a bot for `world` with these settings (YAML-like object) merged over token login. */
  start(world: World, settings?: Record<string, unknown>): Promise<Running>;
}

const test = base.extend<{ rig: Rig }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  rig: async ({}, use) => {
    const cleanup: (() => Promise<void>)[] = [];
    await use({
      async world(options = {}) {
        const emu = await startRocketChatEmulator(options);
        cleanup.push(() => emu.close());
        const bot = emu.addUser('switchboard', { roles: ['bot'] });
        const ada = emu.addUser('ada');
        const ops = emu.addRoom('ops', { type: 'p', members: [bot.id, ada.id] }).id;
        const lobby = emu.addRoom('lobby', { type: 'c', members: [ada.id] }).id;
        cleanup.push(async () => {
          expect(emu.violations()).toEqual([]);
        });
        return { emu, bot, ada, ops, lobby };
      },
      async start(world, settings = {}) {
        const parsed = RocketChat.parse({
          enabled: true,
          url: world.emu.url,
          userId: world.bot.id,
          authToken: world.bot.token,
          pingInterval: '1s',
          channels: { ops: { name: 'ops', bindings: { executors: ['tools'], sources: [] } } },
          ...settings,
        });
        const { logger, lines } = createTestLogger('debug');
        const bot = createRocketChatBot({ id: 'team/rocketChat', settings: parsed, logger });
        const commands: InboundCommand[] = [];
        await bot.start((c) => commands.push(c));
        cleanup.push(() => bot.stop());
        return { bot, commands, lines };
      },
    });
    for (const c of cleanup.reverse()) await c();
  },
});

const reply = (channelId: string, message: Message, threadId?: string) => ({
  address: { destinationId: 'team/rocketChat', channelId, ...(threadId ? { threadId } : {}) },
  message,
});

describe('Rocket.Chat bot against the emulator', () => {
  test('a command in a thread is answered in that thread', async ({ rig }) => {
    const w = await rig.world();
    const { bot, commands } = await rig.start(w);
    const root = w.emu.post(w.ada.id, w.ops, 'deploy started');
    w.emu.post(w.ada.id, w.ops, '@switchboard echo in-thread', { tmid: root });
    const command = await waitFor(() => commands[0], 10_000, 'the command');
    expect(command).toMatchObject({
      channel: { id: 'ops' },
      text: '@switchboard echo in-thread',
      threadId: root,
    });

    const posted = await bot.deliver(
      reply(command.channel.id, plaintextMessage('in-thread answer'), command.threadId),
    );
    const answer = w.emu.messages(w.ops).find((m) => m._id === posted?.messageId);
    expect(answer).toMatchObject({ msg: 'in-thread answer', tmid: root, rid: w.ops });
  });

  test('direct messages are commands as typed when enabled, and ignored when not', async ({ rig }) => {
    const w = await rig.world();
    const dm = w.emu.directRoom(w.bot.id, w.ada.id).id;
    const off = await rig.start(w);
    w.emu.post(w.ada.id, dm, 'echo not-now');
    await off.bot.stop();
    const on = await rig.start(w, { directMessages: { enabled: true, channel: 'ops' } });
    w.emu.post(w.ada.id, dm, 'echo private');
    const command = await waitFor(() => on.commands[0], 10_000, 'the DM command');
    expect(command).toMatchObject({
      channel: { id: 'ops', name: 'direct message' },
      replyChannelId: dm,
      text: 'echo private',
      user: { id: w.ada.id, mention: '@ada' },
    });
    expect(off.commands).toEqual([]);
    expect(off.lines.some((l) => l.why === 'direct messages are off')).toBe(true);
    await on.bot.deliver(reply(dm, plaintextMessage('only for you')));
    expect(w.emu.messages(dm).at(-1)).toMatchObject({ msg: 'only for you', u: { _id: w.bot.id } });
  });

  test('ignores its own messages, system messages, unjoined public rooms and text without the mention', async ({
    rig,
  }) => {
    const w = await rig.world();
    const { bot, commands, lines } = await rig.start(w);
    await bot.deliver(reply('ops', plaintextMessage('@switchboard echo from-myself')));
    w.emu.post(w.ada.id, w.lobby, '@switchboard echo overheard');
    w.emu.post(w.ada.id, w.ops, 'echo not-addressed');
    w.emu.post(w.ada.id, w.ops, '@switchboard echo marker');
    await waitFor(() => commands.find((c) => c.text.includes('marker')), 10_000, 'the later command');
    expect(commands.map((c) => c.text)).toEqual(['@switchboard echo marker']);
    const why = lines.map((l) => l.why).filter(Boolean);
    expect(why).toEqual(
      expect.arrayContaining(['own message', 'a room the bot does not serve', 'not addressed to the bot']),
    );
  });

  test('reconnects after a drop: logs in again, subscribes again and runs the command sent in the gap once', async ({
    rig,
  }) => {
    const w = await rig.world();
    const { bot, commands, lines } = await rig.start(w);
    const before = w.emu.stats();
    w.emu.faults.refuseConnections(1500);
    expect(w.emu.faults.dropSockets(w.bot.id)).toBe(1);
    w.emu.post(w.ada.id, w.ops, '@switchboard echo in-the-gap');
    expect(w.emu.listening(w.bot.id)).toBe(false);
    await waitFor(
      () => bot.status().state === 'connected' && bot.status().reconnects === 1,
      20_000,
      'reconnect',
    );
    await waitFor(() => commands[0], 10_000, 'the command from the gap');
    // A message after the reconnect comes over the stream again.
    w.emu.post(w.ada.id, w.ops, '@switchboard echo after');
    await waitFor(() => commands[1], 10_000, 'the command after');
    expect(commands.map((c) => c.text)).toEqual(['@switchboard echo in-the-gap', '@switchboard echo after']);
    const after = w.emu.stats();
    expect(after.logins).toBe(before.logins + 1);
    expect(after.subscriptions).toBe(before.subscriptions + 1);
    expect(lines.some((l) => String(l.err ?? '').includes('503') || l.attempt !== undefined)).toBe(true);
  });

  test('a DM first opened during the gap is found through rooms.get?updatedSince, run once and answered there', async ({
    rig,
  }) => {
    const w = await rig.world();
    const { bot, commands } = await rig.start(w, { directMessages: { enabled: true, channel: 'ops' } });
    w.emu.faults.refuseConnections(1500);
    expect(w.emu.faults.dropSockets(w.bot.id)).toBe(1);
    // The DM room does not exist until ada opens it, while the bot is away.
    const dm = w.emu.directRoom(w.ada.id, w.bot.id).id;
    w.emu.post(w.ada.id, dm, 'echo first-contact');
    expect(w.emu.listening(w.bot.id)).toBe(false);
    await waitFor(
      () => bot.status().state === 'connected' && bot.status().reconnects === 1,
      20_000,
      'reconnect',
    );
    const command = await waitFor(() => commands[0], 10_000, 'the DM command from the gap');
    expect(command).toMatchObject({
      channel: { id: 'ops', name: 'direct message' },
      replyChannelId: dm,
      text: 'echo first-contact',
      user: { id: w.ada.id },
    });
    await bot.deliver(reply(dm, plaintextMessage('first-contact answer')));
    expect(w.emu.messages(dm).at(-1)).toMatchObject({ msg: 'first-contact answer', u: { _id: w.bot.id } });
    // The stream now carries the DM; the gap's command is not run a second time.
    w.emu.post(w.ada.id, dm, 'echo later');
    await waitFor(() => commands[1], 10_000, 'the DM command after');
    expect(commands.map((c) => c.text)).toEqual(['echo first-contact', 'echo later']);
    expect(w.emu.stats().requests.get('rooms.get')).toBe(2);
  });

  test('a DM opened during the gap is not read when DMs are off', async ({ rig }) => {
    const w = await rig.world();
    const { bot, commands, lines } = await rig.start(w);
    w.emu.faults.refuseConnections(1500);
    w.emu.faults.dropSockets(w.bot.id);
    const dm = w.emu.directRoom(w.ada.id, w.bot.id).id;
    w.emu.post(w.ada.id, dm, 'echo not-for-a-bot');
    w.emu.post(w.ada.id, w.ops, '@switchboard echo in-the-gap');
    await waitFor(() => commands[0], 20_000, 'the channel command from the gap');
    expect(bot.status()).toMatchObject({ state: 'connected', reconnects: 1 });
    expect(commands.map((c) => c.text)).toEqual(['@switchboard echo in-the-gap']);
    expect(lines.some((l) => l.room === dm)).toBe(false);
    expect(w.emu.stats().requests.get('chat.syncMessages')).toBe(1);
  });

  test('when rooms.get fails after a reconnect, the known rooms are still caught up and the failure is logged', async ({
    rig,
  }) => {
    const w = await rig.world();
    const { bot, commands, lines } = await rig.start(w, {
      directMessages: { enabled: true, channel: 'ops' },
    });
    w.emu.faults.failNext('rooms.get', { status: 500 });
    w.emu.faults.refuseConnections(1500);
    w.emu.faults.dropSockets(w.bot.id);
    w.emu.post(w.ada.id, w.ops, '@switchboard echo still-caught-up');
    await waitFor(() => commands[0], 20_000, 'the channel command from the gap');
    expect(bot.status()).toMatchObject({ state: 'connected', reconnects: 1 });
    expect(commands.map((c) => c.text)).toEqual(['@switchboard echo still-caught-up']);
    const warning = lines.find((l) =>
      String(l.msg).startsWith('rooms changed in the gap could not be listed'),
    );
    expect(warning?.err).toMatch(/rooms\.get failed: injected fault 500/);
  });

  test("answers the server's pings, so a quiet connection is not closed as timed out", async ({ rig }) => {
    // The server pings after 300 ms of silence and closes after 600 ms; the bot's own pings come far later.
    const w = await rig.world({ pingIntervalMs: 300 });
    const { bot } = await rig.start(w, { pingInterval: '30s' });
    await new Promise((r) => setTimeout(r, 2000));
    expect(bot.status()).toMatchObject({ state: 'connected', reconnects: 0 });
    expect(w.emu.stats().connections).toBe(1);
  });

  test('a password login logs in with the password again once its token is revoked', async ({ rig }) => {
    const w = await rig.world();
    const { bot, commands } = await rig.start(w, {
      userId: undefined,
      authToken: undefined,
      username: 'switchboard',
      password: w.bot.password,
    });
    w.emu.faults.expireTokens(w.bot.id);
    await waitFor(
      () => bot.status().reconnects === 1 && bot.status().state === 'connected',
      20_000,
      'reconnect',
    );
    w.emu.post(w.ada.id, w.ops, '@switchboard echo again');
    await waitFor(() => commands[0], 10_000, 'the command');
    // REST calls carry the new token too.
    await bot.deliver(reply('ops', plaintextMessage('still here')));
    expect(w.emu.messages(w.ops).at(-1)?.msg).toBe('still here');
  });

  test('a revoked access token leaves the bot failed, saying why', async ({ rig }) => {
    const w = await rig.world();
    const { bot } = await rig.start(w);
    w.emu.faults.expireTokens(w.bot.id);
    await waitFor(() => bot.status().state === 'failed', 20_000, 'the failed state');
    expect(bot.status().lastError).toMatch(/refused the login/);
  });

  test('refuses to start with a bad token or a channel the bot is not in, naming it', async ({ rig }) => {
    const w = await rig.world();
    await expect(rig.start(w, { authToken: 'not-a-valid-token-at-all' })).rejects.toThrow(
      /could not start: Rocket.Chat refused the login/,
    );
    await expect(
      rig.start(w, { channels: { ops: { name: 'lobby', bindings: { executors: [], sources: [] } } } }),
    ).rejects.toThrow(/channels\.ops\.name "lobby": no such room among the bot user's rooms/);
  });

  test('buttons are attachment actions that post the command as the clicking user', async ({ rig }) => {
    const w = await rig.world();
    const { bot, commands } = await rig.start(w);
    const message: Message = {
      baseBody: { plaintext: 'pods listed' },
      sections: [{ buttons: [commandButton('Again', 'kubectl get pods')] }],
    };
    const posted = await bot.deliver(reply('ops', message));
    const stored = w.emu.messages(w.ops).find((m) => m._id === posted?.messageId);
    expect(stored?.attachments?.[0]?.actions?.[0]).toEqual({
      type: 'button',
      text: 'Again',
      msg: '@switchboard kubectl get pods',
      msg_in_chat_window: true,
      msg_processing_type: 'sendMessage',
    });
    w.emu.click(w.ada.id, stored?._id ?? '', (a) => a.text === 'Again');
    const command = await waitFor(() => commands[0], 10_000, 'the click');
    expect(command).toMatchObject({
      origin: 'button',
      user: { id: w.ada.id },
      text: '@switchboard kubectl get pods',
    });
  });

  test('a click that arrives before the server has answered the post is still a click', async ({ rig }) => {
    const w = await rig.world();
    const { bot, commands } = await rig.start(w);
    // The server stores and broadcasts at once but answers the bot late, as under load: the
    // click reaches the bot over the realtime stream while its chat.sendMessage is in flight.
    w.emu.faults.answerLate('chat.sendMessage', 1500);
    const posting = bot.deliver(
      reply('ops', {
        baseBody: { plaintext: 'pods' },
        sections: [{ buttons: [commandButton('Again', 'kubectl get pods')] }],
      }),
    );
    const stored = await waitFor(
      () => w.emu.messages(w.ops).find((m) => m.attachments?.[0]?.actions?.[0]?.text === 'Again'),
      10_000,
      'the message with the button',
    );
    w.emu.click(w.ada.id, stored._id, (a) => a.text === 'Again');
    const command = await waitFor(() => commands[0], 10_000, 'the click');
    expect(command).toMatchObject({ origin: 'button', user: { id: w.ada.id } });
    await posting;
  });

  test('streams by editing one message and sends long output as an uploaded file', async ({ rig }) => {
    const w = await rig.world();
    const { bot } = await rig.start(w);
    const first = await bot.deliver(reply('ops', plaintextMessage('line 1')));
    if (!first) throw new Error('nothing posted');
    await bot.deliver({ ...reply('ops', plaintextMessage('line 1\nline 2')), replaces: first });
    const edited = w.emu.messages(w.ops).find((m) => m._id === first.messageId);
    expect(edited?.history).toEqual(['line 1']);
    expect(edited?.msg).toBe('line 1\nline 2');
    await bot.deliver({
      ...reply('ops', plaintextMessage('the end of it')),
      file: { name: 'output.txt', content: new TextEncoder().encode('all of it') },
    });
    expect(w.emu.files(w.ops).map((f) => [f.name, f.content.toString()])).toEqual([
      ['output.txt', 'all of it'],
    ]);
  });

  test('trusts a self-hosted server through tls.caFile, and names the failure without it', async ({
    rig,
  }) => {
    const certificate = createSelfSignedCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const w = await rig.world({ tls: certificate });
    expect(w.emu.url).toMatch(/^https:/);
    await expect(rig.start(w)).rejects.toThrow(/could not start: .*certificate/);
    const dir = await mkdtemp(join(tmpdir(), 'sb-rc-ca-'));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, certificate.certPem);
    const { bot, commands } = await rig.start(w, { tls: { caFile } });
    w.emu.post(w.ada.id, w.ops, '@switchboard echo over-tls');
    await waitFor(() => commands[0], 10_000, 'the command over wss');
    await bot.deliver(reply('ops', plaintextMessage('answered over https')));
    expect(w.emu.messages(w.ops).at(-1)?.msg).toBe('answered over https');
    await expect(rig.start(w, { tls: { caFile: join(dir, 'missing.pem') } })).rejects.toThrow(
      /tls\.caFile ".*missing\.pem" cannot be read/,
    );
  });

  test('a retried delivery posts nothing twice: a timed-out post keeps its id, an uploaded file is only confirmed', async ({
    rig,
  }) => {
    const w = await rig.world();
    const { bot } = await rig.start(w, { requestTimeout: '1s' });
    w.emu.faults.slow('chat.sendMessage', 1500);
    const outbound = {
      ...reply('ops', plaintextMessage('exactly once')),
      file: { name: 'output.txt', content: new TextEncoder().encode('whole output') },
    };
    await expect(bot.deliver(outbound)).rejects.toMatchObject({ reason: 'timeout', retryable: true });
    w.emu.faults.slow('chat.sendMessage', 0);
    // The server stored the post after all; the retry is told the id exists and goes on.
    await waitFor(() => w.emu.messages(w.ops).some((m) => m.msg === 'exactly once'), 5000, 'the slow post');
    w.emu.faults.failNext('rooms.mediaConfirm', { status: 429, retryAfterMs: 200 });
    await expect(bot.deliver(outbound)).rejects.toMatchObject({ reason: 'rate-limited' });
    await new Promise((r) => setTimeout(r, 250));
    const posted = await bot.deliver(outbound);
    expect(w.emu.messages(w.ops).filter((m) => m.msg === 'exactly once')).toHaveLength(1);
    expect(posted?.messageId).toBe(w.emu.messages(w.ops).find((m) => m.msg === 'exactly once')?._id);
    expect(w.emu.stats().requests.get('rooms.media')).toBe(1);
    expect(w.emu.files(w.ops).map((f) => f.content.toString())).toEqual(['whole output']);
  });

  test('a message over 5,000 characters is refused as too large, not cut', async ({ rig }) => {
    const w = await rig.world();
    const { bot } = await rig.start(w);
    await expect(bot.deliver(reply('ops', plaintextMessage('x'.repeat(5001))))).rejects.toMatchObject({
      reason: 'too-large',
      retryable: false,
    });
  });

  test('a 429 becomes a rate-limited delivery error carrying the reset, and the next call waits for it', async ({
    rig,
  }) => {
    const w = await rig.world();
    const { bot } = await rig.start(w);
    w.emu.faults.failNext('chat.sendMessage', { status: 429, retryAfterMs: 1500 });
    const error = await bot.deliver(reply('ops', plaintextMessage('one'))).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'rate-limited', retryable: true });
    const wait = (error as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(1500);
    // Held here, before the server is asked again.
    await expect(bot.deliver(reply('ops', plaintextMessage('two')))).rejects.toMatchObject({
      reason: 'rate-limited',
    });
    expect(w.emu.stats().requests.get('chat.sendMessage')).toBe(1);
  });
});
