import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/support/config-from.js';
import { unimplementedPlatforms } from './platform-checks.js';

describe('unimplementedPlatforms', () => {
  it('names every enabled platform Switchboard does not run, by group, and nothing else', () => {
    const config = configFrom(`
communications:
  default:
    console: {enabled: true, channels: {ops: {name: ops}}}
    discord: {enabled: true, token: t, botID: b, channels: {ops: {id: "1"}}}
    mattermost: {enabled: false}
  second:
    rocketChat: {enabled: true, url: "http://rc", userId: u, authToken: t, channels: {ops: {name: ops}}}
    teams: {enabled: true}
    cloudSlack: {enabled: false}
`);
    expect(unimplementedPlatforms(config).map(({ id, platform }) => ({ id, platform }))).toEqual([
      { id: 'default/discord', platform: 'discord' },
      { id: 'second/rocketChat', platform: 'rocketChat' },
      { id: 'second/teams', platform: 'teams' },
    ]);
    expect(unimplementedPlatforms(config)[0]?.reason).toMatch(/no Discord bot/);
  });
});
