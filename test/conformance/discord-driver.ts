import type { Agent } from '../../src/app/agent.js';
import type { Discord } from '../../src/bots/discord/config.js';
import { createDiscordBot } from '../../src/bots/discord/index.js';
import {
  type DiscordEmulator,
  type EmuMessage,
  startDiscordEmulator,
} from '../support/discord-emulator/index.js';
import { startConformanceAgent } from './conformance-agent.js';
import type { ChannelRole, DriverSession, PlatformDriver, Reply, UserRole } from './platform-driver.js';

/** A message as searchable text: its content, embeds and components, as a member sees them. */
function visible(version: Pick<EmuMessage, 'content' | 'embeds' | 'components'>): string {
  return `${version.content}\n${JSON.stringify(version.embeds)}\n${JSON.stringify(version.components)}`;
}

/**
 * Discord against the Discord emulator: the unchanged discord.js client talks REST and gateway to
 * it over loopback, people are its scripted users, commands are typed after the bot's mention.
 */
export function discordDriver(): PlatformDriver {
  // Long enough that a retry which ignored it would be seen to come early.
  const retryAfterSeconds = 2;
  let emu: DiscordEmulator | undefined;
  let agent: Agent | undefined;
  const channels = new Map<ChannelRole, string>();
  const users = new Map<UserRole, string>();

  const need = (): DiscordEmulator => {
    if (!emu) throw new Error('the Discord driver has not started');
    return emu;
  };
  const channelId = (role: ChannelRole): string => {
    const id = channels.get(role);
    if (!id) throw new Error(`no Discord channel for ${role}`);
    return id;
  };
  const userId = (role: UserRole): string => {
    const id = users.get(role);
    if (!id) throw new Error(`no Discord user ${role}`);
    return id;
  };

  return {
    name: 'discord',
    capabilities: ['rate-limit'],
    async start(): Promise<DriverSession> {
      const e = await startDiscordEmulator();
      emu = e;
      channels.set('ops', e.addChannel('conf-ops').id);
      channels.set('quiet', e.addChannel('conf-quiet').id);
      // The bot sees it, but the agent's config does not name it.
      channels.set('elsewhere', e.addChannel('conf-elsewhere').id);
      users.set('ada', e.addUser('ada').id);
      users.set('bob', e.addUser('bob').id);
      const run = await startConformanceAgent({
        communications: `  default:
    discord:
      enabled: true
      token: ${e.token}
      botID: "${e.botUserId}"
      apiUrl: ${e.apiUrl}
      channels:
        ops: {id: "${channelId('ops')}", bindings: {executors: [tools], sources: []}}
        quiet: {id: "${channelId('quiet')}", bindings: {executors: [], sources: []}}`,
        createPlatform: (instance, _context, logger) =>
          instance.platform === 'discord'
            ? createDiscordBot({ id: instance.id, settings: instance.settings as Discord, logger })
            : undefined,
      });
      agent = run.agent;
      return {
        operationsUrl: run.operationsUrl,
        platformId: 'default/discord',
        logLines: run.lines,
        secrets: [e.token],
      };
    },
    async stop() {
      await agent?.stop();
      const violations = emu?.specViolations() ?? [];
      await emu?.close();
      // The scenarios cannot see the wire; a request real Discord would reject fails the suite here.
      if (violations.length > 0) {
        throw new Error(
          `requests or responses outside Discord's API description: ${JSON.stringify(violations)}`,
        );
      }
    },
    async send(channel, text, role = 'ada') {
      const e = need();
      e.userMessage({
        user: userId(role),
        channel: channelId(channel),
        content: `<@${e.botUserId}> ${text}`,
      });
    },
    async replies(channel) {
      return need()
        .messages(channelId(channel))
        .map((m): Reply => {
          const versions = [...m.history.map(visible), visible(m)];
          return {
            id: m.id,
            text: versions.at(-1) ?? '',
            versions,
            files: m.attachments.map((a) => ({ name: a.filename, read: async () => a.content.toString() })),
          };
        });
    },
    async interact(_channel, replyId, control, role) {
      const e = need();
      if ('button' in control)
        e.clickButton({ user: userId(role), messageId: replyId, label: control.button });
      else
        e.selectOption({
          user: userId(role),
          messageId: replyId,
          placeholder: control.select,
          values: [control.value],
        });
    },
    credit: (role) => `by <@${userId(role)}>`,
    async dropConnection() {
      // Synchronous: the socket is gone when this returns; dispatches wait for the RESUME.
      need().faults.dropSocket();
    },
    throttle() {
      const e = need();
      const before = e.stats().rateLimited;
      e.faults.failNext('POST /channels/{channel_id}/messages', 429, retryAfterSeconds);
      return { retryAfterMs: retryAfterSeconds * 1000, given: () => e.stats().rateLimited - before };
    },
  };
}
