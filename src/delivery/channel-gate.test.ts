import { describe, expect, it } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import { ChannelGate } from './channel-gate.js';
import type { Destination, PacingPolicy } from './destination.js';

const destination = (pacing?: PacingPolicy): Destination => ({
  id: 'team/slack',
  kind: 'chat',
  capabilities: { edit: true, files: true, threads: true, interactive: true, maxMessageLength: 3000 },
  ...(pacing ? { pacing } : {}),
  deliver: async () => undefined,
});

describe('ChannelGate', () => {
  it('lets a message go when the bucket has a token and no pause or backoff is running', () => {
    const gate = new ChannelGate(createTestLogger().logger, 'team/slack');
    const slack = destination({ ratePerSecond: 1, burst: 1 });
    expect(gate.nextAt(slack, 0)).toBe(0);
    gate.answered(gate.spend(0), 200);
    expect(gate.nextAt(slack, 200)).toBe(1200);
    gate.pause(5000, 300);
    expect(gate.nextAt(slack, 300)).toBe(5300);
    expect(gate.rateLimits).toBe(1);
  });

  it('counts concurrent failures as one backoff step until the backoff has run out', () => {
    const gate = new ChannelGate(createTestLogger().logger, 'team/webhook');
    expect(gate.backOff(100, 0)).toBe(true);
    expect(gate.backOff(100, 50)).toBe(false);
    expect(gate.attempts).toBe(1);
    expect(gate.nextAt(undefined, 50)).toBe(100);
    expect(gate.backOff(200, 100)).toBe(true);
    expect(gate.attempts).toBe(2);
    gate.reset();
    expect([gate.attempts, gate.rateLimits]).toEqual([0, 0]);
  });

  it('sends unpaced, and says so once, when a destination declares invalid pacing', () => {
    const { logger, lines } = createTestLogger();
    const gate = new ChannelGate(logger, 'team/broken');
    const broken = destination({ ratePerSecond: 0, burst: 1 });
    expect(gate.nextAt(broken, 0)).toBe(0);
    gate.spend(0);
    expect(gate.nextAt(broken, 0)).toBe(0);
    const errors = lines.filter(
      (l) => l.msg === 'destination declares invalid pacing; its channels are sent to unpaced',
    );
    expect(errors).toEqual([
      expect.objectContaining({
        level: 50,
        destination: 'team/broken',
        err: 'pacing.ratePerSecond must be a positive number, got 0',
      }),
    ]);
  });

  it('follows a destination whose pacing changes (a reloaded bot)', () => {
    const gate = new ChannelGate(createTestLogger().logger, 'team/slack');
    gate.spend(gate.nextAt(destination({ ratePerSecond: 1, burst: 1 }), 0));
    expect(gate.nextAt(destination({ ratePerSecond: 10, burst: 1 }), 0)).toBe(100);
    expect(gate.nextAt(destination(), 0)).toBe(0);
  });
});
