import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { RocketChat } from './config.js';
import { rocketChatCapabilities } from './limits.js';
import { rocketChatMentionPattern } from './mention.js';

/**
 * Rocket.Chat (`communications.<group>.rocketChat`): a bot user over the realtime API (DDP) and
 * REST v1. Secrets are checked by the slice: either `userId` + `authToken` or `username` +
 * `password` is required, so neither pair is listed in `requiredSecrets`.
 */
export const rocketChatDescriptor: PlatformDescriptor<RocketChat, 'rocketChat', 'bot'> = {
  key: 'rocketChat',
  kind: 'bot',
  status: { state: 'implemented' },
  slice: RocketChat,
  requiredSecrets: [],
  capabilities: rocketChatCapabilities,
  mention: rocketChatMentionPattern,
  channelsBy: 'name',
  bindings: { at: 'channels' },
  async load() {
    const { createRocketChatBot } = await import('./index.js');
    return { create: ({ id, settings, logger }) => createRocketChatBot({ id, settings, logger }) };
  },
};
