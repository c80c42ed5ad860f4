import { describe, expect, it } from 'vitest';
import { defaultElectionTimings, resolveTimings } from './election-timings.js';
import { microTime } from './kube-lease-lock.js';

describe('resolveTimings', () => {
  it('defaults to client-go 15 s / 10 s / 2 s and keeps what is given', () => {
    expect(resolveTimings('x')).toEqual({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(resolveTimings('x', { retryPeriodMs: 1000 })).toEqual({
      ...defaultElectionTimings,
      retryPeriodMs: 1000,
    });
  });

  it.each([
    [{ leaseDurationMs: 0 }, 'x: leaseDurationMs is 0; expected a positive number of milliseconds.'],
    [{ retryPeriodMs: Number.NaN }, 'x: retryPeriodMs is NaN; expected a positive number of milliseconds.'],
    [{ renewDeadlineMs: 15_000 }, 'x: renewDeadlineMs (15000) must be less than leaseDurationMs (15000)'],
    [{ retryPeriodMs: 9000 }, 'x: renewDeadlineMs (10000) must be more than 1.2 × retryPeriodMs (9000)'],
  ])('refuses %j', (given, message) => {
    expect(() => resolveTimings('x', given)).toThrow(
      expect.objectContaining({ code: 'SB_ERR_HA_ELECTION', message: expect.stringContaining(message) }),
    );
  });
});

describe('microTime', () => {
  it("writes Go's RFC 3339 micro layout (six fractional digits), which the API server requires", () => {
    expect(microTime(Date.UTC(2026, 11, 7, 14, 3, 5, 42))).toBe('2026-12-07T14:03:05.042000Z');
  });
});
