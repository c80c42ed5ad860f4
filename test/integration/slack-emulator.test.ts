/**
 * The Slack emulator against the real, unchanged @slack/bolt 5 client in Socket Mode: events,
 * interactivity and reconnects. Every emulator checks its traffic against Slack's OpenAPI spec and
 * event schema; the fixture fails a test that produced a spec violation.
 */
import type { BlockAction, SlackEventMiddlewareArgs, types } from '@slack/bolt';
import { describe, expect } from 'vitest';
import { interactiveBlocks, test } from '../support/slack-emulator/test-fixtures.js';

describe('Slack emulator with bolt in Socket Mode', () => {
  test('bolt connects: auth.test, apps.connections.open, hello', async ({ slack, bolt }) => {
    const emulator = await slack();
    const { errors } = await bolt(emulator);
    const stats = emulator.stats();
    expect(stats.calls['auth.test']).toBe(1);
    expect(stats.calls['apps.connections.open']).toBe(1);
    expect(stats.connections).toBe(1);
    expect(errors).toEqual([]);
  });

  test('an app_mention in a channel reaches app.event and say() answers in the channel', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const mentions: SlackEventMiddlewareArgs<'app_mention'>['event'][] = [];
    const messages: unknown[] = [];
    app.event('app_mention', async ({ event, say }) => {
      mentions.push(event);
      await say(`pods: ${event.text.replace(/<@\w+>\s*/, '')}`);
    });
    app.message(async ({ message }) => {
      messages.push(message);
    });

    const { ts } = await emulator.userMessage({
      user: alice.id,
      channel: ops.id,
      text: `<@${emulator.botUserId}> get pods`,
    });

    const posted = await emulator.waitFor(() => emulator.messages(ops.id)[0]);
    expect(posted).toMatchObject({
      channel: ops.id,
      user: emulator.botUserId,
      text: 'pods: get pods',
      edits: 0,
    });
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatchObject({ type: 'app_mention', user: alice.id, channel: ops.id, ts });
    expect(mentions[0]?.blocks?.[0]).toMatchObject({
      type: 'rich_text',
      elements: [
        {
          type: 'rich_text_section',
          elements: [
            { type: 'user', user_id: emulator.botUserId },
            { type: 'text', text: ' get pods' },
          ],
        },
      ],
    });
    // The same message also arrives as `message`; the bot's own echo is dropped by bolt's ignoreSelf.
    await emulator.waitFor(() => emulator.stats().acks === 3 && messages.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messages).toEqual([
      expect.objectContaining({ type: 'message', channel_type: 'channel', user: alice.id, ts }),
    ]);
    expect(errors).toEqual([]);
  });

  test('a direct message reaches app.message as channel_type im, and the reply goes to the DM', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const bob = emulator.addUser('bob');
    const { app, errors } = await bolt(emulator);
    const mentions: unknown[] = [];
    app.event('app_mention', async ({ event }) => {
      mentions.push(event);
    });
    app.message(async ({ message, client }) => {
      if (message.subtype !== undefined || message.channel_type !== 'im') return;
      await client.chat.postMessage({ channel: message.channel, text: `echo: ${message.text}` });
    });

    // A mention inside a DM is only a message: Slack sends app_mention for channels.
    const { channel } = await emulator.directMessage({
      user: bob.id,
      text: `<@${emulator.botUserId}> status`,
    });

    expect(channel).toMatch(/^D/);
    const reply = await emulator.waitFor(() => emulator.messages(channel)[0]);
    expect(reply.text).toBe(`echo: <@${emulator.botUserId}> status`);
    expect(mentions).toEqual([]);
    // The DM's message event and the echo of the reply: no app_mention was sent.
    await emulator.waitFor(() => emulator.stats().envelopes === 2);
    expect(errors).toEqual([]);
  });

  test('a thread reply carries thread_ts and parent_user_id, and the answer lands in the thread', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const seen: { thread_ts?: string; parent_user_id?: string }[] = [];
    app.event('app_mention', async ({ event, say }) => {
      seen.push(event as { thread_ts?: string; parent_user_id?: string });
      await say({ text: 'in thread', thread_ts: event.thread_ts ?? event.ts });
    });
    const parent = await emulator.userMessage({ user: alice.id, channel: ops.id, text: 'deploy failed' });

    await emulator.userMessage({
      user: alice.id,
      channel: ops.id,
      text: `<@${emulator.botUserId}> logs`,
      threadTs: parent.ts,
    });

    const reply = await emulator.waitFor(() => emulator.messages(ops.id)[0]);
    expect(reply.thread_ts).toBe(parent.ts);
    expect(seen).toEqual([expect.objectContaining({ thread_ts: parent.ts, parent_user_id: alice.id })]);
    await expect(
      emulator.userMessage({ user: alice.id, channel: ops.id, text: 'x', threadTs: '1.000001' }),
    ).rejects.toThrow(/no message 1.000001/);
    expect(errors).toEqual([]);
  });

  test('renaming a channel emits channel_rename and conversations.info shows the new name', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const { app, errors } = await bolt(emulator);
    const renames: { id: string; name: string }[] = [];
    app.event('channel_rename', async ({ event }) => {
      renames.push({ id: event.channel.id, name: event.channel.name });
    });

    emulator.renameChannel(ops.id, 'prod-ops');

    await emulator.waitFor(() => renames.length === 1);
    expect(renames).toEqual([{ id: ops.id, name: 'prod-ops' }]);
    const info = await app.client.conversations.info({ channel: ops.id });
    expect(info.channel).toMatchObject({
      id: ops.id,
      name: 'prod-ops',
      previous_names: ['ops'],
      is_member: true,
    });
    expect(() => emulator.renameChannel(ops.id, 'Bad Name')).toThrow(/channel name "Bad Name" is invalid/);
    expect(errors).toEqual([]);
  });

  test("a button click reaches app.action with Slack's block_actions payload; respond() replaces the message", async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const posted = await app.client.chat.postMessage({
      channel: ops.id,
      text: 'Pods',
      blocks: interactiveBlocks(),
    });
    const clicks: BlockAction[] = [];
    app.action('run:pods', async ({ ack, body, respond }) => {
      await ack();
      clicks.push(body as BlockAction);
      await respond({ replace_original: true, text: 'ran by alice' });
    });

    await emulator.clickButton({
      user: alice.id,
      channel: ops.id,
      messageTs: posted.ts as string,
      text: 'Get pods',
    });

    const edited = await emulator.waitFor(() => emulator.messages(ops.id).find((m) => m.edits === 1));
    expect(edited).toMatchObject({ text: 'ran by alice', history: [{ text: 'Pods' }] });
    const click = clicks[0] as BlockAction;
    expect(click).toMatchObject({
      type: 'block_actions',
      user: { id: alice.id, username: 'alice' },
      channel: { id: ops.id, name: 'ops' },
      container: { type: 'message', message_ts: posted.ts, channel_id: ops.id, is_ephemeral: false },
      message: { ts: posted.ts, bot_id: emulator.botId, blocks: expect.any(Array) },
      actions: [{ type: 'button', action_id: 'run:pods', block_id: 'buttons', value: 'kubectl get pods' }],
      state: { values: { pick: { 'pick:ns': { type: 'static_select', selected_option: null } } } },
    });
    expect(click.response_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/actions\//);
    expect(click.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    await expect(
      emulator.clickButton({ user: alice.id, channel: ops.id, messageTs: posted.ts as string, text: 'Nope' }),
    ).rejects.toThrow(/nothing matches text "Nope"; available: run:pods \("Get pods"\), run:logs \("Logs"\)/);
    expect(errors).toEqual([]);
  });

  test('select choices arrive as selected_option(s) and stay in state.values', async ({ slack, bolt }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const posted = await app.client.chat.postMessage({
      channel: ops.id,
      text: 'Pick',
      blocks: interactiveBlocks(),
    });
    const actions: BlockAction[] = [];
    app.action(/^pick:/, async ({ ack, body }) => {
      await ack();
      actions.push(body as BlockAction);
    });
    const target = { user: alice.id, channel: ops.id, messageTs: posted.ts as string };

    await emulator.selectOption({ ...target, actionId: 'pick:ns', values: ['shop'] });
    await emulator.selectOption({ ...target, actionId: 'pick:many', values: ['a', 'c'] });

    expect(actions[0]?.actions[0]).toMatchObject({
      type: 'static_select',
      action_id: 'pick:ns',
      selected_option: { value: 'shop', text: { type: 'plain_text', text: 'shop' } },
    });
    expect(actions[1]?.actions[0]).toMatchObject({
      type: 'multi_static_select',
      selected_options: [{ value: 'a' }, { value: 'c' }],
    });
    expect(actions[1]?.state?.values.pick?.['pick:ns']).toMatchObject({ selected_option: { value: 'shop' } });
    await expect(emulator.selectOption({ ...target, actionId: 'pick:ns', values: ['nope'] })).rejects.toThrow(
      /"nope" is not an option of pick:ns; options: "shop", "prod"/,
    );
    await expect(
      emulator.selectOption({ ...target, actionId: 'pick:ns', values: ['shop', 'prod'] }),
    ).rejects.toThrow(/exactly one value/);
    expect(errors).toEqual([]);
  });

  test("an interaction the app never acknowledges fails like Slack's 3 s deadline", async ({
    slack,
    bolt,
  }) => {
    // No echo of the bot's post: that events_api envelope shares the 300 ms deadline, and a stall
    // on a loaded machine got it redelivered, which is not what the counts below are about.
    const emulator = await slack({ ackTimeoutMs: 300, echoBotMessages: false });
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app } = await bolt(emulator);
    const posted = await app.client.chat.postMessage({
      channel: ops.id,
      text: 'Pods',
      blocks: interactiveBlocks(),
    });
    let handled = 0;
    app.action('run:logs', async () => {
      handled += 1;
    });

    await expect(
      emulator.clickButton({
        user: alice.id,
        channel: ops.id,
        messageTs: posted.ts as string,
        actionId: 'run:logs',
      }),
    ).rejects.toThrow('interactive envelope was not acknowledged within 300 ms');
    // The deadline is a timer; after a stall it can fire before bolt has even read the envelope.
    await emulator.waitFor(() => handled >= 1);
    expect(handled).toBe(1);
    expect(emulator.stats()).toMatchObject({ expired: 1, redeliveries: 0 });
  });

  test('typed input dispatches only when the input block asks for it; the value shows in state', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const input = (blockId: string, dispatch: boolean): types.InputBlock => ({
      type: 'input',
      block_id: blockId,
      dispatch_action: dispatch,
      label: { type: 'plain_text', text: 'Filter' },
      element: { type: 'plain_text_input', action_id: `${blockId}:text` },
    });
    const blocks = [input('quiet', false), input('live', true), ...interactiveBlocks()];
    const posted = await app.client.chat.postMessage({ channel: ops.id, text: 'Form', blocks });
    const actions: BlockAction[] = [];
    app.action(/.*/, async ({ ack, body }) => {
      await ack();
      actions.push(body as BlockAction);
    });
    const target = { user: alice.id, channel: ops.id, messageTs: posted.ts as string };

    await emulator.typeInput({ ...target, actionId: 'quiet:text', value: 'ns=shop' });
    expect(actions).toEqual([]);
    await emulator.typeInput({ ...target, actionId: 'live:text', value: 'error' });
    await emulator.clickButton({ ...target, actionId: 'run:pods' });

    expect(actions.map((a) => a.actions[0]?.type)).toEqual(['plain_text_input', 'button']);
    expect(actions[0]?.actions[0]).toMatchObject({
      action_id: 'live:text',
      block_id: 'live',
      value: 'error',
    });
    expect(actions[1]?.state?.values).toMatchObject({
      quiet: { 'quiet:text': { type: 'plain_text_input', value: 'ns=shop' } },
      live: { 'live:text': { type: 'plain_text_input', value: 'error' } },
    });
    expect(errors).toEqual([]);
  });

  test('response_url: ephemeral by default, in_channel on request, delete_original, at most 5 uses', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const posted = await app.client.chat.postMessage({
      channel: ops.id,
      text: 'Pods',
      blocks: interactiveBlocks(),
    });
    const outcomes: string[] = [];
    app.action('run:pods', async ({ ack, respond }) => {
      await ack();
      await respond('only you see this');
      await respond({ response_type: 'in_channel', text: 'everyone sees this' });
      await respond({ text: 'three' });
      await respond({ text: 'four' });
      await respond({ delete_original: true });
      await respond({ text: 'six' }).catch((error: Error) => outcomes.push(error.message));
    });

    await emulator.clickButton({
      user: alice.id,
      channel: ops.id,
      messageTs: posted.ts as string,
      actionId: 'run:pods',
    });

    await emulator.waitFor(() => outcomes.length === 1);
    expect(outcomes).toEqual(['Failed to respond to the response_url: 404 Not Found']);
    const texts = emulator.messages(ops.id).map((m) => [m.text, m.ephemeralTo]);
    expect(texts).toEqual([
      ['only you see this', alice.id],
      ['everyone sees this', undefined],
      ['three', alice.id],
      ['four', alice.id],
    ]);
    expect(emulator.stats().responseUrlPosts).toBe(6);
    expect(errors).toEqual([]);
  });

  test('messages in private channels are channel_type group; channels without the bot send nothing', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const secret = emulator.addChannel('secret', { isPrivate: true });
    const elsewhere = emulator.addChannel('elsewhere', { memberBot: false });
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const seen: string[] = [];
    app.message(async ({ message }) => {
      seen.push(`${message.channel_type}:${'text' in message ? message.text : ''}`);
    });

    await emulator.userMessage({ user: alice.id, channel: elsewhere.id, text: 'not for the bot' });
    await emulator.userMessage({ user: alice.id, channel: secret.id, text: 'private hello' });

    await emulator.waitFor(() => seen.length === 1);
    expect(seen).toEqual(['group:private hello']);
    expect(emulator.stats().envelopes).toBe(1);
    await expect(app.client.chat.postMessage({ channel: elsewhere.id, text: 'x' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    expect(errors).toEqual([]);
  });
});

describe('Slack emulator: reconnects with bolt', () => {
  test('dropSocket: the unchanged bolt client reconnects and keeps working', async ({ slack, bolt }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const heard: string[] = [];
    app.event('app_mention', async ({ event }) => {
      heard.push(event.text);
    });

    emulator.faults.dropSocket();
    await emulator.userMessage({
      user: alice.id,
      channel: ops.id,
      text: `<@${emulator.botUserId}> after drop`,
    });

    // bolt waits clientPingTimeout (5 s) before reconnecting.
    await emulator.waitFor(() => heard.length === 1, 15_000);
    expect(emulator.stats()).toMatchObject({ connections: 2 });
    expect(emulator.stats().calls['apps.connections.open']).toBe(2);
    // An abrupt close is what socket-mode reports as a WebSocket error (then it reconnects).
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !e.startsWith('WebSocket error'))).toEqual([]);
  });

  test('refresh_requested: bolt closes, opens a new connection, and receives what was sent meanwhile', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    // socket-mode drops a link whose last pong is older than this, checking every third of it: at
    // 1000 a ~0.7 s stall on a loaded machine made an extra connection. Reconnects wait this long.
    const { app, errors } = await bolt(emulator, { clientPingTimeout: 3000 });
    const heard: string[] = [];
    app.event('app_mention', async ({ event }) => {
      heard.push(event.text);
    });

    emulator.faults.sendDisconnect('refresh_requested');
    await emulator.userMessage({
      user: alice.id,
      channel: ops.id,
      text: `<@${emulator.botUserId}> during refresh`,
    });

    await emulator.waitFor(() => heard.length === 1, 15_000);
    expect(emulator.stats().connections).toBe(2);
    expect(errors).toEqual([]);
  });

  test('a frozen socket (no pongs) is detected by bolt, which reconnects', async ({ slack, bolt }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    // Not 1000: a ~0.7 s stall would then drop the link before the freeze (see above).
    const { app } = await bolt(emulator, { clientPingTimeout: 3000 });
    const heard: string[] = [];
    app.event('app_mention', async ({ event }) => {
      heard.push(event.text);
    });

    emulator.faults.freezeSocket();
    await emulator.userMessage({
      user: alice.id,
      channel: ops.id,
      text: `<@${emulator.botUserId}> after freeze`,
    });

    await emulator.waitFor(() => heard.length === 1, 20_000);
    expect(emulator.stats().connections).toBe(2);
  });
});
