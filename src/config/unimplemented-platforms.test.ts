import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/support/config-from.js';
import { unimplementedPlatforms, unimplementedPlatformWarnings } from './platform-checks.js';

describe('unimplementedPlatforms', () => {
  it('names every enabled platform Switchboard does not run, by group, and nothing else', () => {
    const config = configFrom(`
communications:
  default:
    console: {enabled: true, channels: {ops: {name: ops}}}
    discord: {enabled: true, token: t, botID: b, channels: {ops: {id: "1"}}}
    mattermost: {enabled: true}
  second:
    rocketChat: {enabled: true, url: "http://rc", userId: u, authToken: t, channels: {ops: {name: ops}}}
    teams: {enabled: true}
    cloudSlack: {enabled: false}
`);
    expect(unimplementedPlatforms(config).map(({ id, platform }) => ({ id, platform }))).toEqual([
      { id: 'default/mattermost', platform: 'mattermost' },
      { id: 'second/teams', platform: 'teams' },
    ]);
    expect(unimplementedPlatforms(config)[0]?.reason).toMatch(/no Mattermost bot/);
  });
  it('warns about each in the config, once, at its section', () => {
    const config = configFrom(`
communications:
  default:
    rocketChat: {enabled: true, url: "http://rc", userId: u, authToken: t, channels: {ops: {name: ops}}}
    mattermost: {enabled: true}
    teams: {enabled: true}
`);
    // As loadConfig has it: the x-unsupported section (teams) already warned while preparing.
    const prepared = [
      {
        severity: 'warning' as const,
        code: 'unsupported' as const,
        path: ['communications', 'default', 'teams'],
        message: 'x',
      },
    ];
    expect(unimplementedPlatformWarnings(config, prepared)).toEqual([
      {
        severity: 'warning',
        code: 'unsupported',
        path: ['communications', 'default', 'mattermost'],
        message:
          'enabled, but not run: Switchboard has no Mattermost bot; use socketSlack, discord, rocketChat or console. The rest of the config works without it.',
      },
    ]);
  });
});
