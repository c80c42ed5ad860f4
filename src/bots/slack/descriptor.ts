import type { PlatformDescriptor, SettingsProblem } from '../../platforms/descriptor.js';
import { SocketSlack } from './config.js';
import { slackCapabilities } from './limits.js';
import { slackMentionPattern } from './mention.js';

/** Botkube checks these prefixes too: a bot token in the app token field fails far less clearly later. */
const tokenPrefixes = [
  ['botToken', 'xoxb-'],
  ['appToken', 'xapp-'],
] as const;

/** Slack over Socket Mode (`communications.<group>.socketSlack`). */
export const slackDescriptor: PlatformDescriptor<SocketSlack, 'socketSlack', 'bot'> = {
  key: 'socketSlack',
  kind: 'bot',
  status: { state: 'implemented' },
  slice: SocketSlack,
  requiredSecrets: ['botToken', 'appToken'],
  check(settings) {
    const problems: SettingsProblem[] = [];
    for (const [field, prefix] of tokenPrefixes) {
      const token = settings[field];
      if (token.resolved && !token.isEmpty() && !token.reveal().startsWith(prefix)) {
        problems.push({
          field,
          severity: 'error',
          message: `${field} must start with "${prefix}" (see https://api.slack.com/authentication/token-types)`,
        });
      }
    }
    return problems;
  },
  capabilities: slackCapabilities,
  mention: slackMentionPattern,
  channelsBy: 'name-or-id',
  bindings: { at: 'channels' },
  async load() {
    const { createSlackBot } = await import('./index.js');
    return { create: ({ id, settings, logger }) => createSlackBot({ id, settings, logger }) };
  },
};
