/**
 * Slack in Socket Mode (`communications.<group>.socketSlack`), Botkube's schema plus nothing.
 * This slice lives in config/ until src/bots/slack/ exists; it moves there (as config.ts)
 * with the bot, and the root schema keeps composing it.
 */
import { z } from 'zod';
import {
  BotBindings,
  ChannelNotification,
  channels,
  flag,
  requireChannelsWhenEnabled,
  requireWhenEnabled,
  secret,
  text,
  textList,
} from './common.js';

/** A Socket Slack message trigger: runs a command on plain channel messages, no mention needed. */
export const MessageTrigger = z.strictObject({
  event: z
    .enum(['ChannelMessage'], { error: 'expected "ChannelMessage"' })
    .prefault('ChannelMessage')
    .meta({ description: 'The event that fires the trigger; only `ChannelMessage` exists.' }),
  text: z
    .strictObject({
      include: textList.meta({ description: 'Regular expressions; the message must match one of them.' }),
      exclude: textList.meta({ description: 'Regular expressions; a message matching one is skipped.' }),
    })
    .prefault({})
    .meta({ description: 'Which message texts fire the trigger.' }),
  users: z
    .strictObject({
      exclude: textList.meta({ description: 'Slack user IDs whose messages never fire the trigger.' }),
    })
    .prefault({}),
  command: text.meta({ description: 'The command to run, as if typed after the bot mention.' }),
  executors: textList.meta({ description: 'Executor groups (keys of `executors`) the command may use.' }),
  processedEmojiIndicator: text
    .optional()
    .meta({ description: 'Emoji name added to the message once the command has run.' }),
});
export type MessageTrigger = z.infer<typeof MessageTrigger>;

/** A Socket Slack channel: addressed by name, with optional message triggers. */
export const SlackChannel = z.strictObject({
  name: text.meta({ description: 'Channel name, without the leading `#`.' }),
  notification: ChannelNotification,
  bindings: BotBindings,
  messageTriggers: z
    .array(MessageTrigger)
    .prefault([])
    .meta({ description: 'Commands run on plain channel messages matching a pattern (no mention needed).' }),
});
export type SlackChannel = z.infer<typeof SlackChannel>;

export const SocketSlack = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Run the Slack bot.' }),
    botToken: secret
      .prefault('')
      .meta({ description: 'Bot user OAuth token (`xoxb-...`). Required when enabled.' }),
    appToken: secret
      .prefault('')
      .meta({ description: 'App-level token with `connections:write` (`xapp-...`). Required when enabled.' }),
    channels: channels(SlackChannel),
  })
  .superRefine((slack, ctx) => {
    requireWhenEnabled(slack, ctx, ['botToken', 'appToken']);
    requireChannelsWhenEnabled(slack, ctx);
  })
  .meta({ description: 'Slack bot over Socket Mode (interactive: buttons, selects, modals).' });
export type SocketSlack = z.infer<typeof SocketSlack>;
