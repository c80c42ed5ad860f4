import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { Discord } from './config.js';
import { discordMentionPattern } from './mention.js';

/**
 * Discord (`communications.<group>.discord`): the config validates, the bot is not built yet.
 * Its limits are the documented ones: 2,000 characters of `content` (Botkube uploaded a file
 * from 2,000 on), edits, threads, buttons and selects, attachments.
 */
export const discordDescriptor: PlatformDescriptor<Discord, 'discord', 'bot'> = {
  key: 'discord',
  kind: 'bot',
  status: {
    state: 'planned',
    reason: 'Switchboard has no Discord bot yet; use socketSlack or console',
  },
  slice: Discord,
  requiredSecrets: ['token'],
  capabilities: {
    edit: true,
    files: true,
    threads: true,
    interactive: true,
    maxMessageLength: 2000,
    lengthUnit: 'utf16',
  },
  mention: discordMentionPattern,
  channelsBy: 'id',
  bindings: { at: 'channels' },
};
