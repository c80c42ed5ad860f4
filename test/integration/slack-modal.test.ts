/**
 * Forms as Slack modals (Botkube's PopupMessage), over loopback with the unchanged bolt client:
 * the Slack bot, the delivery pipeline, the executor bridge and the executor fixture against the
 * Slack emulator. A click whose command answers a `form` opens it with views.open; submitting
 * it runs the commands its fields stand for, in the channel, as the person who submitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/bots/bot.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import { createCommandHandler } from '../../src/bridge/executor/command-handler.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import { plaintextMessage } from '../../src/contract/message.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import { createDeliveryPipeline, type DeliveryPipeline } from '../../src/delivery/pipeline.js';
import { createExecutorClient } from '../../src/plugins/host/executor-client.js';
import type { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { startExecutorFixture } from '../support/executor-fixture.js';
import {
  type OpenView,
  type PostedMessage,
  type SlackEmulator,
  startSlackEmulator,
} from '../support/slack-emulator/index.js';
import { slackTestSettings } from '../support/slack-settings.js';
import { createTestLogger } from '../support/test-logger.js';

let supervisor: PluginSupervisor;

beforeAll(async () => {
  supervisor = await startExecutorFixture();
}, 60_000);
afterAll(() => supervisor?.stop());

interface Setup {
  emu: SlackEmulator;
  bot: Bot;
  pipeline: DeliveryPipeline;
  ops: { id: string; name: string };
  ada: { id: string; name: string };
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The Slack bot wired to the command bridge through the delivery pipeline, as the agent wires them. */
async function setup(emulatorOptions: Parameters<typeof startSlackEmulator>[0] = {}): Promise<Setup> {
  const emu = await startSlackEmulator({ serverPingIntervalMs: 0, validateSpec: true, ...emulatorOptions });
  const ops = emu.addChannel('prod-ops');
  const ada = emu.addUser('ada');
  const { logger, lines } = createTestLogger('debug');
  const bot = createSlackBot({
    id: 'team/socketSlack',
    settings: slackTestSettings(emu, { channels: { ops: { name: 'prod-ops' } } }),
    logger,
  });
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === bot.id ? bot : undefined),
    settings: DeliverySettings.parse({}),
    logger,
  });
  const handle = createCommandHandler({
    topology: () => ({
      clusterName: 'test-cluster',
      aliases: {},
      passthroughPlugins: [],
      incomingWebhookBaseUrl: 'http://127.0.0.1:1/sources/v1',
      channel: (destinationId, channelId) =>
        destinationId === bot.id && channelId === 'prod-ops'
          ? { destinationId, channelId, channelName: 'prod-ops', executorGroups: ['tools'] }
          : undefined,
      executorEntries: () => [
        { group: 'tools', key: 'local/fixture', name: 'fixture', rawConfig: new Uint8Array() },
      ],
      knownExecutors: () => new Set(['fixture']),
    }),
    executor: () => createExecutorClient(supervisor),
    builtins: { respond: async (command) => plaintextMessage(`builtin ${command.verb}`) },
    outbox: pipeline,
    capabilities: () => bot.capabilities,
    mention: () => bot.mentionPattern(),
    deadlineMs: () => 10_000,
    logger,
  });
  await bot.start((command: InboundCommand) => void handle(command));
  return {
    emu,
    bot,
    pipeline,
    ops,
    ada,
    lines,
    close: async () => {
      await pipeline.close({ drainMs: 0 });
      await bot.stop();
      await emu.close();
      expect(emu.specViolations()).toEqual([]);
    },
  };
}

const blocksText = (m: PostedMessage | undefined) => JSON.stringify(m?.blocks ?? []);
type Block = { type: string; block_id?: string; element?: { type: string; action_id: string } };

describe('Slack forms as modals', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  }, 60_000);
  afterAll(() => s?.close());

  const say = (text: string) =>
    s.emu.userMessage({ user: s.ada.id, channel: s.ops.id, text: `<@${s.emu.botUserId}> ${text}` });
  const reply = (text: string, after = 0) =>
    s.emu.waitFor(
      () =>
        s.emu
          .messages(s.ops.id)
          .slice(after)
          .find((m) => blocksText(m).includes(text)),
      15_000,
    );
  /** Asks for the form with a button, clicks it, and returns the modal it opened. */
  const openForm = async (): Promise<OpenView> => {
    const before = s.emu.messages(s.ops.id).length;
    await say('fixture ask');
    const ask = await reply('open the form', before);
    const open = s.emu.views(s.ada.id).length;
    await s.emu.clickButton({ user: s.ada.id, channel: s.ops.id, messageTs: ask.ts, text: 'Open form' });
    return s.emu.waitFor(() => s.emu.views(s.ada.id)[open], 15_000);
  };

  it('a click whose answer is a form opens it as a modal, and nothing is posted', async () => {
    const opened = await openForm();
    const { view } = opened;
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: expect.stringMatching(/^switchboard-form/),
      title: { type: 'plain_text', text: 'Echo form' },
      submit: { type: 'plain_text', text: 'Submit' },
      close: { type: 'plain_text', text: 'Cancel' },
    });
    expect(JSON.parse(String(view.private_metadata))).toEqual({ channel: s.ops.id });
    const blocks = view.blocks as Block[];
    const inputs = blocks.filter((b) => b.type === 'input').map((b) => b.element?.type);
    expect(inputs.sort()).toEqual(['plain_text_input', 'static_select']);
    expect(JSON.stringify(blocks)).toContain('Choose what to echo');
    // The header is the title now, not a block.
    expect(blocks.some((b) => b.type === 'header')).toBe(false);
    expect(s.emu.messages(s.ops.id).some((m) => blocksText(m).includes('Choose what to echo'))).toBe(false);
  });

  it('submitting runs each filled field as its command in the channel, by the person who submitted', async () => {
    const opened = await openForm();
    const blocks = opened.view.blocks as Block[];
    const actionOf = (type: string) => blocks.find((b) => b.element?.type === type)?.element?.action_id ?? '';
    const before = s.emu.messages(s.ops.id).length;
    await s.emu.submitView({
      user: s.ada.id,
      viewId: opened.id,
      values: { [actionOf('static_select')]: 'beta', [actionOf('plain_text_input')]: 'hello modal' },
    });
    const selected = await reply('`fixture echo beta`', before);
    const typed = await reply('hello modal', before);
    expect(blocksText(selected)).toContain(`by <@${s.ada.id}>`);
    expect(blocksText(typed)).toContain(`by <@${s.ada.id}>`);
    expect(typed.channel).toBe(s.ops.id);
    expect(s.emu.views(s.ada.id).some((v) => v.id === opened.id)).toBe(false);
    // The audit line is written once the answer has been handed over, which may be just after
    // Slack shows it.
    const audited = () =>
      s.lines.filter((l) => l.audit === true && String(l.command).startsWith('fixture echo'));
    const audits = await s.emu.waitFor(() => (audited().length >= 2 ? audited() : undefined), 15_000);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: s.ada.id, origin: 'select', command: 'fixture echo beta' }),
        expect.objectContaining({ userId: s.ada.id, origin: 'text-input' }),
      ]),
    );
    // The form itself never reached the channel.
    expect(s.emu.messages(s.ops.id).some((m) => blocksText(m).includes('Choose what to echo'))).toBe(false);
  });

  it("opens the modal at once while the channel's posting queue is busy", async () => {
    const before = s.emu.messages(s.ops.id).length;
    await say('fixture ask');
    const ask = await reply('open the form', before);
    // Six messages at Slack's pace (1/s after a burst of 3): several seconds of queue, longer
    // than a trigger lives; a modal waiting behind them would come too late.
    await say('fixture many 5');
    await reply('extra 1', before);
    const open = s.emu.views(s.ada.id).length;
    await s.emu.clickButton({ user: s.ada.id, channel: s.ops.id, messageTs: ask.ts, text: 'Open form' });
    await s.emu.waitFor(() => s.emu.views(s.ada.id)[open], 15_000);
    expect(s.emu.messages(s.ops.id).some((m) => blocksText(m).includes('extra 5'))).toBe(false);
    await reply('extra 5', before);
  });

  it('a typed command answering a form posts it in the channel (no trigger, no modal)', async () => {
    const views = s.emu.stats().calls['views.open'] ?? 0;
    const before = s.emu.messages(s.ops.id).length;
    await say('fixture form');
    const form = await reply('Choose what to echo', before);
    expect((form.blocks as Block[]).some((b) => JSON.stringify(b).includes('static_select'))).toBe(true);
    expect(s.emu.stats().calls['views.open'] ?? 0).toBe(views);
  });

  it('a submission with unreadable or foreign private_metadata is ignored, and the bot keeps serving', async () => {
    for (const privateMetadata of ['not json', JSON.stringify({ channel: 'C0EMU99999' })]) {
      const opened = await openForm();
      const input = (opened.view.blocks as Block[]).find((b) => b.element?.type === 'plain_text_input');
      const warnings = s.lines.length;
      // Acknowledged like any submission: Slack must not show the person an error.
      await s.emu.submitView({
        user: s.ada.id,
        viewId: opened.id,
        values: { [input?.element?.action_id ?? '']: 'must not run' },
        privateMetadata,
      });
      await s.emu.waitFor(() =>
        s.lines
          .slice(warnings)
          .find(
            (l) => String(l.msg).startsWith('a submitted Slack form') && String(l.msg).includes('ignored'),
          ),
      );
    }
    const before = s.emu.messages(s.ops.id).length;
    await say('fixture echo still here');
    await reply('still here', before);
    expect(s.emu.messages(s.ops.id).some((m) => blocksText(m).includes('must not run'))).toBe(false);
  });
});

describe('Slack forms when the trigger has expired', () => {
  let s: Setup;
  // Slack allows 3 s; here a trigger is stale at once, so views.open answers expired_trigger_id.
  beforeAll(async () => {
    s = await setup({ triggerLifetimeMs: 1 });
  }, 60_000);
  afterAll(() => s?.close());

  it('posts the form in the channel and warns with the reason', async () => {
    const mention = `<@${s.emu.botUserId}>`;
    await s.emu.userMessage({ user: s.ada.id, channel: s.ops.id, text: `${mention} fixture ask` });
    const ask = await s.emu.waitFor(() =>
      s.emu.messages(s.ops.id).find((m) => blocksText(m).includes('open the form')),
    );
    await s.emu.clickButton({ user: s.ada.id, channel: s.ops.id, messageTs: ask.ts, text: 'Open form' });
    const form = await s.emu.waitFor(
      () => s.emu.messages(s.ops.id).find((m) => blocksText(m).includes('Choose what to echo')),
      15_000,
    );
    expect(blocksText(form)).toContain(`by <@${s.ada.id}>`);
    expect(s.emu.views()).toEqual([]);
    expect(s.emu.stats().calls['views.open']).toBe(1);
    expect(s.lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'Slack form not opened as a modal; posting it in the channel',
        reason: 'views.open failed: expired_trigger_id',
      }),
    );
  });
});
