import { describe, expect, it } from 'vitest';
import { cleanCommandText } from '../../core/command-text.js';
import { discordMentionPattern } from './mention.js';

describe('discordMentionPattern', () => {
  it('strips a Discord mention with or without the nickname mark', () => {
    const mention = discordMentionPattern('900000000000000001');
    expect(cleanCommandText('<@900000000000000001> ping', { mention }).text).toBe('ping');
    expect(cleanCommandText('<@!900000000000000001> ping', { mention }).text).toBe('ping');
    expect(cleanCommandText('<@900000000000000002> ping', { mention }).mentioned).toBe(false);
  });
});
