import { test as base, describe, expect } from 'vitest';
import type { RocketChat } from '../../src/bots/rocketchat/config.js';
import { createRocketChatBot } from '../../src/bots/rocketchat/index.js';
import { DeliverySettings } from '../../src/config/slices/settings.js';
import type { Outbound } from '../../src/delivery/destination.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { plaintextMessage } from '../../src/sdk/index.js';
import { startConformanceAgent } from '../conformance/conformance-agent.js';
import { type RocketChatEmulator, startRocketChatEmulator } from '../support/rocketchat-emulator/index.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const test = base.extend<{ cleanup: (fn: () => Promise<void>) => void }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  cleanup: async ({}, use) => {
    const fns: (() => Promise<void>)[] = [];
    await use((fn) => fns.push(fn));
    for (const fn of fns.reverse()) await fn();
  },
});

/** Every `event N` number the room shows: message text, attachment texts and uploaded files. */
function eventNumbers(emu: RocketChatEmulator, rid: string): number[] {
  const texts = [
    ...emu.messages(rid).flatMap((m) => [m.msg, ...(m.attachments ?? []).map((a) => a.text ?? '')]),
    ...emu.files(rid).map((f) => f.content.toString()),
  ];
  return [...texts.join('\n').matchAll(/event (\d+)/g)].map((m) => Number(m[1]));
}

describe('Rocket.Chat in the agent', () => {
  test('two bot users in two groups of one agent each answer only their own channels', async ({
    cleanup,
  }) => {
    const emu = await startRocketChatEmulator();
    cleanup(() => emu.close());
    const alpha = emu.addUser('alpha', { roles: ['bot'] });
    const beta = emu.addUser('beta', { roles: ['bot'] });
    const ada = emu.addUser('ada');
    const everyone = [alpha.id, beta.id, ada.id];
    const red = emu.addRoom('red', { members: everyone }).id;
    const blue = emu.addRoom('blue', { type: 'p', members: everyone }).id;
    const run = await startConformanceAgent({
      communications: `  first:
    rocketChat:
      enabled: true
      url: ${emu.url}
      userId: ${alpha.id}
      authToken: ${alpha.token}
      channels:
        red: {name: red, bindings: {executors: [tools], sources: []}}
  second:
    rocketChat:
      enabled: true
      url: ${emu.url}
      username: beta
      password: ${beta.password}
      channels:
        blue: {name: blue, bindings: {executors: [tools], sources: []}}`,
      createPlatform: (instance, _context, logger) =>
        instance.platform === 'rocketChat'
          ? createRocketChatBot({ id: instance.id, settings: instance.settings as RocketChat, logger })
          : undefined,
    });
    cleanup(() => run.agent.stop());
    const from = (rid: string, botId: string) => emu.messages(rid).filter((m) => m.u._id === botId);

    emu.post(ada.id, blue, '@alpha echo alpha-in-blue');
    emu.post(ada.id, red, '@beta echo beta-in-red');
    emu.post(ada.id, red, '@alpha echo alpha-in-red');
    emu.post(ada.id, blue, '@beta echo beta-in-blue');
    await waitFor(
      () => from(red, alpha.id).some((m) => m.msg.includes('alpha-in-red')),
      30_000,
      'alpha in red',
    );
    await waitFor(
      () => from(blue, beta.id).some((m) => m.msg.includes('beta-in-blue')),
      30_000,
      'beta in blue',
    );
    // The answers above prove the earlier commands had their chance.
    expect(from(blue, alpha.id)).toEqual([]);
    expect(from(red, beta.id)).toEqual([]);
    expect(emu.violations()).toEqual([]);
  }, 120_000);

  test('an event storm through the delivery pipeline is paced by the rate-limit headers: every event shown, no 429', async ({
    cleanup,
  }) => {
    // A server whose limiter counts the bot: 3 posts per second per route, below the bot's own pacing.
    const emu = await startRocketChatEmulator({ rateLimit: { calls: 3, windowMs: 1000, exemptBots: false } });
    cleanup(() => emu.close());
    const bot = emu.addUser('switchboard', { roles: ['bot'] });
    // Three channels post at once: the server's budget is per route, for all of them together.
    const names = ['alerts-0', 'alerts-1', 'alerts-2'];
    const rooms = names.map((name) => emu.addRoom(name, { members: [bot.id] }).id);
    const { logger } = createTestLogger('silent');
    const { RocketChat: Slice } = await import('../../src/bots/rocketchat/config.js');
    const destination = createRocketChatBot({
      id: 'team/rocketChat',
      settings: Slice.parse({
        enabled: true,
        url: emu.url,
        userId: bot.id,
        authToken: bot.token,
        channels: Object.fromEntries(names.map((name) => [name, { name }])),
      }),
      logger,
    });
    await destination.start(() => {});
    cleanup(() => destination.stop());
    const pipeline = createDeliveryPipeline({
      destination: (id) => (id === destination.id ? destination : undefined),
      settings: DeliverySettings.parse({ groupWait: '200ms' }),
      logger,
      metrics: createMetrics(),
    });
    cleanup(() => pipeline.close({ drainMs: 0 }));

    const count = 300;
    const event = (i: number): Outbound => ({
      address: { destinationId: destination.id, channelId: names[i % names.length] as string },
      message: plaintextMessage(`event ${i}`),
      kind: 'event',
      sources: ['storm'],
    });
    // Waves of events over about three seconds: more posts than the limit allows, digests or not.
    const started = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      sends.push(pipeline.send(event(i)));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 100));
    }
    const refs = await Promise.all(sends);
    const tookMs = Date.now() - started;

    expect(refs.every((r) => r !== undefined)).toBe(true);
    const posts = emu.stats().requests.get('chat.sendMessage') ?? 0;
    // The premise: more posts than one window takes, so the pacing had to hold some back.
    expect(posts).toBeGreaterThan(6);
    expect(tookMs).toBeGreaterThanOrEqual(Math.floor((posts - 1) / 3) * 1000 - 200);
    expect(emu.stats().rateLimited).toBe(0);
    for (const [n, rid] of rooms.entries()) {
      const shown = [...new Set(eventNumbers(emu, rid))].sort((a, b) => a - b);
      const expected = Array.from({ length: count }, (_, i) => i).filter((i) => i % names.length === n);
      expect(shown, names[n]).toEqual(expected);
    }
    expect(emu.violations()).toEqual([]);
  }, 120_000);
});
