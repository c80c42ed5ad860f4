import { describe, expect, it } from 'vitest';
import { checkPlatforms } from './platform-checks.js';
import { Config } from './schema.js';

const issues = (raw: unknown) =>
  Config.safeParse(raw).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
const conflicts = (raw: unknown) =>
  checkPlatforms(Config.parse(raw))
    .filter((i) => i.code === 'conflict')
    .map((i) => `${i.path.join('.')}: ${i.message}`);

describe('listener addresses', () => {
  it('default to loopback for the health, metrics and incoming webhook servers', () => {
    const config = Config.parse({});
    expect([
      config.settings.healthAddress,
      config.settings.metricsAddress,
      config.plugins.incomingWebhook.address,
    ]).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('take IPv4, IPv6 (brackets dropped) and host names', () => {
    const config = Config.parse({
      settings: { healthAddress: '0.0.0.0', metricsAddress: '[::]' },
      plugins: { incomingWebhook: { address: 'localhost' } },
    });
    expect([
      config.settings.healthAddress,
      config.settings.metricsAddress,
      config.plugins.incomingWebhook.address,
    ]).toEqual(['0.0.0.0', '::', 'localhost']);
    expect(Config.parse({ settings: { healthAddress: ' ::1 ' } }).settings.healthAddress).toBe('::1');
  });

  it('refuse what is not an address, naming the field and the value', () => {
    expect(issues({ settings: { healthAddress: 'http://0.0.0.0:2114' } })).toEqual([
      'settings.healthAddress: "http://0.0.0.0:2114" is not an address; expected an IP address such as 127.0.0.1, 0.0.0.0, ::1 or ::, or a host name',
    ]);
    expect(issues({ plugins: { incomingWebhook: { address: '' } } })?.[0]).toMatch(
      /^plugins\.incomingWebhook\.address: "" is not an address/,
    );
  });
});

describe('console address', () => {
  const console = (address: string) => ({
    communications: {
      team: { console: { enabled: true, address, channels: { ops: { name: 'ops' } } } },
    },
  });

  it('may take port 0 (any free port) beside a health port of 0, and clashes on a real port', () => {
    const both = (port: number) => ({
      settings: { healthPort: port },
      communications: { team: { console: { enabled: true, port, channels: { ops: { name: 'ops' } } } } },
    });
    expect(conflicts(both(0))).toEqual([]);
    expect(conflicts(both(4100))).toEqual([
      'communications.team.console.port: port 4100 is already used by settings.healthPort',
    ]);
  });

  it('takes IPv6 loopback in brackets as loopback (no token needed)', () => {
    expect(Config.parse(console('[::1]')).communications.team?.console?.address).toBe('::1');
  });

  it('refuses what is not an address, naming the field and the value', () => {
    expect(issues(console('127.0.0.1:2116'))).toEqual([
      'communications.team.console.address: "127.0.0.1:2116" is not an address; expected an IP address such as 127.0.0.1, 0.0.0.0, ::1 or ::, or a host name',
    ]);
  });
});

describe('checkPlatforms: listener ports', () => {
  it('lets metrics and webhooks share the health port on the same address', () => {
    expect(
      conflicts({ settings: { metricsPort: 2114 }, plugins: { incomingWebhook: { port: 2114 } } }),
    ).toEqual([]);
  });

  it('refuses a shared port on another address, which the second bind would fail on', () => {
    expect(conflicts({ settings: { metricsPort: 2114, metricsAddress: '0.0.0.0' } })).toEqual([
      'settings.metricsPort: port 2114 is already used by settings.healthPort on 127.0.0.1; to share it, listen on the same address (not 0.0.0.0), or use another port',
    ]);
    expect(
      conflicts({ settings: { metricsPort: 2115 }, plugins: { incomingWebhook: { address: '::' } } }),
    ).toEqual([
      'plugins.incomingWebhook.port: port 2115 is already used by settings.metricsPort on 127.0.0.1; to share it, listen on the same address (not ::), or use another port',
    ]);
  });
});
