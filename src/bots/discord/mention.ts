import { escapeRegExp } from '../../core/command-text.js';

/** Matches a Discord user mention of `userId`: `<@123>` or the older nickname form `<@!123>`. */
export function discordMentionPattern(userId: string): RegExp {
  return new RegExp(`<@!?${escapeRegExp(userId)}>`);
}
