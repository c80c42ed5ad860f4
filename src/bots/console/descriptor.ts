import { nameMentionPattern } from '../../core/command-text.js';
import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { Console } from './config.js';
import { consoleCapabilities } from './limits.js';

/** The built-in web console (`communications.<group>.console`). */
export const consoleDescriptor: PlatformDescriptor<Console, 'console', 'bot'> = {
  key: 'console',
  kind: 'bot',
  status: { state: 'implemented' },
  slice: Console,
  requiredSecrets: [],
  capabilities: consoleCapabilities,
  mention: nameMentionPattern,
  channelsBy: 'name',
  bindings: { at: 'channels' },
  async load() {
    const { createConsoleBot } = await import('./index.js');
    return {
      create: ({ id, settings, logger, context }) => createConsoleBot({ id, settings, logger, context }),
    };
  },
};
