/**
 * Discord (`communications.<group>.discord`), Botkube's schema. The bot itself is not built yet
 * (see descriptor.ts); the slice validates so Botkube configs load unchanged.
 */
import { z } from 'zod';
import {
  ChannelById,
  channels,
  flag,
  ignored,
  requireChannelsWhenEnabled,
  requireWhenEnabled,
  secret,
  text,
} from '../../platforms/slice-kit.js';

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
  })
  .superRefine((discord, ctx) => {
    requireWhenEnabled(discord, ctx, ['token', 'botID']);
    requireChannelsWhenEnabled(discord, ctx);
  })
  .meta({ description: 'Discord bot (gateway v10); channels are addressed by ID.' });
export type Discord = z.infer<typeof Discord>;
