/**
 * Discord (`communications.<group>.discord`): Botkube's schema (`token`, `botID`, `channels` keyed
 * by alias with `id`, `notification` and `bindings`) loads unchanged. The keys Botkube lacks are
 * optional with defaults that keep Botkube's behaviour: no DMs, no privileged intent.
 */
import { z } from 'zod';
import {
  ChannelById,
  channels,
  directMessages,
  flag,
  httpBaseUrl,
  ignored,
  requireChannelsWhenEnabled,
  requireDirectMessagesChannel,
  requireWhenEnabled,
  secret,
  text,
} from '../../platforms/slice-kit.js';

/** The REST API base without a trailing `/` (discord.js appends `/v10/<route>` to it). */
const apiBaseUrl = httpBaseUrl('the REST API base, e.g. "https://discord.com/api"', (value) =>
  value.replace(/\/+$/, ''),
);

export const Discord = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Run the Discord bot.' }),
    token: secret.prefault('').meta({ description: 'Bot token. Required when enabled.' }),
    botID: text
      .prefault('')
      .meta({ description: 'Application (bot user) ID, used to recognise mentions. Required when enabled.' }),
    channels: channels(ChannelById),
    notification: ignored(
      'Botkube 0.x message format (`type: short` or `long`), which Botkube 1.x ignores too; per-channel `channels.<alias>.notification.disabled` is read.',
    ),
    directMessages: directMessages({
      enabled:
        'Answer commands sent to the bot in a direct message (and `/switchboard` used there). Anyone who shares a server with the bot can write to it, so only enable it with a channel whose executors everyone may run.',
      section: 'Commands in direct messages to the bot (Switchboard addition; off in Botkube).',
    }),
    messageContentIntent: flag.prefault(false).meta({
      description:
        'Ask for the privileged MessageContent intent (enable it for the bot in the Developer Portal first, or Discord closes the connection with 4014). Not needed: mentions, DMs, slash commands and clicks carry their text without it.',
    }),
    slashCommand: flag.prefault(true).meta({
      description: 'Register `/switchboard <command>` in every server the bot is in, at each start.',
    }),
    apiUrl: apiBaseUrl.prefault('https://discord.com/api').meta({
      description:
        'Base URL of the REST API (an egress proxy, or a local emulator in tests); the gateway URL comes from `GET /gateway/bot` on it.',
    }),
  })
  .superRefine((discord, ctx) => {
    requireWhenEnabled(discord, ctx, ['token', 'botID']);
    requireChannelsWhenEnabled(discord, ctx);
    requireDirectMessagesChannel(discord, ctx);
  })
  .meta({ description: 'Discord bot (gateway v10 with discord.js); channels are addressed by ID.' });
export type Discord = z.infer<typeof Discord>;
