/**
 * Rocket.Chat (`communications.<group>.rocketChat`), a Switchboard platform Botkube never had
 * (kubeshop/botkube#56): one block is one bot user; several groups run several bots side by side.
 */
import { z } from 'zod';
import { Secret } from '../../core/secret.js';
import {
  ChannelByName,
  channels,
  directMessages,
  duration,
  flag,
  requireChannelsWhenEnabled,
  requireDirectMessagesChannel,
  secret,
  text,
} from '../../platforms/slice-kit.js';

function isSet(value: string | Secret | undefined): boolean {
  if (value === undefined) return false;
  return value instanceof Secret ? !value.isEmpty() : value !== '';
}

export const RocketChat = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Run the Rocket.Chat bot.' }),
    url: text
      .prefault('')
      .meta({ description: 'Server base URL including the scheme, e.g. `https://chat.example.com`.' }),
    userId: text
      .optional()
      .meta({ description: 'User ID of the bot account, for token login (with `authToken`).' }),
    authToken: secret
      .optional()
      .meta({ description: 'Personal access token or login token of the bot account (with `userId`).' }),
    username: text
      .optional()
      .meta({ description: 'Bot account name, for password login (with `password`).' }),
    password: secret.optional().meta({ description: 'Bot account password (with `username`).' }),
    channels: channels(ChannelByName),
    directMessages: directMessages({
      enabled:
        'Answer commands written to the bot in a direct message (plain text, no mention needed). Anyone on the server can write to the bot, so only enable it with a channel whose executors everyone may run.',
      section: 'Commands in direct messages to the bot.',
    }),
    tls: z
      .strictObject({
        caFile: text.prefault('').meta({
          description:
            'PEM file of the certificate authorities to trust for a self-hosted server, in addition to the system ones.',
        }),
      })
      .prefault({})
      .meta({ description: 'TLS settings for `https://` and `wss://` connections to the server.' }),
    requestTimeout: duration({ min: 1000 }).prefault('30s').meta({
      description: 'How long one REST request or realtime method call may take before it is abandoned.',
    }),
    pingInterval: duration({ min: 500 }).prefault('15s').meta({
      description:
        'The bot pings the realtime connection after this much silence and reconnects when the ping goes unanswered for as long again.',
    }),
  })
  .superRefine((chat, ctx) => {
    if (!chat.enabled) return;
    requireChannelsWhenEnabled(chat, ctx);
    if (chat.url === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'url is required when the platform is enabled',
        params: { code: 'missing' },
      });
    }
    requireDirectMessagesChannel(chat, ctx);
    if (chat.url !== '' && !/^https?:\/\/[^/]/.test(chat.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `"${chat.url}" is not an http:// or https:// URL`,
        params: { code: 'invalid' },
      });
    }
    const token = isSet(chat.userId) && isSet(chat.authToken);
    const login = isSet(chat.username) && isSet(chat.password);
    if (!token && !login) {
      ctx.addIssue({
        code: 'custom',
        message: 'set userId + authToken (token login) or username + password (password login)',
        params: { code: 'missing' },
      });
    }
  })
  .meta({ description: 'Rocket.Chat bot (DDP realtime API + REST); channels are addressed by name.' });
export type RocketChat = z.infer<typeof RocketChat>;
