import { describe, expect, it } from 'vitest';
import { cleanCommandText } from '../../core/command-text.js';
import { slackMentionPattern } from './mention.js';

describe('slackMentionPattern', () => {
  it('strips a leading Slack mention, in either form and any case', () => {
    const mention = slackMentionPattern('U0BOT');
    expect(cleanCommandText('<@U0BOT> kubectl get pods', { mention })).toEqual({
      text: 'kubectl get pods',
      mentioned: true,
    });
    expect(cleanCommandText('  <@u0bot|switchboard>   ping', { mention }).text).toBe('ping');
    expect(cleanCommandText('<@U0OTHER> ping', { mention }).mentioned).toBe(false);
  });

  it('treats regex characters in the user ID literally', () => {
    expect(cleanCommandText('<@U+1> ping', { mention: slackMentionPattern('U+1') }).text).toBe('ping');
    expect(cleanCommandText('<@UU1> ping', { mention: slackMentionPattern('U+1') }).mentioned).toBe(false);
  });
});
