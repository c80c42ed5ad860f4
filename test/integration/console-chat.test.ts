import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type ConsoleBot, createConsoleBot } from '../../src/bots/console/index.js';
import type { Console } from '../../src/config/schema.js';
import { plaintextMessage } from '../../src/contract/message.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import { Secret } from '../../src/core/secret.js';
import { freePort } from '../support/agent-harness.js';
import { repoRoot } from '../support/build-fixtures.js';
import {
  type ConsoleAgent,
  consoleTestConfig,
  consoleTestScripts,
  idleAgentContext,
  startConsoleAgent,
} from '../support/console-harness.js';
import { postEvent } from '../support/console-page-fixtures.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/*
 * `switchboard chat` as a child process (bin/run.js, built into dist/ by the global setup),
 * driven through stdin and read from stdout/stderr, against a real agent's console and against
 * bare consoles that refuse it or go away.
 */

class Chat {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number>;
  readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), 'chat', '--no-color', ...args], {
      stdio: 'pipe',
    });
    this.child.stdout.on('data', (c: Buffer) => {
      this.stdout += c.toString();
    });
    this.child.stderr.on('data', (c: Buffer) => {
      this.stderr += c.toString();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async out(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return waitFor(
      () => pattern.exec(this.stdout) ?? undefined,
      timeoutMs,
      `stdout to match ${pattern}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    });
  }

  async err(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return waitFor(
      () => pattern.exec(this.stderr) ?? undefined,
      timeoutMs,
      `stderr to match ${pattern}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    });
  }
}

const chats: Chat[] = [];
const chat = (...args: string[]) => {
  const c = new Chat(args);
  chats.push(c);
  return c;
};
afterEach(() => {
  for (const c of chats.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
});

function consoleSettings(port: number, token?: string): Console {
  return {
    enabled: true,
    address: '127.0.0.1',
    port,
    ...(token ? { token: Secret.of(token) } : {}),
    channels: {
      web: { name: 'web', notification: { disabled: false }, bindings: { sources: [], executors: [] } },
    },
  } as Console;
}

async function bareConsole(port: number, token?: string) {
  const commands: InboundCommand[] = [];
  const bot: ConsoleBot = createConsoleBot({
    id: 'local/console',
    settings: consoleSettings(port, token),
    logger: createTestLogger('silent').logger,
    context: idleAgentContext(),
  });
  await bot.start((c) => commands.push(c));
  return { bot, commands };
}

describe('switchboard chat against an agent', () => {
  let run: ConsoleAgent;
  beforeAll(async () => {
    run = await startConsoleAgent(consoleTestConfig, consoleTestScripts);
  }, 180_000);
  afterAll(() => run?.agent.stop());

  it('runs typed commands, switches channels, prints notifications, edits, files and status', async () => {
    const c = chat('--url', run.url, '--channel', 'ops', '--user', 'ada');
    await c.err(/connected to http:\/\/127\.0\.0\.1:\d+\/ as ada; typing into #ops \(channels: ops, dev\)/);
    c.type('ping');
    await c.out(/\d\d:\d\d:\d\d #ops ada › ping\n/);
    await c.out(/#ops Switchboard:\n {4}pong/);

    c.type('/channel dev');
    await c.out(/typing into #dev/);
    c.type('exec slow');
    await c.out(/#dev ada › exec slow/);
    // Printed when posted (part of the output, marked running), then once more, whole, when the
    // command has finished: the agent marks its last edit, so no pause in the output reprints it.
    const first = await c.out(/#dev Switchboard \(running…\):\n((?: {4}.*\n)+)/);
    expect(first[1]).toContain('tick 1');
    expect(first[1]).not.toContain('tick 6');
    const updated = await c.out(/#dev Switchboard \(updated\):\n((?: {4}.*\n)+)/, 30_000);
    expect(updated[1]).toMatch(/tick 1\n[\s\S]*tick 6\n/);
    expect(c.stdout.match(/\(updated/g)).toHaveLength(1);

    await fetch(`${run.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alert: 'cpu hot on db-2' }),
    });
    await c.out(/#ops Switchboard:\n[\s\S]*cpu hot on db-2/);

    c.type('/channel ops');
    c.type('exec lines 5000');
    const link = await c.out(
      /⤓ output\.txt \(\d+\.\d KiB\): (http:\/\/127\.0\.0\.1:\d+\/files\/\S+)/,
      30_000,
    );
    const download = await fetch(link[1] as string);
    expect((await download.text()).split('\n').filter((l) => l.startsWith('line '))).toHaveLength(5000);

    c.type('/status');
    await c.out(
      /agent: ready\nplugins \(3\):\n(?: {2}sb\/\w+ running, 0 restarts\n){3}platforms \(1\):\n {2}default\/console connected/,
    );
    c.type('//echo starts with a slash');
    await c.out(/ada › \/echo starts with a slash/);
    await c.out(/`\/echo` is not a command here/);
    c.type('/nope');
    await c.out(/! unknown \/nope; \/help lists what the terminal understands/);

    c.child.stdin.end();
    expect(await c.exited).toBe(0);
  }, 120_000);

  it('runs piped input one command at a time, in order, and exits once the last was answered', async () => {
    const c = chat('--url', run.url, '--channel', 'dev', '--history', '0');
    // 30 lines at once: more than the console's burst of 20 and the agent's 2 running per channel.
    const lines = [...Array.from({ length: 28 }, (_, i) => `echo n${i}`), 'echo one', 'echo two'];
    c.child.stdin.end(`${lines.join('\n')}\n`);
    expect(await c.exited).toBe(0);
    expect(c.stdout, c.stdout).not.toContain('too many commands');
    const answers = [...c.stdout.matchAll(/#dev Switchboard:\n {4}(n\d+|one|two)\n/g)].map((m) => m[1]);
    expect(answers, c.stdout).toEqual(lines.map((l) => l.slice('echo '.length)));
    expect(c.stdout).toMatch(/#dev Switchboard:\n {4}two\n/);
  }, 60_000);

  it('prints recent history on connect, limited by --history', async () => {
    const c = chat('--url', run.url, '--history', '1');
    await c.err(/connected to/);
    // The last message of each channel: the output file message in ops, "two" in dev.
    await c.out(/#dev Switchboard:\n {4}two\n/);
    expect(c.stdout).not.toMatch(/ {4}one\n/);
    c.type('/quit');
    expect(await c.exited).toBe(0);
  }, 60_000);

  it('waits for streaming output to finish before exiting on piped input', async () => {
    const c = chat('--url', run.url, '--channel', 'dev', '--history', '0');
    // The output stops for 2.5 s, longer than the second of quiet after which a piped session
    // ends: leaving then would lose the rest.
    c.child.stdin.end('exec pause\n');
    expect(await c.exited).toBe(0);
    expect(c.stdout).toMatch(/#dev Switchboard \(running…\):\n {4}before the pause\n/);
    expect(c.stdout).toMatch(/#dev Switchboard \(updated\):\n {4}before the pause\n {4}after the pause\n/);
  }, 60_000);

  it('refuses an unknown channel, listing the channels (exit 2)', async () => {
    const c = chat('--url', run.url, '--channel', 'nope');
    expect(await c.exited).toBe(2);
    expect(c.stderr).toContain('there is no channel "nope" on this console; its channels are ops, dev');
  }, 60_000);

  it('on piped input, waits for the answer to its command, not an event posted while it runs', async () => {
    const c = chat('--url', run.url, '--channel', 'ops', '--history', '0', '--user', 'bea');
    c.child.stdin.end('exec gate\necho second :x:\n');
    await c.out(/#ops bea › exec gate\n/);
    // An event in the same channel while `exec gate` has not answered: it answers no command.
    await postEvent(run.webhooksUrl, 'notes', {
      title: ':rotating_light: disk',
      note: ':warning: almost full on db-3',
      who: 'monitor',
      items: [],
    });
    // Slack's shortcodes show as emoji, except in code (echo answers with a code block).
    await c.out(/\u{1f6a8} disk[\s\S]*\u26a0\ufe0f almost full on db-3/u);
    await writeFile(join(run.dir, 'gate-open'), '');
    expect(await c.exited).toBe(0);
    const order = [
      '#ops bea › exec gate\n',
      '\u26a0\ufe0f almost full on db-3',
      '    through the gate\n',
      '#ops bea › echo second :x:\n',
      '    second :x:\n',
    ].map((text) => c.stdout.indexOf(text));
    expect(
      order.every((i) => i >= 0),
      c.stdout,
    ).toBe(true);
    expect(order, c.stdout).toEqual([...order].sort((a, b) => a - b));
  }, 60_000);
});

describe('switchboard chat against a bare console', () => {
  it('stops with exit 1 when the token is refused, and uses --token or ?token= in the URL', async () => {
    const { bot, commands } = await bareConsole(0, 'chat-token');
    try {
      const url = bot.url() as string;
      const none = chat('--url', url);
      expect(await none.exited).toBe(1);
      expect(none.stderr).toContain('refused the connection (401)');
      expect(none.stderr).toContain('--token');
      const wrong = chat('--url', url, '--token', 'nope');
      expect(await wrong.exited).toBe(1);
      expect(wrong.stderr).toContain('the access token in the Authorization header is wrong');
      expect(wrong.stderr).not.toContain('chat-token');

      const viaFlag = chat('--url', url, '--token', 'chat-token', '--user', 'a');
      viaFlag.child.stdin.end('first\n');
      const viaUrl = chat('--url', `${url}?token=chat-token`, '--user', 'b');
      viaUrl.child.stdin.end('second\n');
      await waitFor(() => commands.length === 2, 20_000, 'both commands');
      expect(commands.map((c) => `${c.user.displayName}:${c.text}`).sort()).toEqual(['a:first', 'b:second']);
      // A bare console never answers, so neither exits on its own; that is what /quit is for.
      viaFlag.child.kill('SIGTERM');
      viaUrl.child.kill('SIGTERM');
    } finally {
      await bot.stop();
    }
  }, 60_000);

  it('says when the connection drops, retries, and carries on when the console is back', async () => {
    const port = await freePort();
    const first = await bareConsole(port);
    const c = chat('--url', `http://127.0.0.1:${port}/`, '--user', 'ops');
    let second: Awaited<ReturnType<typeof bareConsole>> | undefined;
    try {
      await c.err(/connected to/);
      await first.bot.deliver({
        address: { destinationId: 'local/console', channelId: 'web' },
        message: plaintextMessage('before the restart'),
      });
      await c.out(/before the restart/);
      await first.bot.stop();
      await c.err(/connection to http:\/\/127\.0\.0\.1:\d+\/ lost \(.+\); retrying in \d+\.\d s…/);
      second = await bareConsole(port);
      await c.err(/the agent restarted; messages since:/, 30_000);
      c.type('after the restart');
      await waitFor(() => second?.commands.length === 1, 20_000, 'the command on the new console');
      expect(second.commands[0]?.text).toBe('after the restart');
      expect(c.stdout.match(/before the restart/g)).toHaveLength(1);
      c.type('/quit');
      expect(await c.exited).toBe(0);
    } finally {
      await first.bot.stop();
      await second?.bot.stop();
    }
  }, 120_000);

  it('after a drop, waits for the answer to a command that reached the agent and resends one that did not', async () => {
    for (const reached of [true, false]) {
      const commands: string[] = [];
      // A console that drops the first connection on the first command, before echoing it.
      const server = await scriptedConsole((socket, connection) => {
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as { text: string; ref: string };
          if (connection === 1) {
            if (reached) commands.push(frame.text);
            socket.terminate();
            return;
          }
          commands.push(frame.text);
          socket.send(JSON.stringify({ type: 'message', ref: frame.ref, message: echo('m1') }));
          socket.send(JSON.stringify({ type: 'message', message: answer('m2', 'm1') }));
        });
        // The history of the second connection has the command and its answer when it reached.
        return connection > 1 && reached ? [echo('m1'), answer('m2', 'm1')] : [];
      });
      try {
        const c = chat('--url', server.url, '--user', 'ada', '--history', '0');
        await c.err(/connected to/);
        c.type('ping');
        await c.err(/reconnected/, 30_000);
        c.child.stdin.end();
        expect(await c.exited, c.stderr).toBe(0);
        expect(commands).toEqual(['ping']);
        expect(c.stdout).toMatch(/#ops Switchboard:\n {4}pong\n/);
        expect(c.stderr.includes('did not reach the agent before the connection dropped'), c.stderr).toBe(
          !reached,
        );
      } finally {
        await server.close();
      }
    }
  }, 120_000);

  it('gives up with exit 1 when input has ended and the console cannot be reached', async () => {
    const port = await freePort();
    const c = chat('--url', `http://127.0.0.1:${port}/`);
    c.child.stdin.end('ping\n');
    expect(await c.exited).toBe(1);
    expect(c.stderr).toMatch(/connection to http:\/\/127\.0\.0\.1:\d+\/ failed \(ECONNREFUSED/);
  }, 60_000);
});

const at = '2026-01-01T00:00:00.000Z';
const echo = (id: string) => ({
  id,
  channel: 'ops',
  kind: 'user',
  postedAt: at,
  revision: 0,
  user: 'ada',
  text: 'ping',
  origin: 'typed',
});
const answer = (id: string, replyTo: string) => ({
  id,
  channel: 'ops',
  kind: 'bot',
  postedAt: at,
  revision: 0,
  message: { baseBody: { plaintext: 'pong' } },
  replyTo,
});

/**
 * A console played by the test: every connection gets `hello` (one agent run) and the history
 * `onConnection` returns for channel `ops`; `onConnection` also sees the socket and its number.
 */
async function scriptedConsole(
  onConnection: (socket: WebSocket, connection: number) => unknown[],
): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  wss.on('connection', (socket) => {
    connections += 1;
    const history = onConnection(socket, connections);
    socket.send(
      JSON.stringify({
        type: 'hello',
        protocol: 1,
        session: 'run-1',
        version: 't',
        botName: 'Switchboard',
        mention: '@Switchboard',
        user: 'ada',
        channels: [{ id: 'ops', name: 'ops' }],
        limits: { maxCommandLength: 8192, commandsPerSecond: 10, commandBurst: 20 },
      }),
    );
    socket.send(JSON.stringify({ type: 'history', channel: 'ops', messages: history }));
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
