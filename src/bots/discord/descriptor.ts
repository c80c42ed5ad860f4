import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { Discord } from './config.js';
import { discordCapabilities } from './limits.js';
import { discordMentionPattern } from './mention.js';

/**
 * Discord (`communications.<group>.discord`), Botkube's config unchanged. Its limits are the
 * documented ones: 2,000 characters of `content` (Botkube uploaded a file from 2,000 on), edits,
 * buttons and selects, attachments.
 */
export const discordDescriptor: PlatformDescriptor<Discord, 'discord', 'bot'> = {
  key: 'discord',
  kind: 'bot',
  status: { state: 'implemented' },
  slice: Discord,
  requiredSecrets: ['token'],
  capabilities: discordCapabilities,
  mention: discordMentionPattern,
  channelsBy: 'id',
  bindings: { at: 'channels' },
  async load() {
    const { createDiscordBot } = await import('./index.js');
    return { create: ({ id, settings, logger }) => createDiscordBot({ id, settings, logger }) };
  },
};
