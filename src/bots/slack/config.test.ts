import { describe, expect, it } from 'vitest';
import { SocketSlack } from './config.js';

const base = {
  enabled: true,
  botToken: 'xoxb-1',
  appToken: 'xapp-1',
  channels: { ops: { name: 'prod-ops' } },
};

const issues = (input: unknown) => {
  const result = SocketSlack.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('socketSlack config', () => {
  it('defaults to the public Web API with a bounded retry policy and DMs off', () => {
    const slack = SocketSlack.parse(base);
    expect(slack.apiUrl).toBe('https://slack.com/api/');
    expect(slack.apiRetries).toBe(2);
    expect(slack.apiTimeout.ms).toBe(30_000);
    expect(slack.pingTimeout.ms).toBe(5000);
    expect(slack.directMessages).toEqual({ enabled: false, channel: '' });
  });

  it('takes another API base (GovSlack, a proxy) and adds the trailing slash web-api needs', () => {
    expect(SocketSlack.parse({ ...base, apiUrl: 'https://slack-gov.com/api' }).apiUrl).toBe(
      'https://slack-gov.com/api/',
    );
    expect(issues({ ...base, apiUrl: 'slack.com/api' })).toEqual([
      'apiUrl: "slack.com/api" is not a URL; expected the Web API base, e.g. "https://slack.com/api/"',
    ]);
    expect(issues({ ...base, apiUrl: 'ftp://slack.com/api/' })).toEqual([
      'apiUrl: "ftp://slack.com/api/" must use http or https',
    ]);
  });

  it('bounds the retries', () => {
    expect(issues({ ...base, apiRetries: 11 })).toEqual(['apiRetries: must be at most 10']);
    expect(issues({ ...base, apiRetries: -1 })).toEqual(['apiRetries: must be at least 0']);
  });

  it('needs a channel alias for direct messages', () => {
    expect(issues({ ...base, directMessages: { enabled: true } })).toEqual([
      'directMessages.channel: directMessages.channel is required when direct messages are enabled; expected one of the channel aliases',
    ]);
    expect(issues({ ...base, directMessages: { enabled: true, channel: 'prod-ops' } })).toEqual([
      'directMessages.channel: "prod-ops" is not a channel alias; expected one of: ops',
    ]);
    expect(issues({ ...base, directMessages: { enabled: true, channel: 'ops' } })).toEqual([]);
  });
});
