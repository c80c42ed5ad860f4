/**
 * Slack events and clicks as InboundCommands. The channel is reported as the agent knows it:
 * the configured reference (name or ID as written in config) for configured channels, so
 * bindings apply without any API call; a direct message runs with the bindings of the channel
 * `directMessages.channel` names and is answered in the DM. Replies go to the thread the command
 * came from.
 */
import { decodeSlackEntities } from '../../core/command-text.js';
import type { CommandOrigin, InboundCommand } from '../../core/inbound-command.js';
import type { ChannelDirectory } from './channel-directory.js';
import type { UserDirectory } from './user-directory.js';

export interface InboundContext {
  /** The destination ID (`<group>/socketSlack`). */
  botId: string;
  channels: ChannelDirectory;
  users: UserDirectory;
  /** `https://<workspace>.slack.com/` from auth.test, for message links. */
  workspaceUrl?: string;
  /** The configured reference whose bindings direct messages use; undefined when DMs are off. */
  directChannelRef?: string;
}

/** The fields of a Slack `app_mention` / `message` event the mapping reads. */
export interface SlackMessageEvent {
  channel: string;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel_type?: string;
  subtype?: string;
}

/** Where a conversation's commands are bound and answered; undefined for a DM when DMs are off. */
function conversation(
  channelId: string,
  direct: boolean,
  ctx: InboundContext,
): Pick<InboundCommand, 'channel' | 'replyChannelId'> | undefined {
  const ref = ctx.channels.configuredRef(channelId);
  if (ref !== undefined) return { channel: { id: ref, name: ctx.channels.nameOf(channelId) ?? ref } };
  if (direct) {
    if (ctx.directChannelRef === undefined) return undefined;
    return { channel: { id: ctx.directChannelRef, name: 'direct message' }, replyChannelId: channelId };
  }
  return { channel: { id: channelId, name: ctx.channels.nameOf(channelId) ?? channelId } };
}

async function build(
  ctx: InboundContext,
  options: { channelId: string; direct: boolean; userId: string; text: string; origin: CommandOrigin },
  extra: Pick<InboundCommand, 'threadId' | 'url' | 'interactionState' | 'sourceMessage' | 'modalTrigger'>,
): Promise<InboundCommand | undefined> {
  const where = conversation(options.channelId, options.direct, ctx);
  if (!where) return undefined;
  const displayName = await ctx.users.displayName(options.userId);
  return {
    botId: ctx.botId,
    ...where,
    user: { id: options.userId, mention: `<@${options.userId}>`, displayName },
    text: options.text,
    origin: options.origin,
    ...extra,
  };
}

/**
 * A message addressed to the bot: an `app_mention` in a channel (or a thread), or a `message` in
 * a DM. Slack escapes `&`, `<` and `>` in what people type; the command gets them back.
 */
export function commandFromMessage(
  event: SlackMessageEvent,
  ctx: InboundContext,
): Promise<InboundCommand | undefined> {
  if (!event.user || event.subtype) return Promise.resolve(undefined);
  const direct = event.channel_type === 'im';
  return build(
    ctx,
    {
      channelId: event.channel,
      direct,
      userId: event.user,
      text: decodeSlackEntities(event.text ?? ''),
      origin: 'typed',
    },
    {
      ...(event.thread_ts ? { threadId: event.thread_ts } : {}),
      ...(ctx.workspaceUrl
        ? { url: permalink(ctx.workspaceUrl, event.channel, event.ts, event.thread_ts) }
        : {}),
    },
  );
}

/** A click or selection, already mapped to its command text (interaction.ts). */
export function commandFromInteraction(
  interaction: {
    channelId: string;
    userId: string;
    text: string;
    origin: CommandOrigin;
    /** The thread of the message the element was in, if it was in one. */
    threadTs?: string;
    state?: Uint8Array;
    /** The message the element was in, when an answer may replace it (not an ephemeral one). */
    messageTs?: string;
    /** The click's trigger_id and arrival time: a form answer may open as a modal with it. */
    modalTrigger?: { id: string; receivedAt: number };
  },
  ctx: InboundContext,
): Promise<InboundCommand | undefined> {
  return build(
    ctx,
    {
      channelId: interaction.channelId,
      direct: interaction.channelId.startsWith('D'),
      userId: interaction.userId,
      text: interaction.text,
      origin: interaction.origin,
    },
    {
      ...(interaction.threadTs ? { threadId: interaction.threadTs } : {}),
      ...(interaction.state ? { interactionState: interaction.state } : {}),
      ...(interaction.messageTs
        ? { sourceMessage: { channelId: interaction.channelId, messageId: interaction.messageTs } }
        : {}),
      ...(interaction.modalTrigger ? { modalTrigger: interaction.modalTrigger } : {}),
    },
  );
}

/**
 * A message link built from the workspace URL, as Slack's permalinks look, without calling
 * `chat.getPermalink` per message.
 */
export function permalink(workspaceUrl: string, channel: string, ts: string, threadTs?: string): string {
  const base = workspaceUrl.endsWith('/') ? workspaceUrl : `${workspaceUrl}/`;
  const link = `${base}archives/${channel}/p${ts.replace('.', '')}`;
  return threadTs && threadTs !== ts ? `${link}?thread_ts=${threadTs}&cid=${channel}` : link;
}
