import type { Agent } from '../../src/app/agent.js';
import type { RocketChat } from '../../src/bots/rocketchat/config.js';
import { createRocketChatBot } from '../../src/bots/rocketchat/index.js';
import {
  type EmulatedUser,
  type RocketChatEmulator,
  type StoredMessage,
  startRocketChatEmulator,
} from '../support/rocketchat-emulator/index.js';
import { startConformanceAgent } from './conformance-agent.js';
import type { ChannelRole, DriverSession, PlatformDriver, Reply, UserRole } from './platform-driver.js';

/**
 * Rocket.Chat against the Rocket.Chat emulator: the bot logs in with a personal access token,
 * follows its message stream over DDP and answers over REST; people are emulated users who post
 * and click attachment buttons. `quiet` is a private group, the others are public channels.
 */
export function rocketChatDriver(): PlatformDriver {
  const retryAfterMs = 2000;
  let emu: RocketChatEmulator | undefined;
  let agent: Agent | undefined;
  let bot: EmulatedUser | undefined;
  const rooms = new Map<ChannelRole, string>();
  const users = new Map<UserRole, EmulatedUser>();

  const need = (): RocketChatEmulator => {
    if (!emu) throw new Error('the Rocket.Chat driver has not started');
    return emu;
  };
  const roomId = (role: ChannelRole): string => {
    const id = rooms.get(role);
    if (!id) throw new Error(`no Rocket.Chat room for ${role}`);
    return id;
  };
  const person = (role: UserRole): EmulatedUser => {
    const u = users.get(role);
    if (!u) throw new Error(`no Rocket.Chat user ${role}`);
    return u;
  };
  const render = (text: string, m: StoredMessage) => `${text}\n${JSON.stringify(m.attachments ?? [])}`;

  return {
    name: 'rocketchat',
    capabilities: ['rate-limit'],
    async start(): Promise<DriverSession> {
      const e = await startRocketChatEmulator();
      emu = e;
      const b = e.addUser('switchboard', { roles: ['bot'] });
      bot = b;
      users.set('ada', e.addUser('ada'));
      users.set('bob', e.addUser('bob'));
      const members = [b.id, person('ada').id, person('bob').id];
      rooms.set('ops', e.addRoom('conf-ops', { type: 'c', members }).id);
      rooms.set('quiet', e.addRoom('conf-quiet', { type: 'p', members }).id);
      // The bot is a member, but the agent's config does not name it.
      rooms.set('elsewhere', e.addRoom('conf-elsewhere', { type: 'c', members }).id);
      const run = await startConformanceAgent({
        communications: `  default:
    rocketChat:
      enabled: true
      url: ${e.url}
      userId: ${b.id}
      authToken: ${b.token}
      pingInterval: 2s
      channels:
        ops: {name: conf-ops, bindings: {executors: [tools], sources: []}}
        quiet: {name: conf-quiet, bindings: {executors: [], sources: []}}`,
        createPlatform: (instance, _context, logger) =>
          instance.platform === 'rocketChat'
            ? createRocketChatBot({ id: instance.id, settings: instance.settings as RocketChat, logger })
            : undefined,
      });
      agent = run.agent;
      return {
        operationsUrl: run.operationsUrl,
        platformId: 'default/rocketChat',
        logLines: run.lines,
        secrets: [b.token],
      };
    },
    async stop() {
      await agent?.stop();
      const problems = emu?.violations() ?? [];
      await emu?.close();
      if (problems.length > 0) {
        throw new Error(
          `requests or answers broke Rocket.Chat's API description: ${JSON.stringify(problems)}`,
        );
      }
    },
    async send(channel, text, role = 'ada') {
      need().post(person(role).id, roomId(channel), `@switchboard ${text}`);
    },
    async replies(channel) {
      const e = need();
      const rid = roomId(channel);
      const files = new Map(e.files(rid).map((f) => [f._id, f]));
      return e
        .messages(rid)
        .filter((m) => m.u._id === bot?.id)
        .map((m): Reply => {
          const versions = [...m.history, m.msg].map((text) => render(text, m));
          const file = m.file ? files.get(m.file._id) : undefined;
          return {
            id: m._id,
            text: versions.at(-1) ?? '',
            versions,
            files: file ? [{ name: file.name, read: async () => file.content.toString() }] : [],
          };
        });
    },
    async interact(channel, replyId, control, role) {
      const e = need();
      const message = e.messages(roomId(channel)).find((m) => m._id === replyId);
      if (!message) throw new Error(`no message ${replyId} in ${channel}`);
      if ('button' in control) {
        e.click(person(role).id, replyId, (action) => action.text === control.button);
      } else {
        e.click(
          person(role).id,
          replyId,
          (action, attachment) =>
            attachment.title === control.select && (action.msg ?? '').endsWith(` ${control.value}`),
        );
      }
    },
    credit: (role) => `by @${person(role).username}`,
    async dropConnection() {
      const dropped = need().faults.dropSockets(bot?.id);
      if (dropped === 0) throw new Error('the bot had no realtime connection to drop');
    },
    throttle() {
      const e = need();
      const before = e.stats().rateLimited;
      e.faults.failNext('chat.sendMessage', { status: 429, retryAfterMs });
      return { retryAfterMs, given: () => e.stats().rateLimited - before };
    },
  };
}
