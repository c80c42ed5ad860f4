import { escapeRegExp } from '../../core/command-text.js';

/**
 * Matches a Slack user mention of `userId`: `<@U123>`, or the legacy `<@U123|name>`.
 * Case-insensitive.
 */
export function slackMentionPattern(userId: string): RegExp {
  return new RegExp(`<@${escapeRegExp(userId)}(?:\\|[^>]*)?>`, 'i');
}
