/**
 * People in the workspace, scripted by tests: posting in channels and threads, writing to the bot
 * directly, renaming channels. Each action changes the workspace first, then emits the events
 * Slack would send about it.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { emitRename, emitUserMessage } from './message-events.js';
import { richTextBlocks } from './payloads.js';
import type { ChannelRecord } from './store.js';

export interface UserPost {
  user: string;
  channel: string;
  text: string;
  threadTs?: string;
}

export function userMessage(core: EmulatorCore, post: UserPost): { ts: string } {
  const where = 'userMessage';
  const user = core.store.requireUser(post.user, where);
  if (user.isBot) throw new Error(`${where}: ${user.id} is the bot; scripted messages come from people`);
  const channel = core.store.requireChannel(post.channel, where);
  if (channel.kind === 'im' && channel.imUser !== user.id) {
    throw new Error(`${where}: ${channel.id} is the DM of ${channel.imUser}, not ${user.id}`);
  }
  channel.members.add(user.id);
  return { ts: postAsUser(core, channel, user.id, post.text, post.threadTs, where) };
}

export function directMessage(
  core: EmulatorCore,
  post: { user: string; text: string; threadTs?: string },
): { ts: string; channel: string } {
  const where = 'directMessage';
  const user = core.store.requireUser(post.user, where);
  if (user.isBot) throw new Error(`${where}: ${user.id} is the bot; scripted messages come from people`);
  const channel = core.store.openIm(user.id);
  return { ts: postAsUser(core, channel, user.id, post.text, post.threadTs, where), channel: channel.id };
}

export function renameChannel(core: EmulatorCore, id: string, newName: string): void {
  const channel = core.store.renameChannel(id, newName);
  emitRename(core, channel);
}

function postAsUser(
  core: EmulatorCore,
  channel: ChannelRecord,
  userId: string,
  text: string,
  threadTs: string | undefined,
  where: string,
): string {
  if (typeof text !== 'string' || text === '') throw new Error(`${where}: text must be a non-empty string`);
  if (threadTs !== undefined) {
    const parent = core.store.message(channel.id, threadTs);
    if (!parent || parent.ephemeralTo)
      throw new Error(`${where}: no message ${threadTs} in ${channel.id} to reply to`);
    // Replies to a reply land in the parent's thread, as in Slack's client.
    threadTs = parent.threadTs ?? parent.ts;
  }
  const ts = core.ids.ts();
  const message = core.store.addMessage({
    ts,
    channel: channel.id,
    user: userId,
    text,
    blocks: richTextBlocks(text, core.ids.shortId()),
    clientMsgId: randomUUID(),
    ...(threadTs ? { threadTs } : {}),
  });
  emitUserMessage(core, channel, message);
  return ts;
}
