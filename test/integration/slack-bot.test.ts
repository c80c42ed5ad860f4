/**
 * The Slack bot against the Slack emulator, over loopback with the unchanged bolt client: start
 * checks, commands in and messages out, interactivity, rate limits and reconnects. The agent is
 * not involved here (slack-agent.test.ts runs the whole path).
 */
import { afterEach, it as base, describe, expect } from 'vitest';
import type { Bot } from '../../src/bots/bot.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { slackCapabilities } from '../../src/bots/slack/limits.js';
import {
  codeBlockMessage,
  commandButton,
  type Message,
  plaintextMessage,
} from '../../src/contract/message.js';
import { fitForDestination } from '../../src/core/fit-message.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import type { DeliveryError } from '../../src/delivery/delivery-error.js';
import type { Outbound } from '../../src/delivery/destination.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack-emulator/index.js';
import { slackTestSettings } from '../support/slack-settings.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const bots: Bot[] = [];
const emulators: SlackEmulator[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function emulator(options: Parameters<typeof startSlackEmulator>[0] = {}) {
  const emu = await startSlackEmulator({ serverPingIntervalMs: 0, ...options });
  emulators.push(emu);
  const ops = emu.addChannel('prod-ops');
  const dev = emu.addChannel('dev');
  const ada = emu.addUser('ada');
  return { emu, ops, dev, ada };
}

async function startBot(emu: SlackEmulator, overrides: Record<string, unknown> = {}) {
  const log = createTestLogger('debug');
  const bot = createSlackBot({
    id: 'team/socketSlack',
    settings: slackTestSettings(emu, overrides),
    logger: log.logger,
  });
  bots.push(bot);
  const commands: InboundCommand[] = [];
  await bot.start((c) => commands.push(c));
  return { bot, commands, lines: log.lines };
}

const out = (channelId: string, message: Message, extra: Partial<Outbound> = {}): Outbound => ({
  address: { destinationId: 'team/socketSlack', channelId },
  message,
  ...extra,
});

const it = base;

describe('Slack bot: start', () => {
  it('connects, resolves channels with one conversations.list and reports connected', async () => {
    const { emu } = await emulator();
    const { bot } = await startBot(emu);
    expect(bot.status()).toMatchObject({ state: 'connected', reconnects: 0 });
    expect(bot.kind).toBe('chat');
    expect(bot.capabilities).toMatchObject({
      edit: true,
      files: true,
      threads: true,
      interactive: true,
      maxMessageLength: 3000,
    });
    expect(bot.pacing).toEqual({ ratePerSecond: 1, burst: 3 });
    expect(bot.mentionPattern().test(`<@${emu.botUserId}> ping`)).toBe(true);
    expect(bot.mentionPattern().test(`hi <@${emu.botUserId}>`)).toBe(false);
    expect(emu.stats().calls['conversations.list']).toBe(1);
  });

  it('names the bot token when Slack rejects it', async () => {
    const { emu } = await emulator();
    const err = await startBot(emu, { botToken: 'xoxb-not-the-right-one' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SB_ERR_PLATFORM_AUTH',
      message: expect.stringMatching(
        /communications\.team\.socketSlack\.botToken \(invalid_auth\) during auth\.test/,
      ),
    });
    expect(String((err as Error).message)).not.toContain('xoxb-not-the-right-one');
    expect(bots[0]?.status()).toMatchObject({
      state: 'failed',
      lastError: expect.stringContaining('botToken'),
    });
  });

  it('names the app token when Slack rejects it, and leaves no socket behind', async () => {
    const { emu } = await emulator();
    const err = await startBot(emu, { appToken: 'xapp-1-A0-nope' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SB_ERR_PLATFORM_AUTH',
      message: expect.stringMatching(
        /communications\.team\.socketSlack\.appToken \(invalid_auth\) during apps\.connections\.open/,
      ),
    });
    expect(emu.stats().connections).toBe(0);
  });

  it('lists every configured channel it cannot find', async () => {
    const { emu } = await emulator();
    const err = await startBot(emu, {
      channels: { ops: { name: 'prod-ops' }, a: { name: 'no-such-channel' }, b: { name: 'C0GONE' } },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SB_ERR_PLATFORM_CHANNEL',
      message: expect.stringContaining('"no-such-channel", "C0GONE" not found'),
    });
    expect(emu.stats().connections).toBe(0);
    expect(bots[0]?.status()).toMatchObject({
      state: 'failed',
      lastError: expect.stringContaining('no-such-channel'),
    });
  });

  it('says which URL it could not reach', async () => {
    const { emu } = await emulator();
    const url = emu.apiUrl;
    await emu.close();
    emulators.length = 0;
    const err = await startBot(emu, { apiUrl: url }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SB_ERR_PLATFORM_CONNECT', message: expect.stringContaining(url) });
  });
});

describe('Slack bot: commands in', () => {
  it('takes mentions in configured channels and threads, addressed by the configured channel', async () => {
    const { emu, ops, ada } = await emulator();
    const { commands } = await startBot(emu);
    const { ts } = await emu.userMessage({
      user: ada.id,
      channel: ops.id,
      text: `<@${emu.botUserId}> kubectl get pods &amp; more`,
    });
    await waitFor(() => commands.length === 1, 10_000, 'the mention');
    expect(commands[0]).toMatchObject({
      botId: 'team/socketSlack',
      channel: { id: 'prod-ops', name: 'prod-ops' },
      user: { id: ada.id, mention: `<@${ada.id}>`, displayName: expect.any(String) },
      text: `<@${emu.botUserId}> kubectl get pods & more`,
      origin: 'typed',
      url: expect.stringContaining(`/archives/${ops.id}/p${ts.replace('.', '')}`),
    });
    expect(commands[0]?.threadId).toBeUndefined();

    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> ping`, threadTs: ts });
    await waitFor(() => commands.length === 2, 10_000, 'the thread mention');
    expect(commands[1]).toMatchObject({ threadId: ts, text: `<@${emu.botUserId}> ping` });

    // A mention later in the sentence is not a command; messages without one are not either.
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `thanks <@${emu.botUserId}>` });
    await emu.userMessage({ user: ada.id, channel: ops.id, text: 'just chatting' });
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> last` });
    await waitFor(() => commands.length === 3, 10_000, 'the last mention');
    expect(commands[2]?.text).toContain('last');
    // Channel names never cost an API call per message.
    expect(emu.stats().calls['conversations.info'] ?? 0).toBe(0);
    expect(emu.stats().calls['conversations.list']).toBe(1);
    expect(emu.stats().calls['users.info']).toBe(1);
  });

  it('runs a command once when Slack delivers its event again', async () => {
    // An acknowledgement window shorter than the round trip makes the emulator redeliver.
    const { emu, ops, ada } = await emulator({ ackTimeoutMs: 1, maxRedeliveries: 2 });
    const { commands } = await startBot(emu);
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> once` });
    await waitFor(() => emu.stats().redeliveries >= 1, 10_000, 'a redelivery');
    await waitFor(() => commands.length >= 1, 10_000, 'the command');
    // Once every envelope is acknowledged or expired the emulator sends no further copy; a later
    // command, read from the same socket after every copy, then proves each copy was handled
    // (a fixed sleep could end before a slow copy arrived and pass without checking it).
    await waitFor(
      () => {
        const stats = emu.stats();
        return stats.acks + stats.expired === stats.envelopes;
      },
      10_000,
      'every copy settled',
    );
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> marker` });
    await waitFor(() => commands.some((c) => c.text.endsWith('marker')), 10_000, 'the later command');
    expect(commands.filter((c) => c.text.endsWith('once'))).toHaveLength(1);
  });

  it('takes direct messages only when enabled, with the bindings of the named channel', async () => {
    const { emu, ops, ada } = await emulator();
    const off = await startBot(emu);
    await emu.directMessage({ user: ada.id, text: 'ping' });
    // A mention sent after the DM proves the DM was read and dropped, not merely not read yet.
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> after the DM` });
    await waitFor(() => off.commands.length >= 1, 10_000, 'the mention after the DM');
    // An envelope left unacknowledged would be redelivered to the next bot within 3 s and show up
    // among its commands.
    await waitFor(() => emu.stats().acks === emu.stats().envelopes, 10_000, 'every envelope acknowledged');
    await off.bot.stop();
    expect(off.commands.map((c) => c.text)).toEqual([`<@${emu.botUserId}> after the DM`]);

    const on = await startBot(emu, { directMessages: { enabled: true, channel: 'dev' } });
    const dm = await emu.directMessage({ user: ada.id, text: 'kubectl get pods' });
    await waitFor(() => on.commands.length === 1, 10_000, 'the DM');
    expect(on.commands[0]).toMatchObject({
      channel: { id: 'dev' },
      replyChannelId: dm.channel,
      text: 'kubectl get pods',
      origin: 'typed',
    });
  });

  it('runs a button click and a select as commands, acknowledged at once', async () => {
    const { emu, ops, ada } = await emulator();
    const { bot, commands } = await startBot(emu);
    const ref = await bot.deliver(
      out('prod-ops', {
        baseBody: { plaintext: 'Pick' },
        sections: [
          {
            buttons: [commandButton('Pods', 'kubectl get pods')],
            selects: {
              items: [
                {
                  name: 'Namespace',
                  command: '{{BotName}} kubectl get pods -n',
                  optionGroups: [{ name: 'all', options: [{ name: 'shop', value: 'shop' }] }],
                },
              ],
            },
          },
        ],
      }),
    );
    expect(ref?.channelId).toBe(ops.id);
    await emu.clickButton({ user: ada.id, channel: ops.id, messageTs: ref?.messageId ?? '', text: 'Pods' });
    await waitFor(() => commands.length === 1, 10_000, 'the click');
    expect(commands[0]).toMatchObject({
      channel: { id: 'prod-ops' },
      text: `<@${emu.botUserId}> kubectl get pods`,
      origin: 'button',
      user: { id: ada.id },
      // The clicked message, so an answer with replaceOriginal can take its place.
      sourceMessage: { channelId: ops.id, messageId: ref?.messageId },
    });
    await emu.selectOption({
      user: ada.id,
      channel: ops.id,
      messageTs: ref?.messageId ?? '',
      values: ['shop'],
    });
    await waitFor(() => commands.length === 2, 10_000, 'the selection');
    expect(commands[1]).toMatchObject({
      text: `<@${emu.botUserId}> kubectl get pods -n shop`,
      origin: 'select',
    });
    expect(commands[1]?.interactionState).toBeInstanceOf(Uint8Array);

    // A button in a message only its requester sees: chat.update cannot replace it.
    await emu.userMessage({ user: ada.id, channel: ops.id, text: 'hello' });
    const mine = await bot.deliver(
      out(
        'prod-ops',
        {
          baseBody: { plaintext: 'Just for you' },
          onlyVisibleForYou: true,
          sections: [{ buttons: [commandButton('Logs', 'kubectl logs web')] }],
        },
        { address: { destinationId: 'x', channelId: 'prod-ops', userId: ada.id } },
      ),
    );
    const ephemeralTs = mine?.messageId.replace(/^ephemeral:/, '') ?? '';
    await emu.clickButton({ user: ada.id, channel: ops.id, messageTs: ephemeralTs, text: 'Logs' });
    await waitFor(() => commands.length === 3, 10_000, 'the click in the ephemeral message');
    expect(commands[2]).toMatchObject({ text: `<@${emu.botUserId}> kubectl logs web`, origin: 'button' });
    expect(commands[2]?.sourceMessage).toBeUndefined();
  });
});

describe('Slack bot: messages out', () => {
  it('posts, threads, edits and shows privately', async () => {
    const { emu, ops, ada } = await emulator({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    const { bot } = await startBot(emu);
    // Ephemeral messages go to channel members only; ada joins by saying something.
    await emu.userMessage({ user: ada.id, channel: ops.id, text: 'hello' });
    const first = await bot.deliver(out('prod-ops', codeBlockMessage('v1')));
    await bot.deliver(out('prod-ops', codeBlockMessage('v2')));
    if (!first) throw new Error('no ref');
    await bot.deliver({ ...out('prod-ops', codeBlockMessage('v1 edited')), replaces: first });
    await bot.deliver(
      out('prod-ops', plaintextMessage('in thread'), {
        address: { destinationId: 'x', channelId: 'prod-ops', threadId: first.messageId },
      }),
    );
    await bot.deliver(
      out(
        'prod-ops',
        { ...plaintextMessage('only you'), onlyVisibleForYou: true },
        {
          address: { destinationId: 'x', channelId: 'prod-ops', userId: ada.id },
        },
      ),
    );
    const posted = emu.messages(ops.id);
    expect(posted.map((m) => [m.text, m.thread_ts ?? null, m.ephemeralTo ?? null, m.edits])).toEqual([
      ['v1 edited', null, null, 1],
      ['v2', null, null, 0],
      ['in thread', first.messageId, null, 0],
      ['only you', null, ada.id, 0],
    ]);
    await expect(
      bot.deliver(out('prod-ops', { ...plaintextMessage('nobody'), onlyVisibleForYou: true })),
    ).rejects.toMatchObject({ reason: 'rejected', retryable: false });
  });

  it('attaches a file, and posts a message longer than every limit in parts the emulator accepts', async () => {
    const { emu, ops } = await emulator({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    const { bot } = await startBot(emu);
    const content = new TextEncoder().encode('x'.repeat(100_000));
    await bot.deliver(out('prod-ops', codeBlockMessage('cut'), { file: { name: 'output.txt', content } }));
    await waitFor(() => emu.files(ops.id).length === 1, 10_000, 'the upload');
    expect(emu.files(ops.id)[0]).toMatchObject({ filename: 'output.txt', channel: ops.id });
    expect(emu.files(ops.id)[0]?.content.length).toBe(100_000);

    const huge: Message = {
      baseBody: {
        codeBlock: Array.from({ length: 3000 }, (_, i) => `row ${i} ${'y'.repeat(60)}`).join('\n'),
      },
      sections: Array.from({ length: 40 }, (_, s) => ({
        header: `Section ${s}`,
        textFields: Array.from({ length: 30 }, (_, f) => ({ key: `k${f}`, value: 'v'.repeat(500) })),
        buttons: Array.from({ length: 30 }, (_, b) => commandButton(`b${b}`, `echo ${s} ${b}`)),
      })),
    };
    // Unfitted, it is refused whole rather than cut here: cutting is the bridge's fit step.
    await expect(bot.deliver(out('dev', huge))).rejects.toMatchObject({
      reason: 'too-large',
      retryable: false,
    });
    expect(emu.messages('dev')).toHaveLength(0);
    // Fitted to Slack's capabilities, as the bridges do, it is one short message and the file.
    const fitted = fitForDestination(huge, slackCapabilities, { fileName: 'event.txt' });
    if (fitted.action !== 'attach') throw new Error(`expected an attachment, got ${fitted.action}`);
    await bot.deliver(out('dev', fitted.message, { file: fitted.file }));
    await waitFor(() => emu.files('dev').length === 1, 10_000, 'the upload');
    const dev = emu.messages('dev').filter((m) => !m.files);
    expect(dev.map((m) => m.text)).toEqual([
      expect.stringMatching(/too many to show here; the whole text is attached/),
    ]);
    expect(emu.files('dev')[0]?.content.toString()).toContain('row 2999');
  });

  it('surfaces a 429 as a retryable rate-limited DeliveryError with Retry-After', async () => {
    const { emu } = await emulator({ rateLimit: { ratePerSecond: 0.01, burst: 1 }, retryAfterSeconds: 2 });
    const { bot } = await startBot(emu);
    await bot.deliver(out('prod-ops', plaintextMessage('one')));
    const err = (await bot
      .deliver(out('prod-ops', plaintextMessage('two')))
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err).toMatchObject({
      code: 'SB_ERR_DELIVERY',
      reason: 'rate-limited',
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(emu.stats().rateLimited).toBe(1);
    expect(emu.stats().calls['chat.postMessage']).toBe(2);
  });

  it('classifies unknown channels, outages and bad tokens', async () => {
    const { emu } = await emulator({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    const { bot } = await startBot(emu);
    await expect(bot.deliver(out('nowhere', plaintextMessage('x')))).rejects.toMatchObject({
      reason: 'unknown-channel',
      retryable: false,
    });
    emu.faults.errorNext('chat.postMessage', 'channel_not_found');
    await expect(bot.deliver(out('prod-ops', plaintextMessage('x')))).rejects.toMatchObject({
      reason: 'unknown-channel',
      retryable: false,
    });
    emu.faults.failNext('chat.postMessage', 503);
    await expect(bot.deliver(out('prod-ops', plaintextMessage('x')))).rejects.toMatchObject({
      reason: 'unavailable',
      retryable: true,
    });
    emu.faults.errorNext('chat.postMessage', 'token_revoked');
    await expect(bot.deliver(out('prod-ops', plaintextMessage('x')))).rejects.toMatchObject({
      reason: 'auth',
      retryable: false,
    });
    // After all that, it still posts.
    await expect(bot.deliver(out('prod-ops', plaintextMessage('fine')))).resolves.toMatchObject({
      channelId: expect.any(String),
    });
  });

  it('follows a channel rename without listing channels again', async () => {
    const { emu, ops } = await emulator({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    const { bot } = await startBot(emu);
    emu.renameChannel(ops.id, 'ops-renamed');
    await waitFor(
      async () =>
        (await bot.deliver(out('ops-renamed', plaintextMessage('new name'))).catch(() => undefined)) !==
        undefined,
      10_000,
      'the rename',
    );
    await bot.deliver(out('prod-ops', plaintextMessage('configured name')));
    expect(emu.messages(ops.id).map((m) => m.text)).toEqual(['new name', 'configured name']);
    expect(emu.stats().calls['conversations.list']).toBe(1);
  });
});

describe('Slack bot: reconnects', () => {
  it('reconnects after a dropped socket and a refresh, counts it, and keeps taking commands', async () => {
    const { emu, ops, ada } = await emulator();
    const { bot, commands } = await startBot(emu);
    emu.faults.dropSocket();
    await waitFor(
      () => bot.status().reconnects === 1 && bot.status().state === 'connected',
      20_000,
      'a reconnect',
    );
    emu.faults.sendDisconnect('refresh_requested');
    await waitFor(
      () => bot.status().reconnects === 2 && bot.status().state === 'connected',
      20_000,
      'a second reconnect',
    );
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> still there?` });
    await waitFor(() => commands.length === 1, 10_000, 'a command after reconnecting');
    expect(emu.stats().connections).toBe(3);
  });

  it('reconnects at once after a refresh or warning, not after the ping timeout', async () => {
    const { emu, ops, ada } = await emulator();
    // socket-mode 3.1 would wait the ping timeout (here 30 s) before each reconnect.
    const { bot, commands } = await startBot(emu, { pingTimeout: '30s' });
    for (const [n, reason] of [
      [1, 'refresh_requested'],
      [2, 'warning'],
    ] as const) {
      emu.faults.sendDisconnect(reason);
      await waitFor(
        () => bot.status().reconnects === n && bot.status().state === 'connected',
        15_000,
        `the reconnect after ${reason}`,
      );
    }
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `<@${emu.botUserId}> back?` });
    await waitFor(() => commands.length === 1, 10_000, 'a command after the refreshes');
    expect(emu.stats().connections).toBe(3);
  });

  it('keeps trying, and says why, when Slack cannot be reached to reconnect', async () => {
    const { emu } = await emulator();
    const { bot } = await startBot(emu);
    await emu.close();
    await waitFor(
      () =>
        bot.status().state === 'reconnecting' && /Could not reach Slack/.test(bot.status().lastError ?? ''),
      20_000,
      'a failed reconnect',
    );
    expect(bot.status().lastError).toContain('apps.connections.open (reconnect)');
    // stop() ends the retries; an unhandled rejection here would fail the run.
    await bot.stop();
    expect(bot.status().state).toBe('stopped');
  });
});
