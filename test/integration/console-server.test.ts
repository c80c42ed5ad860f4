import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PlatformContext } from '../../src/app/agent.js';
import { type ConsoleBot, createConsoleBot } from '../../src/bots/console/index.js';
import type { Console } from '../../src/config/schema.js';
import { codeBlockMessage, plaintextMessage } from '../../src/contract/message.js';
import type { ConsoleMessage } from '../../src/core/console-protocol.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import { Secret } from '../../src/core/secret.js';
import type { Outbound } from '../../src/delivery/destination.js';
import { FrameRecorder } from '../support/console-harness.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/*
 * The console platform on its own (no agent): its HTTP and WebSocket surface, access control,
 * limits, history and downloads, over loopback with real clients.
 */

const running: ConsoleBot[] = [];
const recorders: FrameRecorder[] = [];
afterEach(async () => {
  for (const r of recorders.splice(0)) r.close();
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

let statusDoc: Record<string, unknown> = {
  ready: true,
  plugins: [{ name: 'sb/echo', state: 'running', restarts: 0 }],
  platforms: [],
  sources: [],
};
const context: PlatformContext = { status: () => statusDoc as never, version: '9.9.9-test' };

function settings(extra: Partial<Record<keyof Console, unknown>> = {}): Console {
  return {
    enabled: true,
    address: '127.0.0.1',
    port: 0,
    channels: {
      ops: { name: 'ops', notification: { disabled: false }, bindings: { sources: [], executors: [] } },
      dev: { name: 'dev', notification: { disabled: false }, bindings: { sources: [], executors: [] } },
    },
    ...extra,
  } as Console;
}

async function startConsole(
  extra: Partial<Record<keyof Console, unknown>> = {},
  options: {
    history?: { messages?: number; chars?: number };
    maxFileBytes?: number;
    statusIntervalMs?: number;
  } = {},
) {
  const { logger, lines } = createTestLogger('debug');
  const bot = createConsoleBot({
    id: 'local/console',
    settings: settings(extra),
    logger,
    context,
    ...options,
  });
  const commands: InboundCommand[] = [];
  await bot.start((c) => commands.push(c));
  running.push(bot);
  return { bot, url: bot.url() as string, commands, lines };
}

async function connect(url: string, options: Parameters<typeof FrameRecorder.connect>[1] = {}) {
  const r = await FrameRecorder.connect(url, options);
  recorders.push(r);
  return r;
}

/** The HTTP status and headers of an upgrade attempt that the server refuses. */
function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}

const out = (channelId: string, message: Outbound['message'], extra: Partial<Outbound> = {}): Outbound => ({
  address: { destinationId: 'local/console', channelId },
  message,
  ...extra,
});

describe('console: access', () => {
  it('refuses to listen beyond loopback without a token, naming the setting', async () => {
    const bot = createConsoleBot({
      id: 'team/console',
      settings: settings({ address: '0.0.0.0' }),
      logger: createTestLogger('silent').logger,
      context,
    });
    await expect(bot.start(() => undefined)).rejects.toMatchObject({
      code: 'SB_ERR_CONFIG_INVALID',
      message: expect.stringContaining('communications.team.console.token'),
    });
    expect(bot.status()).toMatchObject({ state: 'failed' });
    expect(bot.url()).toBeUndefined();
  });

  it('reports a port in use with the address, the port, the setting and the variable to change', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const bot = createConsoleBot({
        id: 'team/console',
        settings: settings({ port }),
        logger: createTestLogger('silent').logger,
        context,
      });
      await expect(bot.start(() => undefined)).rejects.toMatchObject({
        code: 'SB_ERR_CONSOLE_START',
        message: `the web console cannot listen on 127.0.0.1:${port}: port ${port} is already in use (another Switchboard or program?); change communications.team.console.port (or environment variable SWITCHBOARD_COMMUNICATIONS_TEAM_CONSOLE_PORT), or stop the other program`,
      });
    } finally {
      blocker.close();
    }
  });

  it('reports an IPv6 address that is not this machine’s bracketed, with the address setting', async () => {
    const bot = createConsoleBot({
      id: 'team/console',
      settings: settings({ address: 'fd00:5b::99', token: Secret.of('t0ken-for-ipv6') }),
      logger: createTestLogger('silent').logger,
      context,
    });
    await expect(bot.start(() => undefined)).rejects.toMatchObject({
      code: 'SB_ERR_CONSOLE_START',
      message:
        'the web console cannot listen on [fd00:5b::99]:0: fd00:5b::99 is not an address of this machine; change communications.team.console.address (or environment variable SWITCHBOARD_COMMUNICATIONS_TEAM_CONSOLE_ADDRESS)',
    });
  });

  it('with a token: 401 without it or with a wrong one (HTTP and WebSocket); never logs it', async () => {
    const { url, lines } = await startConsole({ token: Secret.of('s3cret-token') });
    const page = await fetch(url);
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toBe('Bearer realm="switchboard-console"');
    expect(await page.text()).toContain('?token=');
    expect((await fetch(`${url}app.js`)).status).toBe(401);
    expect((await fetch(`${url}?token=wrong`)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ws = url.replace('http', 'ws');
    expect(await refusedUpgrade(`${ws}ws`)).toMatchObject({ status: 401 });
    expect(await refusedUpgrade(`${ws}ws`, { authorization: 'Bearer nope' })).toMatchObject({
      status: 401,
      body: expect.stringContaining('wrong'),
    });
    expect(await refusedUpgrade(`${ws}ws?token=nope`)).toMatchObject({ status: 401 });
    expect(JSON.stringify(lines)).not.toContain('s3cret-token');
  });

  it('with a token: the ?token= link signs in with an HttpOnly cookie and drops the token from the URL', async () => {
    const { url, lines } = await startConsole({ token: Secret.of('s3cret-token') });
    const signIn = await fetch(`${url}?token=s3cret-token`, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/');
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sb_console_\d+=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain('s3cret-token');
    const session = cookie.split(';')[0] as string;
    const page = await fetch(url, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    // The cookie, the Bearer header and ?token= all open the socket.
    for (const headers of [{ cookie: session }, { authorization: 'Bearer s3cret-token' }] as Record<
      string,
      string
    >[]) {
      const r = await connect(url, { headers });
      expect(r.of('hello')[0]).toMatchObject({ protocol: 1, version: '9.9.9-test', mention: '@Switchboard' });
    }
    const viaQuery = new WebSocket(`${url.replace('http', 'ws')}ws?token=s3cret-token`);
    await new Promise((resolve, reject) => viaQuery.once('open', resolve).once('error', reject));
    viaQuery.close();
    expect((await fetch(url, { headers: { cookie: `${session.split('=')[0]}=forged` } })).status).toBe(401);
    expect(JSON.stringify(lines)).not.toContain('s3cret-token');
  });

  it('without a token (loopback): answers only to a Host naming this machine (no DNS rebinding)', async () => {
    const { url } = await startConsole();
    const port = new URL(url).port;
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await get(`127.0.0.1:${port}`)).toBe(200);
    expect(await get(`localhost:${port}`)).toBe(200);
    expect(await get(`[::1]:${port}`)).toBe(200);
    expect(await get(`evil.example:${port}`)).toBe(403);
    expect(await refusedUpgrade(`${url.replace('http', 'ws')}ws`, { host: 'evil.example' })).toMatchObject({
      status: 403,
      body: expect.stringContaining('not this machine'),
    });
  });

  it('refuses WebSockets opened by other sites (Origin), accepts its own page and non-browser clients', async () => {
    const { url } = await startConsole();
    const ws = `${url.replace('http', 'ws')}ws`;
    expect(await refusedUpgrade(ws, { origin: 'http://evil.example' })).toMatchObject({
      status: 403,
      body: expect.stringContaining('Origin http://evil.example is not this console'),
    });
    expect(await refusedUpgrade(ws, { origin: 'null' })).toMatchObject({ status: 403 });
    const own = await connect(url, { headers: { origin: new URL(url).origin } });
    expect(own.of('hello')).toHaveLength(1);
    const cli = await connect(url);
    expect(cli.of('hello')).toHaveLength(1);
  });
});

describe('console: pages and downloads', () => {
  it('serves the page with a strict CSP, nosniff and the right types; 404 and 405 otherwise', async () => {
    const { url } = await startConsole();
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|\son\w+=/);
    const etag = page.headers.get('etag') as string;
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    for (const [path, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['console-protocol.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
      ['favicon.svg', 'image/svg+xml'],
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
    }
    expect((await fetch(`${url}console-protocol.d.ts`)).status).toBe(404);
    expect((await fetch(`${url}../console-bot.ts`)).status).toBe(404);
    expect((await fetch(`${url}%2e%2e/console-bot.ts`)).status).toBe(404);
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('offers an attached file for download (same access rules), and says when it is gone', async () => {
    const { bot, url } = await startConsole({ token: Secret.of('tok') }, { maxFileBytes: 100 });
    const auth = { authorization: 'Bearer tok' };
    const r = await connect(url, { headers: auth });
    const content = new TextEncoder().encode('full output\n'.repeat(5));
    await bot.deliver(
      out('ops', codeBlockMessage('cut output'), { file: { name: '../out "x".txt', content } }),
    );
    const posted = await waitFor(() => r.of('message')[0]?.message, 15_000, 'the message');
    const file = posted.files?.[0];
    expect(file).toMatchObject({ name: 'out x.txt', size: content.byteLength });
    const link = new URL(file?.url as string, url).href;
    expect((await fetch(link)).status).toBe(401);
    const download = await fetch(link, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="out x.txt"; filename*=UTF-8''out%20x.txt`,
    );
    expect(await download.text()).toBe('full output\n'.repeat(5));

    // The store keeps 100 bytes: a second file pushes the first out; a file over 100 is not kept.
    await bot.deliver(out('ops', plaintextMessage('again'), { file: { name: 'b.txt', content } }));
    expect((await fetch(link, { headers: auth })).status).toBe(404);
    await bot.deliver(
      out('ops', plaintextMessage('huge'), { file: { name: 'c.txt', content: new Uint8Array(101) } }),
    );
    const huge = await waitFor(
      () => r.of('message').find((f) => f.message.message?.baseBody.plaintext === 'huge'),
      15_000,
      'the huge message',
    );
    expect(huge.message.files).toBeUndefined();
    expect(huge.message.notice).toBe('The file c.txt (101 bytes) is larger than the console keeps.');
  });
});

describe('console: traffic', () => {
  it('turns typed and interactive frames into commands, and shows each command to every client', async () => {
    const { url, commands } = await startConsole();
    const a = await connect(url, { user: 'ada' });
    const b = await connect(url, { user: 'bob<script>' });
    expect(b.of('hello')[0]).toMatchObject({ user: 'bobscript' });
    a.send({ type: 'command', channel: 'ops', text: '@Switchboard ping', ref: 'r1' });
    a.send({ type: 'command', channel: 'ops', text: '@Switchboard echo again', origin: 'button' });
    a.send({
      type: 'command',
      channel: 'dev',
      text: '{{BotName}} kubectl get',
      origin: 'select',
      value: 'pods',
    });
    a.send({
      type: 'command',
      channel: 'dev',
      text: 'logs --since',
      origin: 'multi-select',
      value: ['a', 'b'],
    });
    b.send({ type: 'command', channel: 'ops', text: 'echo', origin: 'text-input', value: 'typed in a box' });
    await waitFor(() => commands.length === 5, 15_000, 'five commands');
    expect(commands.map((c) => [c.channel.id, c.origin, c.text, c.user.displayName])).toEqual([
      ['ops', 'typed', '@Switchboard ping', 'ada'],
      ['ops', 'button', '@Switchboard echo again', 'ada'],
      ['dev', 'select', '@Switchboard kubectl get pods', 'ada'],
      ['dev', 'multi-select', 'logs --since a,b', 'ada'],
      ['ops', 'text-input', 'echo typed in a box', 'bobscript'],
    ]);
    expect(commands[0]).toMatchObject({
      botId: 'local/console',
      user: { id: 'console:ada', mention: '@ada' },
    });
    // Both clients see every command, as posted in its channel; the sender's carries its ref.
    for (const r of [a, b]) {
      await waitFor(() => r.of('message').length === 5, 15_000, 'five echoes');
      expect(
        r.of('message').map((f) => [f.message.kind, f.message.channel, f.message.user, f.message.text]),
      ).toEqual([
        ['user', 'ops', 'ada', 'ping'],
        ['user', 'ops', 'ada', 'echo again'],
        ['user', 'dev', 'ada', 'kubectl get pods'],
        ['user', 'dev', 'ada', 'logs --since a,b'],
        ['user', 'ops', 'bobscript', 'echo typed in a box'],
      ]);
    }
    expect(a.of('message')[0]?.ref).toBe('r1');
  });

  it('shows a command before its answer even when the answer is delivered at once', async () => {
    // The echo of a command is sent after the command is handed over, so that its writes overlap
    // the plugin call; an answer that comes back in the same turn must still follow it.
    const { logger } = createTestLogger('silent');
    const bot = createConsoleBot({ id: 'local/console', settings: settings(), logger, context });
    await bot.start((c) => {
      const address = { destinationId: 'local/console', channelId: c.channel.id, threadId: c.threadId };
      void bot.deliver({ address, message: plaintextMessage(`answer to ${c.text}`) } as Outbound);
    });
    running.push(bot);
    const url = bot.url() as string;
    const a = await connect(url, { user: 'ada' });
    a.send({ type: 'command', channel: 'ops', text: 'one' });
    a.send({ type: 'command', channel: 'ops', text: 'two' });
    await waitFor(() => a.of('message').length === 4, 15_000, 'two commands and two answers');
    const shown = (frames: ConsoleMessage[]) =>
      frames.map((m) => (m.kind === 'user' ? `> ${m.text}` : m.message?.baseBody.plaintext));
    const expected = ['> one', 'answer to one', '> two', 'answer to two'];
    expect(shown(a.of('message').map((f) => f.message))).toEqual(expected);
    // Each answer names the command it answers.
    const [one, answer] = a.of('message').map((f) => f.message);
    expect(answer?.replyTo).toBe(one?.id);
    // The history a later client gets is in the same order.
    const late = await connect(url, { user: 'bob' });
    expect(shown(late.of('history').find((h) => h.channel === 'ops')?.messages ?? [])).toEqual(expected);
  });

  it('passes the bot message a control was in, so an answer can replace it, and nothing else', async () => {
    const { bot, url, commands } = await startConsole();
    const a = await connect(url);
    const builder = await bot.deliver(out('ops', plaintextMessage('pick a step')));
    const click = (source: string, channel = 'ops') =>
      a.send({ type: 'command', channel, text: 'echo next', origin: 'button', source });
    click(builder?.messageId ?? '');
    await waitFor(() => commands.length === 1, 15_000, 'the click');
    expect(commands[0]?.sourceMessage).toEqual({ channelId: 'ops', messageId: builder?.messageId });
    // The command line the click posted is the user's, not the bot's; ids from another channel
    // or that never existed are not passed on.
    await waitFor(() => a.of('message').some((f) => f.message.kind === 'user'), 15_000, 'the command line');
    const userLine = a.of('message').find((f) => f.message.kind === 'user')?.message.id ?? '';
    click(userLine);
    click(builder?.messageId ?? '', 'dev');
    click('m999');
    await waitFor(() => commands.length === 4, 15_000, 'three more clicks');
    expect(commands.slice(1).map((c) => c.sourceMessage)).toEqual([undefined, undefined, undefined]);
    // An edit of a message the console does not hold is posted as a new one.
    const fresh = await bot.deliver(
      out('ops', plaintextMessage('step 2'), { replaces: { channelId: 'ops', messageId: 'm999' } }),
    );
    expect(fresh?.messageId).not.toBe('m999');
    await waitFor(() => a.of('message').some((f) => f.message.id === fresh?.messageId), 15_000, 'step 2');
    expect(a.of('edit')).toEqual([]);
  });

  it('rejects an oversized command with a message and keeps serving; an oversized frame closes only that socket', async () => {
    const { bot, url, commands } = await startConsole();
    const r = await connect(url);
    r.send({ type: 'command', channel: 'ops', text: `echo ${'x'.repeat(9000)}`, ref: 'big' });
    const error = await waitFor(() => r.of('error')[0], 15_000, 'an error frame');
    expect(error).toEqual({
      type: 'error',
      error: 'command is 9005 characters long; the console accepts at most 8192',
      ref: 'big',
    });
    r.send({ type: 'command', channel: 'ops', text: 'ping' });
    await waitFor(() => commands.length === 1, 15_000, 'the next command');
    expect(commands[0]?.text).toBe('ping');

    const other = await connect(url);
    other.send('x'.repeat(70 * 1024));
    await waitFor(() => other.closed, 15_000, 'the oversized socket to close');
    expect(other.closed?.code).toBe(1009);
    expect(r.closed).toBeUndefined();
    await bot.deliver(out('ops', plaintextMessage('still here')));
    await waitFor(
      () => r.of('message').some((f) => f.message.kind === 'bot'),
      15_000,
      'delivery after the drop',
    );
  });

  it('answers bad frames, unknown channels and floods with errors that say what was expected', async () => {
    const { url, commands } = await startConsole();
    const r = await connect(url);
    r.send('not json');
    r.send({ type: 'subscribe' });
    r.send({ type: 'command', channel: 'nope', text: 'ping', ref: 'q' });
    r.send({ type: 'command', channel: 'ops', text: 'ping', origin: 'wave' });
    r.send({ type: 'command', channel: 'ops', text: '   ' });
    r.send({ type: 'command', channel: 'ops', text: 'x', origin: 'select', value: ['a', 'b'] });
    r.socket.send(Buffer.from('binary'), { binary: true });
    await waitFor(() => r.of('error').length === 7, 15_000, 'seven errors');
    expect(r.of('error').map((e) => e.error)).toEqual([
      'frame is not JSON; expected an object such as {"type":"command",…}',
      'unknown frame type "subscribe"; expected "command"',
      'there is no channel "nope" here; the channels are ops, dev',
      'origin "wave" is not one of typed, button, select, multi-select, text-input',
      'text is empty; type a command such as "help"',
      'value must be one string with origin select',
      'binary frames are not accepted; send JSON text frames',
    ]);
    expect(r.of('error')[2]?.ref).toBe('q');
    for (let i = 0; i < 30; i++) r.send({ type: 'command', channel: 'ops', text: `echo ${i}` });
    await waitFor(() => r.of('error').length > 7, 15_000, 'the rate limit');
    expect(r.of('error').at(-1)?.error).toBe(
      'too many commands at once (at most 10 a second); wait a moment',
    );
    expect(commands.length).toBeGreaterThanOrEqual(20);
    expect(commands.length).toBeLessThan(30);
  });

  it('edits in place, keeps bounded history per channel, and gives late clients the latest version', async () => {
    const { bot, url } = await startConsole({}, { history: { messages: 3 } });
    const live = await connect(url);
    const first = await bot.deliver(out('ops', codeBlockMessage('line 1')));
    expect(first).toEqual({ channelId: 'ops', messageId: expect.stringMatching(/^m\d+$/) });
    await bot.deliver(out('ops', codeBlockMessage('line 1\nline 2'), { replaces: first }));
    for (const n of [2, 3, 4]) await bot.deliver(out('ops', plaintextMessage(`event ${n}`)));
    await bot.deliver(out('dev', plaintextMessage('dev event')));
    await waitFor(
      () => live.of('edit').length === 1 && live.of('message').length === 5,
      15_000,
      'all traffic',
    );
    expect(live.of('edit')[0]?.message).toMatchObject({
      id: first?.messageId,
      revision: 1,
      editedAt: expect.any(String),
      message: { baseBody: { codeBlock: 'line 1\nline 2' } },
    });

    const late = await connect(url);
    // connect() returns at the hello; history and status follow it. Status is the welcome's last frame.
    await waitFor(() => late.of('status').length > 0, 15_000, 'the welcome frames');
    const history = late.of('history');
    expect(history.map((h) => h.channel)).toEqual(['ops', 'dev']);
    const text = (m: ConsoleMessage) => m.message?.baseBody.plaintext ?? m.message?.baseBody.codeBlock;
    // Three kept in ops: the edited one was the oldest and went first.
    expect(history[0]?.messages.map(text)).toEqual(['event 2', 'event 3', 'event 4']);
    expect(history[1]?.messages.map(text)).toEqual(['dev event']);
    expect(late.of('status')[0]?.status).toMatchObject({ ready: true });
  });

  it('pushes status changes to clients', async () => {
    const { url } = await startConsole({}, { statusIntervalMs: 50 });
    const r = await connect(url);
    statusDoc = {
      ...statusDoc,
      plugins: [{ name: 'sb/echo', state: 'restarting', restarts: 1, lastError: 'boom' }],
    };
    const pushed = await waitFor(
      () => r.of('status').find((s) => JSON.stringify(s.status).includes('restarting')),
      15_000,
      'a status push',
    );
    expect(pushed.status).toMatchObject({ plugins: [{ state: 'restarting', lastError: 'boom' }] });
  });

  it('fails delivery clearly for an unknown channel or a stopped console; skips skipMessage', async () => {
    const { bot } = await startConsole();
    await expect(bot.deliver(out('random', plaintextMessage('x')))).rejects.toMatchObject({
      reason: 'unknown-channel',
      retryable: false,
      message: 'the console has no channel "random"; its channels are ops, dev',
    });
    expect(
      await bot.deliver(out('ops', { type: 'skipMessage', baseBody: { plaintext: 'x' } })),
    ).toBeUndefined();
    await bot.stop();
    expect(bot.status().state).toBe('stopped');
    await expect(bot.deliver(out('ops', plaintextMessage('x')))).rejects.toMatchObject({
      reason: 'unavailable',
      retryable: true,
    });
  });

  it('stops promptly with clients connected, closing them as going away', async () => {
    const { bot, url } = await startConsole();
    const r = await connect(url);
    const started = Date.now();
    await bot.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(() => r.closed, 15_000, 'the client to be closed');
    expect(r.closed?.code).toBe(1001);
    await expect(fetch(url)).rejects.toThrow();
  });
});
