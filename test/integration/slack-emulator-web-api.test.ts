/**
 * The Slack emulator's Web API through @slack/web-api (and raw HTTP where the wire matters): rate
 * limits and the client's 429 handling, the upload flow, tokens, message limits, body formats,
 * conversations and users, fault injection, and input checks of the scripted API.
 */
import { App, SocketModeReceiver, webApi } from '@slack/bolt';
import { describe, expect } from 'vitest';
import { startSlackEmulator } from '../support/slack-emulator/index.js';
import { api, interactiveBlocks, quietLogger, test } from '../support/slack-emulator/test-fixtures.js';

describe('Slack emulator: Web API', () => {
  test('per-channel rate limit: 429 with Retry-After and ratelimited; other channels unaffected', async ({
    slack,
  }) => {
    // A slow refill (one token per 10 s) keeps the burst deterministic on a loaded machine;
    // refilling itself is covered with a fake clock in rate-limiter.test.ts.
    const emulator = await slack({ rateLimit: { ratePerSecond: 0.1, burst: 3 }, retryAfterSeconds: 2 });
    const ops = emulator.addChannel('ops');
    const dev = emulator.addChannel('dev');
    const post = (channel: string) => api(emulator, 'chat.postMessage', { channel, text: 'x' });

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(ops.id)).status);
    const limited = await post(ops.id);

    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect((await post(dev.id)).status).toBe(200);
    expect(emulator.stats().rateLimited).toBe(2);
    expect(emulator.messages(ops.id)).toHaveLength(3);
  });

  test('@slack/web-api on 429: rejectRateLimitedCalls throws at once; otherwise it waits Retry-After', async ({
    slack,
  }) => {
    // One token per 2 s: calls made back to back are limited; a retry after Retry-After (1 s) may
    // meet a 429 again, so the waiting client is allowed a few retries.
    const emulator = await slack({ rateLimit: { ratePerSecond: 0.5, burst: 1 } });
    const ops = emulator.addChannel('ops');
    const client = (options: ConstructorParameters<typeof webApi.WebClient>[1]) =>
      new webApi.WebClient(emulator.botToken, {
        slackApiUrl: emulator.apiUrl,
        logger: quietLogger([]),
        ...options,
      });
    const rejecting = client({ rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const limitedEvents: number[] = [];
    rejecting.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => limitedEvents.push(seconds));
    // Warm up (the spec checks compile their schemas on first use) so the calls below are quick.
    await rejecting.chat.postMessage({ channel: emulator.addChannel('warmup').id, text: 'w' });

    await rejecting.chat.postMessage({ channel: ops.id, text: '1' });
    await expect(rejecting.chat.postMessage({ channel: ops.id, text: '2' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 1,
    });
    expect(limitedEvents).toEqual([1]);

    // Default behaviour: pause the client's queue for Retry-After, then retry.
    const waiting = client({ retryConfig: { retries: 4, minTimeout: 0, maxTimeout: 0 } });
    const started = Date.now();
    await waiting.chat.postMessage({ channel: ops.id, text: '3' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    // With no retries left, the wait ends in a request error, not a rate-limit error.
    const noRetry = client({ retryConfig: { retries: 0 } });
    await expect(noRetry.chat.postMessage({ channel: ops.id, text: '4' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RequestError,
    });
    expect(emulator.messages(ops.id).map((m) => m.text)).toEqual(['1', '3']);
  });

  test('files.uploadV2: URL, upload, completion; the file is shared in the thread', async ({
    slack,
    bolt,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const { app, errors } = await bolt(emulator);
    const parent = await app.client.chat.postMessage({ channel: ops.id, text: 'output follows' });
    const content = 'NAME READY\n'.repeat(10_000);

    const result = await app.client.files.uploadV2({
      channel_id: ops.id,
      thread_ts: parent.ts as string,
      initial_comment: 'full output',
      filename: 'pods.txt',
      title: 'kubectl get pods',
      content,
    });

    const [file] = emulator.files(ops.id);
    expect(file).toMatchObject({
      channel: ops.id,
      filename: 'pods.txt',
      title: 'kubectl get pods',
      thread_ts: parent.ts,
      initial_comment: 'full output',
    });
    expect(file?.content.toString()).toBe(content);
    expect(result).toMatchObject({
      ok: true,
      files: [{ ok: true, files: [{ id: file?.id, title: 'kubectl get pods' }] }],
    });
    expect(emulator.messages(ops.id)[1]).toMatchObject({
      text: 'full output',
      thread_ts: parent.ts,
      files: [file?.id],
    });
    expect(emulator.stats()).toMatchObject({
      uploads: 1,
      calls: expect.objectContaining({ 'files.getUploadURLExternal': 1, 'files.completeUploadExternal': 1 }),
    });

    emulator.faults.failNext('upload_url', 503);
    await expect(
      app.client.files.uploadV2({ channel_id: ops.id, filename: 'b.txt', content: 'b' }),
    ).rejects.toThrow(/Failed to upload file|503/);
    const unreserved = await fetch(new URL('upload/v1/not-a-key', emulator.apiUrl.replace(/api\/$/, '')), {
      method: 'POST',
      body: 'x',
    });
    expect(unreserved.status).toBe(404);
    const notUploaded = await api(emulator, 'files.getUploadURLExternal', { filename: 'c.txt', length: '1' });
    const { file_id } = (await notUploaded.json()) as { file_id: string };
    expect(
      await (
        await api(emulator, 'files.completeUploadExternal', { files: JSON.stringify([{ id: file_id }]) })
      ).json(),
    ).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(errors).toEqual([]);
  });

  test('bad tokens: clear errors from bolt and the Web API', async ({ slack }) => {
    const emulator = await slack();
    const appWith = (token: string, appToken: string, clientPingTimeout?: number) => {
      const clientOptions = { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } };
      const logger = quietLogger([]);
      return new App({
        token,
        appToken,
        socketMode: true,
        logger,
        deferInitialization: true,
        clientOptions,
        ...(clientPingTimeout
          ? {
              receiver: new SocketModeReceiver({
                appToken,
                logger,
                clientPingTimeout,
                installerOptions: { clientOptions },
              }),
            }
          : {}),
      });
    };

    await expect(appWith('xoxb-wrong', emulator.appToken).init()).rejects.toThrow(/invalid_auth/);
    const badApp = appWith(emulator.botToken, 'xapp-wrong');
    await badApp.init();
    await expect(badApp.start()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });

    // A bot token in the app token's place is refused, but socket-mode does not count
    // not_allowed_token_type as unrecoverable: start() keeps retrying and never settles.
    const swapped = appWith(emulator.botToken, emulator.botToken, 100);
    await swapped.init();
    let settled = false;
    void swapped.start().finally(() => {
      settled = true;
    });
    await emulator.waitFor(() => (emulator.stats().calls['apps.connections.open'] ?? 0) >= 3);
    await swapped.stop();
    expect(settled).toBe(false);

    expect(await (await api(emulator, 'auth.test', {}, 'xoxb-forged')).json()).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(
      await (await api(emulator, 'chat.postMessage', { channel: 'x' }, emulator.appToken)).json(),
    ).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
    expect(await (await api(emulator, 'auth.test', { token: emulator.botToken }, null)).json()).toMatchObject(
      { ok: true },
    );
  });

  test("message limits are enforced with Slack's error codes", async ({ slack }) => {
    const emulator = await slack({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    const ops = emulator.addChannel('ops');
    const web = new webApi.WebClient(emulator.botToken, {
      slackApiUrl: emulator.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger([]),
    });
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    const failure = (args: Record<string, unknown>) =>
      web.chat.postMessage({ channel: ops.id, ...args } as never).then(
        () => undefined,
        (error: { data: Record<string, unknown> }) => error.data,
      );

    expect(await failure({ text: 'x'.repeat(40_001) })).toMatchObject({ error: 'msg_too_long' });
    expect(await failure({ text: '' })).toMatchObject({ error: 'no_text' });
    expect(
      await failure({ text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }),
    ).toMatchObject({
      error: 'invalid_blocks',
      errors: ['no more than 50 items allowed [json-pointer:/blocks]'],
      response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
    });
    expect(await failure({ text: 'x', blocks: [section('y'.repeat(3001))] })).toMatchObject({
      error: 'invalid_blocks',
    });
    expect(
      await failure({ text: 'x', blocks: Array.from({ length: 5 }, () => section('y'.repeat(2500))) }),
    ).toMatchObject({
      error: 'msg_blocks_too_long',
    });
    expect(
      await (
        await api(emulator, 'chat.postMessage', { channel: ops.id, text: 'x', blocks: '[{oops' })
      ).json(),
    ).toMatchObject({
      ok: false,
      error: 'invalid_blocks_format',
    });
    expect(await failure({ text: 'fits', blocks: [section('y'.repeat(3000))] })).toBeUndefined();
    // Slack fills in block_id (and action_id) for blocks posted without one.
    expect(emulator.messages(ops.id)[0]?.blocks?.[0]).toMatchObject({
      type: 'section',
      block_id: expect.any(String),
    });
  });

  test('bodies: form, JSON with a bearer token, GET query; unknown methods and malformed JSON', async ({
    slack,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const json = (body: string, token?: string) =>
      fetch(`${emulator.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      }).then((r) => r.json());

    expect(
      await json(
        JSON.stringify({ channel: ops.id, text: 'json', blocks: [{ type: 'divider' }] }),
        emulator.botToken,
      ),
    ).toMatchObject({
      ok: true,
      message: { text: 'json', blocks: [{ type: 'divider' }] },
    });
    expect(await json('{nope', emulator.botToken)).toEqual({ ok: false, error: 'invalid_json' });
    expect(await json('[1]', emulator.botToken)).toEqual({ ok: false, error: 'json_not_object' });
    const get = await fetch(`${emulator.apiUrl}conversations.info?channel=${ops.id}`, {
      headers: { authorization: `Bearer ${emulator.botToken}` },
    });
    expect(await get.json()).toMatchObject({ ok: true, channel: { id: ops.id, name: 'ops' } });
    expect(await (await api(emulator, 'chat.unfurlEverything', {})).json()).toEqual({
      ok: false,
      error: 'unknown_method',
      req_method: 'chat.unfurlEverything',
    });
    expect(emulator.messages('ops').map((m) => m.text)).toEqual(['json']);
  });

  test('conversations, users, DMs, ephemeral messages, updates, permalinks', async ({ slack, bolt }) => {
    const emulator = await slack({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    for (const name of ['a', 'b', 'c', 'd', 'e']) emulator.addChannel(name);
    const secret = emulator.addChannel('secret', { isPrivate: true });
    emulator.addChannel('hidden', { isPrivate: true, memberBot: false });
    const alice = emulator.addUser('alice');
    const bob = emulator.addUser('bob');
    const { app, errors } = await bolt(emulator);
    const { client } = app;

    const names: string[] = [];
    for await (const page of client.paginate('conversations.list', {
      limit: 2,
      types: 'public_channel,private_channel',
    })) {
      names.push(...((page as { channels?: { name: string }[] }).channels ?? []).map((c) => c.name));
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e', 'secret']);
    expect(emulator.stats().calls['conversations.list']).toBe(3);
    await expect(client.conversations.list({ cursor: 'garbage' })).rejects.toMatchObject({
      data: { error: 'invalid_cursor' },
    });
    await expect(client.conversations.info({ channel: 'C0NOPE0000' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    expect((await client.conversations.info({ channel: secret.id })).channel).toMatchObject({
      is_private: true,
      is_member: true,
    });

    expect((await client.users.info({ user: alice.id })).user).toMatchObject({
      id: alice.id,
      name: 'alice',
      is_bot: false,
    });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
    const dm = await client.conversations.open({ users: bob.id });
    expect(dm.channel?.id).toMatch(/^D/);
    expect(await client.conversations.open({ users: bob.id })).toMatchObject({
      already_open: true,
      channel: { id: dm.channel?.id },
    });
    await client.chat.postMessage({ channel: bob.id, text: 'by user id' });
    expect(emulator.messages(dm.channel?.id as string).map((m) => m.text)).toEqual(['by user id']);

    await emulator.userMessage({ user: alice.id, channel: 'a', text: 'hi' });
    const ephemeral = await client.chat.postEphemeral({ channel: 'a', user: alice.id, text: 'just you' });
    await expect(client.chat.postEphemeral({ channel: 'a', user: bob.id, text: 'x' })).rejects.toMatchObject({
      data: { error: 'user_not_in_channel' },
    });
    const posted = await client.chat.postMessage({
      channel: '#a',
      text: 'v1',
      blocks: [{ type: 'divider', block_id: 'd' }],
    });
    await client.chat.update({ channel: posted.channel as string, ts: posted.ts as string, text: 'v2' });
    await expect(
      client.chat.update({
        channel: posted.channel as string,
        ts: ephemeral.message_ts as string,
        text: 'x',
      }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    expect(
      emulator.messages('a').map(({ text, edits, ephemeralTo, blocks, history }) => ({
        text,
        edits,
        ephemeralTo,
        blocks,
        history,
      })),
    ).toEqual([
      { text: 'just you', edits: 0, ephemeralTo: alice.id, blocks: undefined, history: [] },
      {
        text: 'v2',
        edits: 1,
        ephemeralTo: undefined,
        blocks: [{ type: 'divider', block_id: 'd' }],
        history: [{ text: 'v1', blocks: [{ type: 'divider', block_id: 'd' }] }],
      },
    ]);
    const link = await client.chat.getPermalink({
      channel: posted.channel as string,
      message_ts: posted.ts as string,
    });
    expect(link.permalink).toBe(
      `https://emu.slack.com/archives/${posted.channel}/p${(posted.ts as string).replace('.', '')}`,
    );
    expect(errors).toEqual([]);
  });

  test('fault injection: HTTP failures, Slack errors, slow answers', async ({ slack }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const web = (retries: number) =>
      new webApi.WebClient(emulator.botToken, {
        slackApiUrl: emulator.apiUrl,
        retryConfig: { retries, minTimeout: 0, maxTimeout: 0 },
        logger: quietLogger([]),
      });

    emulator.faults.failNext('conversations.info', 500, 2);
    expect((await web(2).conversations.info({ channel: ops.id })).ok).toBe(true);
    expect(emulator.stats().calls['conversations.info']).toBe(3);
    emulator.faults.failNext('conversations.info', 502);
    await expect(web(0).conversations.info({ channel: ops.id })).rejects.toMatchObject({
      code: webApi.ErrorCode.HTTPError,
      statusCode: 502,
    });

    emulator.faults.errorNext('chat.postMessage', 'is_archived');
    await expect(web(0).chat.postMessage({ channel: ops.id, text: 'x' })).rejects.toMatchObject({
      data: { error: 'is_archived' },
    });
    expect((await web(0).chat.postMessage({ channel: ops.id, text: 'x' })).ok).toBe(true);

    emulator.faults.slowResponses(300);
    const started = Date.now();
    await web(0).auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    emulator.faults.slowResponses(0);

    expect(() => emulator.faults.failNext('auth.test', 200)).toThrow(
      'failNext: status must be an HTTP error status (300-599), got 200',
    );
    expect(() => emulator.faults.errorNext('auth.test', 'Bad Code')).toThrow(/must be a Slack error code/);
    expect(() => emulator.faults.failNext('auth.test', 500, 0)).toThrow(
      'failNext: count must be an integer >= 1, got 0',
    );
  });

  test('spec checks catch non-conforming traffic on the wire', async () => {
    const emulator = await startSlackEmulator({ validateSpec: true });
    try {
      const ops = emulator.addChannel('ops');
      // Slack reads the token of a JSON request only from the Authorization header.
      const response = await fetch(`${emulator.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: emulator.botToken, channel: ops.id, text: 'x' }),
      });
      expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
      expect(await (await api(emulator, 'auth.test', {}, null)).json()).toEqual({
        ok: false,
        error: 'not_authed',
      });
      expect(emulator.specViolations()).toEqual([
        { kind: 'request', subject: 'chat.postMessage', problems: ['/token is required'] },
        { kind: 'request', subject: 'auth.test', problems: ['/token is required'] },
      ]);
    } finally {
      await emulator.close();
    }
  });

  test('the scripted API rejects unknown users and channels, invalid names and options', async ({
    slack,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    emulator.addUser('alice');

    expect(() => emulator.addChannel('ops')).toThrow(/a channel named "ops" already exists/);
    expect(() => emulator.addUser('alice')).toThrow(/a user named "alice" already exists/);
    expect(() => emulator.addUser('Alice Smith')).toThrow(/name "Alice Smith" is invalid/);
    await expect(emulator.userMessage({ user: 'U0NOBODY', channel: ops.id, text: 'x' })).rejects.toThrow(
      'userMessage: unknown user "U0NOBODY"; create users with addUser()',
    );
    await expect(
      emulator.userMessage({ user: emulator.botUserId, channel: ops.id, text: 'x' }),
    ).rejects.toThrow(/is the bot/);
    await expect(emulator.directMessage({ user: 'U0NOBODY', text: 'x' })).rejects.toThrow(/unknown user/);
    expect(() => emulator.messages('nowhere')).toThrow(
      'messages: unknown channel "nowhere"; create channels with addChannel()',
    );
    await expect(startSlackEmulator({ ackTimeoutMs: 0 })).rejects.toThrow(
      'ackTimeoutMs must be a positive number of ms, got 0',
    );
    await expect(startSlackEmulator({ retryAfterSeconds: 0.5 })).rejects.toThrow(
      /retryAfterSeconds must be an integer/,
    );
    await expect(startSlackEmulator({ rateLimit: { ratePerSecond: 1, burst: 0 } })).rejects.toThrow(
      /burst must be an integer >= 1/,
    );
    await expect(startSlackEmulator({ subscriptions: ['reaction_added' as never] })).rejects.toThrow(
      /unknown event "reaction_added"/,
    );
  });

  test('views.open: single-use triggers that expire, modal checks; view_submission reaches app.view', async ({
    slack,
    bolt,
  }) => {
    // Slack's own 3 s: every views.open below must arrive within it of its click, which a loaded
    // machine can stretch, so only the stale-trigger check pays for the wait.
    const triggerLifetimeMs = 3000;
    const emulator = await slack({ triggerLifetimeMs });
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const { app, errors } = await bolt(emulator);
    const triggers: string[] = [];
    app.action({ type: 'block_actions' }, async ({ ack, body }) => {
      await ack();
      triggers.push((body as { trigger_id: string }).trigger_id);
    });
    const submissions: Record<string, unknown>[] = [];
    app.view({ type: 'view_submission', callback_id: 'survey' }, async ({ ack, body }) => {
      await ack();
      submissions.push(body as unknown as Record<string, unknown>);
    });
    const posted = await app.client.chat.postMessage({
      channel: ops.id,
      text: 'pick',
      blocks: interactiveBlocks() as never,
    });
    const trigger = async () => {
      await emulator.clickButton({
        user: alice.id,
        channel: ops.id,
        messageTs: posted.ts ?? '',
        text: 'Logs',
      });
      return triggers.at(-1) as string;
    };
    const input = (id: string) => ({
      type: 'input',
      block_id: `b-${id}`,
      label: { type: 'plain_text', text: id },
      element: { type: 'plain_text_input', action_id: id },
    });
    const modal = (extra: Record<string, unknown> = {}) => ({
      type: 'modal',
      callback_id: 'survey',
      title: { type: 'plain_text', text: 'Survey' },
      submit: { type: 'plain_text', text: 'Send' },
      blocks: [input('why')],
      private_metadata: 'C0EMU00001',
      ...extra,
    });
    const open = (trigger_id: string, view: unknown) =>
      app.client.views.open({ trigger_id, view: view as never }).catch((e: { data?: unknown }) => e.data);

    expect(await open('1.2.unknown', modal())).toMatchObject({ ok: false, error: 'invalid_trigger_id' });
    const stale = await trigger();
    await new Promise((r) => setTimeout(r, triggerLifetimeMs + 100));
    expect(await open(stale, modal())).toMatchObject({ ok: false, error: 'expired_trigger_id' });

    const invalid: [Record<string, unknown>, string][] = [
      [{ type: 'home' }, '/view/type'],
      [{ title: { type: 'plain_text', text: 'x'.repeat(25) } }, '/view/title/text'],
      [{ title: undefined }, '/view/title'],
      [{ submit: undefined }, '/view/submit'],
      [{ close: { type: 'mrkdwn', text: 'No' } }, '/view/close/type'],
      [{ blocks: Array.from({ length: 101 }, (_, i) => input(`f${i}`)) }, '/view/blocks'],
      [{ private_metadata: 'x'.repeat(3001) }, '/view/private_metadata'],
      [{ callback_id: 'x'.repeat(256) }, '/view/callback_id'],
    ];
    for (const [change, pointer] of invalid) {
      const answer = (await open(await trigger(), modal(change))) as {
        error?: string;
        response_metadata?: { messages?: string[] };
      };
      expect(answer.error, pointer).toBe('invalid_arguments');
      expect(answer.response_metadata?.messages?.join('\n'), pointer).toContain(`[json-pointer:${pointer}`);
    }
    // 100 blocks and no submit without inputs are fine.
    const plain = { type: 'section', text: { type: 'mrkdwn', text: 'hi' } };
    expect(
      await open(
        await trigger(),
        modal({ submit: undefined, blocks: Array.from({ length: 100 }, () => plain) }),
      ),
    ).toMatchObject({ ok: true, view: { type: 'modal' } });

    const fresh = await trigger();
    const opened = await app.client.views.open({ trigger_id: fresh, view: modal() as never });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'modal',
      callback_id: 'survey',
      private_metadata: 'C0EMU00001',
      title: { text: 'Survey' },
    });
    expect(await open(fresh, modal())).toMatchObject({ ok: false, error: 'exchanged_trigger_id' });

    const views = emulator.views(alice.id);
    const viewId = opened.view?.id ?? '';
    expect(views.map((v) => v.id)).toContain(viewId);
    await emulator.submitView({ user: alice.id, viewId, values: { why: 'because' } });
    expect(submissions).toHaveLength(1);
    expect(submissions[0]).toMatchObject({
      type: 'view_submission',
      user: { id: alice.id },
      trigger_id: expect.any(String),
      view: {
        id: viewId,
        callback_id: 'survey',
        private_metadata: 'C0EMU00001',
        state: { values: { 'b-why': { why: { type: 'plain_text_input', value: 'because' } } } },
      },
    });
    expect(emulator.views(alice.id).some((v) => v.id === viewId)).toBe(false);
    await expect(emulator.submitView({ user: alice.id, viewId, values: {} })).rejects.toThrow(/closed/);
    await expect(emulator.submitView({ user: alice.id, viewId: 'V0NOPE', values: {} })).rejects.toThrow(
      /no view V0NOPE/,
    );
    // web-api logs the response_metadata messages of the rejected views; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('[json-pointer:/view'))).toEqual([]);
  });
});
