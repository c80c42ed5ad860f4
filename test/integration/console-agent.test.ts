import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleAgent,
  consoleTestConfig,
  consoleTestScripts,
  FrameRecorder,
  startConsoleAgent,
} from '../support/console-harness.js';
import { waitFor } from '../support/test-logger.js';

/*
 * The console as the agent's platform, over its WebSocket: commands run through the executor
 * bridge and real plugins, webhook events arrive as notifications, streaming output is edited
 * in place and long output comes with a download.
 */

let run: ConsoleAgent;
const clients: FrameRecorder[] = [];

beforeAll(async () => {
  run = await startConsoleAgent(consoleTestConfig, consoleTestScripts);
}, 180_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await run?.agent.stop();
});

async function client(user = 'ada'): Promise<FrameRecorder> {
  const c = await FrameRecorder.connect(run.url, { user });
  clients.push(c);
  return c;
}

/** Bot messages in `channel`, as JSON of their message, latest versions. */
const replies = (c: FrameRecorder, channel = 'ops') => c.botTexts(channel);

describe('console through the agent', () => {
  it('runs typed commands (with or without the mention) and shows every client the replies', async () => {
    const a = await client();
    const b = await client('bob');
    a.send({ type: 'command', channel: 'ops', text: 'ping' });
    a.send({ type: 'command', channel: 'dev', text: '@Switchboard echo hello from the console' });
    await waitFor(() => replies(b, 'ops').some((t) => t.includes('pong')), 15_000, 'pong');
    await waitFor(
      () => replies(b, 'dev').some((t) => t.includes('hello from the console')),
      15_000,
      'the echo reply',
    );
    const echo = b
      .of('message')
      .find(
        (f) =>
          f.message.kind === 'bot' && JSON.stringify(f.message.message).includes('hello from the console'),
      );
    // The echo plugin's button, with {{BotName}} already resolved for the page.
    expect(echo?.message.message?.sections?.[0]?.buttons?.[0]).toEqual({
      name: 'Echo again',
      command: '@Switchboard echo hello from the console',
    });
    expect(echo?.message.message?.sections?.at(-1)?.context?.[0]?.text).toBe(
      '`echo hello from the console` on `test-cluster`',
    );
    // The audit line follows the hand-over of the answer, so it may trail the page by a moment.
    await waitFor(
      () => run.lines.some((l) => l.audit === true && l.user === 'ada' && l.channel === 'dev'),
      15_000,
      'audit line',
    );
  });

  it('runs a button command as the button origin, credited to who clicked', async () => {
    const a = await client('grace');
    a.send({ type: 'command', channel: 'ops', text: '@Switchboard echo clicked', origin: 'button' });
    const reply = await waitFor(
      () => replies(a).find((t) => t.includes('clicked') && t.includes('by @grace')),
      15_000,
      'the reply credited to grace',
    );
    expect(reply).toContain('`echo clicked` on `test-cluster` by @grace');
  });

  it('shows a webhook event as a notification in the bound channel only', async () => {
    const a = await client();
    const response = await fetch(`${run.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alert: 'disk almost full on web-1' }),
    });
    expect(response.status).toBe(200);
    await waitFor(
      () => replies(a, 'ops').some((t) => t.includes('disk almost full on web-1')),
      15_000,
      'the notification',
    );
    expect(replies(a, 'dev').some((t) => t.includes('disk almost full'))).toBe(false);
  });

  it('edits streaming output in place, one message from first line to last', async () => {
    const a = await client();
    a.send({ type: 'command', channel: 'dev', text: 'exec slow' });
    const partial = await waitFor(
      () =>
        [...a.of('message'), ...a.of('edit')].find(
          (f) => f.message.kind === 'bot' && JSON.stringify(f.message.message).includes('tick 1'),
        ),
      15_000,
      'the first streamed lines',
    );
    expect(JSON.stringify(partial.message.message)).not.toContain('tick 6');
    expect(partial.message.streaming).toBe(true);
    const id = partial.message.id;
    // The last edit is the one that no longer says the command is running.
    const done = await waitFor(
      () => a.of('edit').find((f) => f.message.id === id && !f.message.streaming),
      20_000,
      'the final edit',
    );
    expect(JSON.stringify(done.message.message)).toContain('tick 6');
    expect(done.message.revision).toBeGreaterThanOrEqual(1);
    // Every version before it said so.
    const versions = [...a.of('message'), ...a.of('edit')].filter((f) => f.message.id === id);
    expect(versions.filter((f) => !f.message.streaming)).toEqual([done]);
    const ticks = replies(a, 'dev').filter((t) => t.includes('tick 1'));
    expect(ticks).toHaveLength(1);
  });

  it('cuts long output and attaches all of it as a download', async () => {
    const a = await client();
    a.send({ type: 'command', channel: 'ops', text: 'exec lines 5000' });
    const posted = await waitFor(
      () => a.of('message').find((f) => (f.message.files?.length ?? 0) > 0),
      30_000,
      'a message with a file',
    );
    const text = posted.message.message?.baseBody.codeBlock ?? '';
    expect(text.length).toBeLessThanOrEqual(20_000);
    expect(text).toContain('line 5000');
    expect(text).toContain('earlier characters not shown; full output attached');
    const file = posted.message.files?.[0];
    expect(file?.name).toBe('output.txt');
    const download = await fetch(new URL(file?.url as string, run.url));
    expect(download.status).toBe(200);
    const body = await download.text();
    expect(body.split('\n').filter((l) => l.startsWith('line '))).toHaveLength(5000);
  }, 60_000);

  it('gives a client that connects later the recent history of every channel', async () => {
    const late = await client('late');
    // connect() returns at the hello; history and status follow it, and a long history can take
    // more than one read to arrive. Status is the last frame of the welcome.
    await waitFor(() => late.of('status').length > 0, 15_000, 'the welcome frames');
    const history = late.of('history');
    expect(history.map((h) => h.channel)).toEqual(['ops', 'dev']);
    const ops = JSON.stringify(history[0]?.messages);
    expect(ops).toContain('pong');
    expect(ops).toContain('disk almost full on web-1');
    expect(JSON.stringify(history[1]?.messages)).toContain('tick 6');
    expect(late.of('status')[0]?.status).toMatchObject({
      ready: true,
      platforms: [{ id: 'default/console', state: 'connected' }],
    });
  });
});
