import type { Agent } from '../../src/app/agent.js';
import { createSlackBot } from '../../src/bots/slack/index.js';
import type { SocketSlack } from '../../src/config/schema.js';
import { type SlackEmulator, startSlackEmulator } from '../support/slack-emulator/index.js';
import { startConformanceAgent } from './conformance-agent.js';
import type { ChannelRole, DriverSession, PlatformDriver, Reply, UserRole } from './platform-driver.js';

/**
 * Slack in Socket Mode against the Slack emulator, with the platform's default settings (retries
 * included): the unchanged bolt client talks to it over loopback, people are its scripted users.
 */
export function slackDriver(): PlatformDriver {
  // Long enough that a retry which ignored it would be seen to come early.
  const retryAfterSeconds = 2;
  let emu: SlackEmulator | undefined;
  let agent: Agent | undefined;
  const channels = new Map<ChannelRole, string>();
  const users = new Map<UserRole, string>();

  const need = (): SlackEmulator => {
    if (!emu) throw new Error('the Slack driver has not started');
    return emu;
  };
  const channelId = (role: ChannelRole): string => {
    const id = channels.get(role);
    if (!id) throw new Error(`no Slack channel for ${role}`);
    return id;
  };
  const userId = (role: UserRole): string => {
    const id = users.get(role);
    if (!id) throw new Error(`no Slack user ${role}`);
    return id;
  };

  return {
    name: 'slack',
    capabilities: ['rate-limit'],
    async start(): Promise<DriverSession> {
      // A generous budget: the rate-limit scenario injects its 429 where it wants one.
      const e = await startSlackEmulator({
        rateLimit: { ratePerSecond: 50, burst: 50 },
        retryAfterSeconds,
        serverPingIntervalMs: 0,
      });
      emu = e;
      channels.set('ops', e.addChannel('conf-ops').id);
      channels.set('quiet', e.addChannel('conf-quiet').id);
      // The bot is a member, but the agent's config does not name it.
      channels.set('elsewhere', e.addChannel('conf-elsewhere').id);
      users.set('ada', e.addUser('ada').id);
      users.set('bob', e.addUser('bob').id);
      const run = await startConformanceAgent({
        communications: `  default:
    socketSlack:
      enabled: true
      botToken: ${e.botToken}
      appToken: ${e.appToken}
      apiUrl: ${e.apiUrl}
      # socket-mode drops a link whose last pong is older than this; shorter broke on loaded machines.
      pingTimeout: 5s
      channels:
        ops: {name: conf-ops, bindings: {executors: [tools], sources: []}}
        quiet: {name: conf-quiet, bindings: {executors: [], sources: []}}`,
        createPlatform: (instance, _context, logger) =>
          instance.platform === 'socketSlack'
            ? createSlackBot({ id: instance.id, settings: instance.settings as SocketSlack, logger })
            : undefined,
      });
      agent = run.agent;
      return {
        operationsUrl: run.operationsUrl,
        platformId: 'default/socketSlack',
        logLines: run.lines,
        secrets: [e.botToken, e.appToken],
      };
    },
    async stop() {
      await agent?.stop();
      await emu?.close();
    },
    async send(channel, text, role = 'ada') {
      const e = need();
      await e.userMessage({
        user: userId(role),
        channel: channelId(channel),
        text: `<@${e.botUserId}> ${text}`,
      });
    },
    async replies(channel) {
      const e = need();
      const id = channelId(channel);
      const messages = e.messages(id).map((m): Reply => {
        const render = (blocks: unknown, text: string | undefined) =>
          `${text ?? ''}\n${JSON.stringify(blocks ?? [])}`;
        const versions = [...m.history.map((h) => render(h.blocks, h.text)), render(m.blocks, m.text)];
        return { id: m.ts, text: versions.at(-1) ?? '', versions, files: [] };
      });
      // An upload is a message of its own on Slack: its comment, and the file.
      const files = e.files(id).map((f): Reply => {
        const text = f.initial_comment ?? '';
        return {
          id: f.id,
          text,
          versions: [text],
          files: [{ name: f.filename, read: async () => f.content.toString() }],
        };
      });
      return [...messages, ...files];
    },
    async interact(channel, replyId, control, role) {
      const target = { user: userId(role), channel: channelId(channel), messageTs: replyId };
      if ('button' in control) await need().clickButton({ ...target, text: control.button });
      else await need().selectOption({ ...target, values: [control.value] });
    },
    credit: (role) => `by <@${userId(role)}>`,
    async dropConnection() {
      // Synchronous: the live socket is gone when this returns, and envelopes queue until the
      // client is back.
      need().faults.dropSocket();
    },
    throttle() {
      const e = need();
      const before = e.stats().rateLimited;
      e.faults.failNext('chat.postMessage', 429);
      return { retryAfterMs: retryAfterSeconds * 1000, given: () => e.stats().rateLimited - before };
    },
  };
}
