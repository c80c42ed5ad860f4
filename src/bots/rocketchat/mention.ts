import { nameMentionPattern } from '../../core/command-text.js';

/** `@<username>` as a whole word, anywhere; the bot anchors it at the start for commands. */
export function rocketChatMentionPattern(username: string): RegExp {
  return nameMentionPattern(username);
}
