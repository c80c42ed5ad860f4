import { describe, expect, it } from 'vitest';
import { DeliverySettings } from '../config/slices/settings.js';
import { DeliveryError } from './delivery-error.js';
import { decideAfterFailure, type FailureContext } from './failure-policy.js';

const retry = DeliverySettings.parse({
  retry: { initialBackoff: '100ms', maxBackoff: '1s', giveUpAfter: '10s' },
}).retry;
const base: Omit<FailureContext, 'err'> = {
  attempts: 0,
  rateLimits: 0,
  oldestEnqueuedAt: 0,
  now: 1000,
  canShrink: false,
  retry,
  random: () => 1,
};
const decide = (err: unknown, extra: Partial<FailureContext> = {}) =>
  decideAfterFailure({ ...base, ...extra, err });

describe('decideAfterFailure', () => {
  it('pauses for Retry-After on a rate limit, however old the message', () => {
    const err = new DeliveryError('429', { reason: 'rate-limited', retryable: true, retryAfterMs: 1500 });
    expect(decide(err, { now: 3_600_000 })).toEqual({
      reason: 'rate-limited',
      decision: { action: 'pause', ms: 1500 },
    });
  });

  it('backs off on a rate limit without Retry-After, growing with each one in a row', () => {
    const err = new DeliveryError('429', { reason: 'rate-limited', retryable: true });
    expect(decide(err).decision).toEqual({ action: 'pause', ms: 100 });
    expect(decide(err, { rateLimits: 3 }).decision).toEqual({ action: 'pause', ms: 800 });
  });

  it('retries a transient failure with exponential backoff, capped', () => {
    const err = new DeliveryError('down', { reason: 'unavailable', retryable: true });
    expect(decide(err).decision).toEqual({ action: 'retry', ms: 100 });
    expect(decide(err, { attempts: 2 }).decision).toEqual({ action: 'retry', ms: 400 });
    expect(decide(err, { attempts: 20 }).decision).toEqual({ action: 'retry', ms: 1000 });
  });

  it('gives up on a transient failure once the message is older than giveUpAfter', () => {
    const err = new DeliveryError('down', { reason: 'timeout', retryable: true });
    expect(decide(err, { now: 10_000 })).toEqual({
      reason: 'timeout',
      decision: { action: 'drop', expired: true },
    });
  });

  it('does not retry a permanent failure, or an error that is not a DeliveryError', () => {
    const rejected = new DeliveryError('400', { reason: 'rejected', retryable: false });
    expect(decide(rejected)).toEqual({ reason: 'rejected', decision: { action: 'drop', expired: false } });
    expect(decide(new TypeError('bug in a renderer'))).toEqual({
      reason: 'other',
      decision: { action: 'drop', expired: false },
    });
    expect(decide(undefined).decision).toEqual({ action: 'drop', expired: false });
  });

  it('shrinks a digest that was too large while it can, then drops it', () => {
    const err = new DeliveryError('413', { reason: 'too-large', retryable: false });
    expect(decide(err, { canShrink: true }).decision).toEqual({ action: 'shrink' });
    expect(decide(err, { canShrink: false }).decision).toEqual({ action: 'drop', expired: false });
  });
});
