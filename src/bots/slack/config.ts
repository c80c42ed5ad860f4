/**
 * Slack in Socket Mode (`communications.<group>.socketSlack`): Botkube's keys, plus the Web API
 * base URL (GovSlack, Enterprise proxies, tests), an explicit retry policy for Web API calls,
 * the Socket Mode ping timeout and opt-in direct messages.
 */
import { z } from 'zod';
import {
  BotBindings,
  ChannelNotification,
  channels,
  directMessages,
  duration,
  flag,
  httpBaseUrl,
  ignored,
  integer,
  requireChannelsWhenEnabled,
  requireDirectMessagesChannel,
  requireWhenEnabled,
  secret,
  text,
  textList,
} from '../../platforms/slice-kit.js';

/** The Web API base, returned with exactly one trailing `/` (web-api appends method names to it). */
const apiBaseUrl = httpBaseUrl('the Web API base, e.g. "https://slack.com/api/"', (value) =>
  value.endsWith('/') ? value : `${value}/`,
);

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

/** A Socket Slack channel: addressed by name or ID, with optional message triggers. */
export const SlackChannel = z.strictObject({
  name: text.meta({
    description:
      'Channel name without the leading `#` (`prod-ops`), or its ID (`C0123ABCD`). Names are resolved to IDs once at start; an unknown name stops the bot with an error.',
  }),
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
    notification: ignored(
      'Botkube 0.x message format (`type: short` or `long`), which Botkube 1.x ignores too; per-channel `channels.<alias>.notification.disabled` is read.',
    ),
    directMessages: directMessages({
      enabled:
        'Answer commands sent to the bot in a direct message. Anyone in the workspace can write to the bot, so only enable it with a channel whose executors everyone may run.',
      section: 'Commands in direct messages to the bot (needs the `im:history` scope).',
    }),
    apiUrl: apiBaseUrl.prefault('https://slack.com/api/').meta({
      description:
        'Base URL of the Slack Web API. Change it for GovSlack (`https://slack-gov.com/api/`) or an egress proxy; the Socket Mode URL comes from this API.',
    }),
    apiRetries: integer({ min: 0, max: 10 }).prefault(2).meta({
      description:
        'Retries of a Web API call other than a delivery (sign-in check, channel and user look-ups) after a network error or HTTP 5xx (backoff from 1 s, at most 10 s). Posts, edits and uploads are retried only by the delivery pipeline, so a post that reached Slack but timed out is not sent again underneath it; rate limits (HTTP 429) go to the pipeline, which waits for `Retry-After`.',
    }),
    apiTimeout: duration({ min: 1000 })
      .prefault('30s')
      .meta({ description: 'How long one Web API request may take before it is abandoned.' }),
    pingTimeout: duration({ min: 500 }).prefault('5s').meta({
      description:
        'A Socket Mode connection that leaves pings unanswered this long is reopened; reconnect attempts wait this long times the number of consecutive failures.',
    }),
  })
  .superRefine((slack, ctx) => {
    requireWhenEnabled(slack, ctx, ['botToken', 'appToken']);
    requireChannelsWhenEnabled(slack, ctx);
    requireDirectMessagesChannel(slack, ctx);
  })
  .meta({ description: 'Slack bot over Socket Mode (interactive: buttons, selects, modals).' });
export type SocketSlack = z.infer<typeof SocketSlack>;
