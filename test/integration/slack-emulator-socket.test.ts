/**
 * The Slack emulator's Socket Mode protocol, seen from a bare WebSocket client: hello, envelope
 * distribution, acks and redelivery, echoes of the bot's posts, disconnect frames, connection
 * limits, pings and tickets.
 */
import { webApi } from '@slack/bolt';
import { describe, expect } from 'vitest';
import type { RawSocketClient } from '../support/slack-emulator/raw-socket-client.js';
import { test, upgradeStatus } from '../support/slack-emulator/test-fixtures.js';

describe('Slack emulator: Socket Mode protocol', () => {
  test('hello carries num_connections and debug_info; envelopes go to one connection each', async ({
    slack,
    raw,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const first = await raw(emulator);
    const second = await raw(emulator);

    expect(first.frames[0]).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: {
        host: expect.stringMatching(/^applink-/),
        build_number: 1,
        approximate_connection_time: 18060,
      },
      connection_info: { app_id: emulator.appId },
    });
    expect(second.frames[0]).toMatchObject({ type: 'hello', num_connections: 2 });
    for (let i = 0; i < 4; i++)
      await emulator.userMessage({ user: alice.id, channel: ops.id, text: `m${i}` });

    await emulator.waitFor(() => first.envelopes().length + second.envelopes().length === 4);
    expect(first.envelopes()).toHaveLength(2);
    expect(second.envelopes()).toHaveLength(2);
    expect(first.envelopes()[0]).toMatchObject({
      envelope_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: {
        type: 'event_callback',
        team_id: emulator.teamId,
        api_app_id: emulator.appId,
        event: { type: 'message' },
      },
    });
    expect(emulator.stats().connections).toBe(2);
  });

  test('an unacknowledged envelope is redelivered with retry_attempt and retry_reason, then expires', async ({
    slack,
    raw,
  }) => {
    // The test acks a redelivered copy and needs that ack in before the next copy is due: the
    // window is ackTimeoutMs, so it is not made shorter.
    const ackTimeoutMs = 1500;
    const emulator = await slack({ ackTimeoutMs, maxRedeliveries: 2 });
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const client = await raw(emulator);

    await emulator.userMessage({ user: alice.id, channel: ops.id, text: 'first' });
    await emulator.waitFor(() => client.envelopes().length === 3, 10_000);
    await emulator.waitFor(() => emulator.stats().expired === 1, 10_000);

    const deliveries = client.envelopes();
    expect(deliveries.map((d) => [d.retry_attempt, d.retry_reason])).toEqual([
      [0, ''],
      [1, 'timeout'],
      [2, 'timeout'],
    ]);
    expect(new Set(deliveries.map((d) => d.payload?.event_id)).size).toBe(1);
    expect(new Set(deliveries.map((d) => d.envelope_id)).size).toBe(3);

    await emulator.userMessage({ user: alice.id, channel: ops.id, text: 'second' });
    await emulator.waitFor(() => client.envelopes().length === 5, 10_000);
    client.ack(client.envelopes()[4]?.envelope_id as string);
    await emulator.waitFor(() => emulator.stats().acks === 1);
    // No marker can show that a redelivery did not happen: wait past the moment it would have.
    await new Promise((resolve) => setTimeout(resolve, ackTimeoutMs + 500));
    expect(client.envelopes()).toHaveLength(5);
    expect(emulator.stats()).toMatchObject({ redeliveries: 3, expired: 1, acks: 1, envelopes: 2 });
  });

  test("the bot's own posts, edits and deletions are echoed as message events", async ({ slack, raw }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const client = await raw(emulator);
    const web = new webApi.WebClient(emulator.botToken, {
      slackApiUrl: emulator.apiUrl,
      retryConfig: { retries: 0 },
    });

    const posted = await web.chat.postMessage({ channel: ops.id, text: 'v1' });
    await web.chat.update({ channel: ops.id, ts: posted.ts as string, text: 'v2' });
    await web.chat.delete({ channel: ops.id, ts: posted.ts as string });

    await emulator.waitFor(() => client.envelopes().length === 3);
    const events = client.envelopes().map((e) => e.payload?.event as Record<string, unknown>);
    expect(events[0]).toMatchObject({
      type: 'message',
      user: emulator.botUserId,
      bot_id: emulator.botId,
      app_id: emulator.appId,
      text: 'v1',
      channel_type: 'channel',
      bot_profile: { id: emulator.botId },
    });
    expect(events[1]).toMatchObject({
      subtype: 'message_changed',
      hidden: true,
      message: { text: 'v2', edited: { user: emulator.botUserId } },
      previous_message: { text: 'v1' },
    });
    expect(events[2]).toMatchObject({
      subtype: 'message_deleted',
      deleted_ts: posted.ts,
      previous_message: { text: 'v2' },
    });
    expect(emulator.messages(ops.id)).toEqual([]);
  });

  test('disconnect frames: the connection gets no more envelopes; they queue for the next one', async ({
    slack,
    raw,
  }) => {
    const emulator = await slack();
    const ops = emulator.addChannel('ops');
    const alice = emulator.addUser('alice');
    const old = await raw(emulator);

    emulator.faults.sendDisconnect('refresh_requested');
    await emulator.userMessage({ user: alice.id, channel: ops.id, text: 'while refreshing' });
    await emulator.waitFor(() => old.frames.length === 2);
    const fresh = await raw(emulator);

    expect(old.frames[1]).toEqual({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: expect.any(String) },
    });
    await emulator.waitFor(() => fresh.envelopes().length === 1);
    expect(fresh.envelopes()[0]?.payload?.event).toMatchObject({ text: 'while refreshing' });
    expect(old.envelopes()).toEqual([]);
  });

  test('an 11th connection is told too_many_websockets', async ({ slack, raw }) => {
    const emulator = await slack();
    const clients: RawSocketClient[] = [];
    for (let i = 0; i < 11; i++) clients.push(await raw(emulator));

    expect(clients.slice(0, 10).map((c) => c.frames[0]?.type)).toEqual(Array(10).fill('hello'));
    expect(clients[10]?.frames).toEqual([
      { type: 'disconnect', reason: 'too_many_websockets', debug_info: { host: expect.any(String) } },
    ]);
  });

  test('the server pings; connection tickets are single use', async ({ slack, raw }) => {
    const emulator = await slack({ serverPingIntervalMs: 100 });
    const client = await raw(emulator);
    await emulator.waitFor(() => client.pings >= 2);

    const opened = (await (
      await fetch(`${emulator.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emulator.appToken}` },
      })
    ).json()) as { url: string };
    expect(opened.url).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/link/\\?ticket=[0-9a-f-]+&app_id=${emulator.appId}$`),
    );
    const statuses: number[] = [];
    for (const url of [opened.url, opened.url, opened.url.replace(/ticket=[^&]+/, 'ticket=forged')]) {
      statuses.push(await upgradeStatus(url));
    }
    expect(statuses).toEqual([101, 401, 401]);
  });
});
