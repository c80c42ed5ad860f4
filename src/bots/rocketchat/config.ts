/**
 * Rocket.Chat (`communications.<group>.rocketChat`), a Switchboard platform Botkube never had
 * (kubeshop/botkube#56). The bot itself is not built yet (see descriptor.ts).
 */
import { z } from 'zod';
import { Secret } from '../../core/secret.js';
import {
  ChannelByName,
  channels,
  flag,
  requireChannelsWhenEnabled,
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
