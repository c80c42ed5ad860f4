import { nameMentionPattern } from '../../core/command-text.js';
import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { RocketChat } from './config.js';

/**
 * Rocket.Chat (`communications.<group>.rocketChat`): the config validates, the bot is not built
 * yet. 5,000 characters is Rocket.Chat's default `Message_MaxAllowedSize`.
 */
export const rocketChatDescriptor: PlatformDescriptor<RocketChat, 'rocketChat', 'bot'> = {
  key: 'rocketChat',
  kind: 'bot',
  status: {
    state: 'planned',
    reason: 'Switchboard has no Rocket.Chat bot yet; use socketSlack or console',
  },
  slice: RocketChat,
  requiredSecrets: [],
  capabilities: {
    edit: true,
    files: true,
    threads: true,
    interactive: true,
    maxMessageLength: 5000,
    lengthUnit: 'utf16',
  },
  mention: nameMentionPattern,
  channelsBy: 'name',
  bindings: { at: 'channels' },
};
