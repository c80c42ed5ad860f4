import { describe, expect, it } from 'vitest';
import {
  commandFromInteraction,
  commandFromMessage,
  type DiscordMessageLike,
  type InboundContext,
} from './inbound.js';

const ctx: InboundContext = {
  botId: 'team/discord',
  botUserId: '900000000000000001',
  channels: new Map([['100000000000000001', 'ops']]),
  directChannelRef: '100000000000000001',
};
const ops = '100000000000000001';
const thread = '300000000000000003';
const elsewhere = '200000000000000002';

const message = (channelId: string, guildId: string | null = '400000000000000004'): DiscordMessageLike => ({
  id: '500000000000000005',
  channelId,
  guildId,
  content: `<@${ctx.botUserId}> kubectl get pods`,
  author: { id: '600000000000000006', bot: false, username: 'ada', globalName: 'Ada' },
});

describe('discord inbound: threads', () => {
  it("maps a mention in a thread of a configured channel to that channel's bindings, answered in the thread", () => {
    expect(commandFromMessage(message(thread), ctx, ops)).toMatchObject({
      channel: { id: ops, name: 'ops' },
      replyChannelId: thread,
      url: `https://discord.com/channels/400000000000000004/${thread}/500000000000000005`,
    });
  });

  it('leaves a thread of an unconfigured channel as unconfigured as its parent (no replyChannelId)', () => {
    const command = commandFromMessage(message(thread), ctx, elsewhere);
    expect(command?.channel).toEqual({ id: thread, name: thread });
    expect(command?.replyChannelId).toBeUndefined();
  });

  it('keeps a configured channel as it is, whatever parent is passed', () => {
    const command = commandFromMessage(message(ops), ctx, elsewhere);
    expect(command?.channel).toEqual({ id: ops, name: 'ops' });
    expect(command?.replyChannelId).toBeUndefined();
  });

  it('never treats a DM as a thread', () => {
    const command = commandFromMessage(message('700000000000000007', null), ctx, ops);
    expect(command).toMatchObject({
      channel: { id: ops, name: 'direct message' },
      replyChannelId: '700000000000000007',
    });
  });

  it('maps a click in a thread to the parent, its source message in the thread', () => {
    const command = commandFromInteraction(
      {
        interactionId: '800000000000000008',
        channelId: thread,
        threadParentId: ops,
        guildId: '400000000000000004',
        user: { id: '600000000000000006', displayName: 'Ada' },
        text: 'kubectl logs web',
        origin: 'button',
        sourceMessageId: '500000000000000005',
      },
      ctx,
    );
    expect(command).toMatchObject({
      channel: { id: ops, name: 'ops' },
      replyChannelId: thread,
      threadId: 'ix:800000000000000008',
      sourceMessage: { channelId: thread, messageId: '500000000000000005' },
    });
  });
});
