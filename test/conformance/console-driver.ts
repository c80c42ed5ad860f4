import { randomBytes } from 'node:crypto';
import type { Agent } from '../../src/app/agent.js';
import { type ConsoleBot, createConsoleBot } from '../../src/bots/console/index.js';
import { ChatConnection } from '../../src/cli/chat/connection.js';
import type { Console } from '../../src/config/schema.js';
import {
  type ConsoleMessage,
  commandFrame,
  type ServerFrame,
  socketUrl,
} from '../../src/core/console-protocol.js';
import { freePort } from '../support/agent-harness.js';
import { forwardPort, type TcpForward } from '../support/tcp-forward.js';
import { waitFor } from '../support/test-logger.js';
import { startConformanceAgent } from './conformance-agent.js';
import type { ChannelRole, DriverSession, PlatformDriver, Reply, UserRole } from './platform-driver.js';

/** A console user: the terminal client's connection, the frames it got, and what waits for it. */
interface ConsoleUser {
  connection: ChatConnection;
  frames: ServerFrame[];
  /** Commands typed while the connection was down, sent when it is back (as `switchboard chat` does). */
  queued: ReturnType<typeof commandFrame>[];
  lost: number;
}

/**
 * The web console through the terminal client's connection (src/cli/chat/connection.ts), which
 * reconnects on its own. It reaches the console through a TCP forwarder, so that the test can
 * cut the connection from the server's side. The console has a token, for the no-secrets check.
 */
export function consoleDriver(): PlatformDriver {
  const token = `console-${randomBytes(12).toString('hex')}`;
  const users = new Map<UserRole, ConsoleUser>();
  let agent: Agent | undefined;
  let bot: ConsoleBot | undefined;
  let forward: TcpForward | undefined;
  let pageUrl = '';

  const connect = async (role: UserRole): Promise<ConsoleUser> => {
    const existing = users.get(role);
    if (existing) return existing;
    let user: ConsoleUser | undefined;
    const url = new URL(socketUrl(pageUrl));
    url.searchParams.set('user', role);
    const connection = new ChatConnection({
      url: url.href,
      token,
      retry: { initialMs: 200, maxMs: 2000 },
      onFrame: (frame) => user?.frames.push(frame),
      onEvent: (event) => {
        if (!user) return;
        if (event.kind === 'lost') user.lost += 1;
        if (event.kind === 'open') for (const f of user.queued.splice(0)) connection.send(f);
      },
    });
    user = { connection, frames: [], queued: [], lost: 0 };
    users.set(role, user);
    connection.start();
    const u = user;
    await waitFor(() => u.frames.some((f) => f.type === 'status'), 30_000, `${role}'s console welcome`);
    return user;
  };

  return {
    name: 'console',
    capabilities: [],
    async start(): Promise<DriverSession> {
      const run = await startConformanceAgent({
        communications: `  default:
    console:
      enabled: true
      port: 0
      token: ${token}
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: []}}
        quiet: {name: quiet, bindings: {executors: [], sources: []}}`,
        createPlatform: (instance, context, logger) => {
          if (instance.platform !== 'console') return undefined;
          bot = createConsoleBot({
            id: instance.id,
            settings: instance.settings as Console,
            logger,
            context,
          });
          return bot;
        },
      });
      agent = run.agent;
      const direct = bot?.url();
      if (!direct) throw new Error('the console is not listening');
      const port = await freePort();
      forward = await forwardPort(port, Number(new URL(direct).port));
      pageUrl = `http://127.0.0.1:${port}/`;
      await connect('ada');
      return {
        operationsUrl: run.operationsUrl,
        platformId: 'default/console',
        logLines: run.lines,
        secrets: [token],
      };
    },
    async stop() {
      for (const user of users.values()) user.connection.close();
      await agent?.stop();
      await forward?.close();
    },
    async send(channel, text, role = 'ada') {
      const user = await connect(role);
      const frame = commandFrame(channel, text);
      if (!user.connection.send(frame)) user.queued.push(frame);
    },
    async replies(channel) {
      const ada = await connect('ada');
      return botReplies(ada.frames, channel, pageUrl, token);
    },
    async interact(channel, replyId, control, role) {
      const ada = await connect('ada');
      const sections = latest(ada.frames, channel).get(replyId)?.message?.sections ?? [];
      // What the page sends: the control's command, with the control's origin (and the value).
      let frame: ReturnType<typeof commandFrame> | undefined;
      if ('button' in control) {
        const button = sections.flatMap((s) => s.buttons ?? []).find((b) => b.name === control.button);
        if (button?.command) frame = commandFrame(channel, button.command, { origin: 'button' });
      } else {
        const select = sections.flatMap((s) => s.selects?.items ?? []).find((i) => i.name === control.select);
        if (select?.command)
          frame = commandFrame(channel, select.command, { origin: 'select', value: control.value });
      }
      if (!frame) throw new Error(`no ${JSON.stringify(control)} on console message ${replyId}`);
      (await connect(role)).connection.send(frame);
    },
    credit: (role) => `by @${role}`,
    async dropConnection() {
      const ada = await connect('ada');
      const before = ada.lost;
      forward?.dropConnections();
      await waitFor(() => ada.lost > before, 15_000, 'the console client to notice the drop');
    },
  };
}

/** The latest version of every bot message of `channel`, by id, in the order first seen. */
function latest(frames: ServerFrame[], channel: ChannelRole): Map<string, ConsoleMessage> {
  const messages = new Map<string, ConsoleMessage>();
  for (const m of versions(frames, channel)) messages.set(m.id, m);
  return messages;
}

/** Every version of the bot messages of `channel` as received, live or in a reconnect's history. */
function versions(frames: ServerFrame[], channel: ChannelRole): ConsoleMessage[] {
  const all: ConsoleMessage[] = [];
  for (const f of frames) {
    if (f.type === 'message' || f.type === 'edit') all.push(f.message);
    else if (f.type === 'history' && f.channel === channel) all.push(...f.messages);
  }
  return all.filter((m) => m.kind === 'bot' && m.channel === channel);
}

function botReplies(frames: ServerFrame[], channel: ChannelRole, pageUrl: string, token: string): Reply[] {
  const byId = new Map<string, { versions: string[]; last: ConsoleMessage }>();
  for (const m of versions(frames, channel)) {
    const text = JSON.stringify(m.message ?? m.text ?? '');
    const entry = byId.get(m.id);
    if (!entry) byId.set(m.id, { versions: [text], last: m });
    else {
      // A reconnect's history repeats versions already seen.
      if (entry.versions.at(-1) !== text) entry.versions.push(text);
      entry.last = m;
    }
  }
  return [...byId].map(([id, { versions: texts, last }]) => ({
    id,
    text: texts.at(-1) ?? '',
    versions: texts,
    files: (last.files ?? []).map((f) => ({
      name: f.name,
      read: async () => {
        const response = await fetch(new URL(f.url, pageUrl), {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!response.ok) throw new Error(`console download ${f.url}: HTTP ${response.status}`);
        return response.text();
      },
    })),
  }));
}
