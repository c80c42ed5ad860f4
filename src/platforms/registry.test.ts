import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import { CommunicationGroup } from '../config/slices/communications.js';
import type { PlatformDescriptor } from './descriptor.js';
import { notRunReason, platformDescriptors, retiredPlatforms } from './registry.js';

const root = new URL('../', import.meta.url);

/** Folders under src/bots/ and src/sinks/ (each is one platform). */
function platformFolders(kind: 'bots' | 'sinks'): string[] {
  return readdirSync(new URL(`${kind}/`, root), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe('platform registry (contract: one folder + one registry line per platform)', () => {
  for (const kind of ['bots', 'sinks'] as const) {
    for (const folder of platformFolders(kind)) {
      it(`src/${kind}/${folder} has a descriptor.ts exporting one registered ${kind.slice(0, -1)} descriptor`, async () => {
        const file = new URL(`${kind}/${folder}/descriptor.ts`, root);
        expect(existsSync(file), `src/${kind}/${folder}/descriptor.ts is missing`).toBe(true);
        const module = (await import(file.href)) as Record<string, unknown>;
        const exported = Object.values(module) as PlatformDescriptor[];
        expect(exported).toHaveLength(1);
        const descriptor = exported[0] as PlatformDescriptor;
        expect(platformDescriptors, `${descriptor.key} is not in src/platforms/registry.ts`).toContain(
          descriptor,
        );
        expect(descriptor.kind).toBe(kind === 'bots' ? 'bot' : 'sink');
        expect(existsSync(new URL(`${kind}/${folder}/config.ts`, root)), 'its config slice (config.ts)').toBe(
          true,
        );
      });
    }
  }

  it('lists every platform folder, and nothing else', () => {
    const folders = platformFolders('bots').length + platformFolders('sinks').length;
    expect(platformDescriptors).toHaveLength(folders);
  });

  it('covers every key of CommunicationGroup exactly once, in schema order', () => {
    const keys = [...platformDescriptors, ...retiredPlatforms].map((p) => p.key);
    expect(keys).toEqual(Object.keys(CommunicationGroup.shape));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every implemented platform a factory and every other one a reason', () => {
    for (const descriptor of platformDescriptors) {
      if (descriptor.status.state === 'implemented') {
        expect(descriptor.load, descriptor.key).toBeTypeOf('function');
        expect(notRunReason(descriptor.key)).toBeUndefined();
      } else {
        expect(descriptor.load, descriptor.key).toBeUndefined();
        expect(notRunReason(descriptor.key)).toBe(descriptor.status.reason);
      }
    }
    for (const retired of retiredPlatforms) expect(notRunReason(retired.key)).toBe(retired.reason);
    expect(notRunReason('carrierPigeon')).toBe('Switchboard does not run carrierPigeon');
  });

  it('gives bots a mention syntax and a channel addressing, and sinks neither', () => {
    for (const descriptor of platformDescriptors) {
      if (descriptor.kind === 'bot') {
        expect(descriptor.mention, descriptor.key).toBeTypeOf('function');
        expect(descriptor.channelsBy).not.toBe('none');
      } else {
        expect(descriptor.mention).toBeUndefined();
        expect(descriptor.channelsBy).toBe('none');
      }
    }
  });
});

describe('platform descriptors: factories', () => {
  const enabled: Record<string, unknown> = {
    socketSlack: {
      enabled: true,
      botToken: 'xoxb-1',
      appToken: 'xapp-1',
      channels: { ops: { name: 'ops' } },
    },
    console: { enabled: true, port: 0, channels: { ops: { name: 'ops' } } },
    discord: { enabled: true, token: 'discord-token', botID: '900', channels: { ops: { id: '901' } } },
    webhook: { enabled: true, url: 'http://127.0.0.1:9/hook' },
    rocketChat: {
      enabled: true,
      url: 'http://127.0.0.1:9',
      userId: 'bot',
      authToken: 'token',
      channels: { ops: { name: 'ops' } },
    },
    elasticsearch: { enabled: true, server: 'http://127.0.0.1:9', indices: { a: { name: 'events' } } },
  };

  for (const descriptor of platformDescriptors.filter((d) => d.status.state === 'implemented')) {
    it(`${descriptor.key}: load() builds a destination with the descriptor's capabilities, without I/O`, async () => {
      const settings = descriptor.slice.parse(enabled[descriptor.key]);
      const module = await (descriptor.load as () => ReturnType<NonNullable<PlatformDescriptor['load']>>)();
      const destination = module.create({
        id: `team/${descriptor.key}`,
        settings: settings as never,
        logger: createTestLogger('silent').logger,
        context: { status: () => ({}), version: 'test' },
      });
      expect(destination.id).toBe(`team/${descriptor.key}`);
      expect(destination.kind).toBe(descriptor.kind === 'bot' ? 'chat' : 'sink');
      expect(destination.capabilities).toMatchObject({
        edit: descriptor.capabilities.edit,
        files: descriptor.capabilities.files,
        maxMessageLength: descriptor.capabilities.maxMessageLength,
      });
    });
  }

  it('socketSlack: flags tokens with the wrong prefix, naming the field', async () => {
    const { slackDescriptor } = await import('../bots/slack/descriptor.js');
    const { Secret } = await import('../core/secret.js');
    const settings = slackDescriptor.slice.parse(enabled.socketSlack);
    const swapped = { ...settings, botToken: Secret.of('xapp-1'), appToken: Secret.of('xapp-2') };
    expect(slackDescriptor.check?.(swapped)).toEqual([
      {
        field: 'botToken',
        severity: 'error',
        message: 'botToken must start with "xoxb-" (see https://api.slack.com/authentication/token-types)',
      },
    ]);
  });
});
