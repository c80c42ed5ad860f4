import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeSecretSource, redactedText, Secret } from './secret.js';

describe('Secret', () => {
  const token = Secret.of('xoxb-very-secret');

  it('never prints its value: string, template, JSON, inspect, error message', () => {
    expect(String(token)).toBe(redactedText);
    expect(`${token}`).toBe(redactedText);
    expect(JSON.stringify({ token })).toBe('{"token":"[redacted]"}');
    expect(inspect({ token })).not.toContain('xoxb');
    expect(new Error(`bad token ${token}`).message).not.toContain('xoxb');
  });

  it('gives the value only through reveal()', () => {
    expect(token.reveal()).toBe('xoxb-very-secret');
  });

  it('refuses to reveal a reference that was never resolved', () => {
    const pending = Secret.pending({ kind: 'file', path: '/run/secrets/x' });
    expect(pending.resolved).toBe(false);
    expect(pending.isEmpty()).toBe(false);
    expect(() => pending.reveal()).toThrow(/from file \/run\/secrets\/x was never resolved/);
  });

  it('compares by value and source without exposing either', () => {
    expect(Secret.of('a').equals(Secret.of('a'))).toBe(true);
    expect(Secret.of('a').equals(Secret.of('b'))).toBe(false);
    expect(Secret.of('a', { kind: 'env', name: 'A' }).equals(Secret.of('a'))).toBe(false);
    expect(Secret.of('').isEmpty()).toBe(true);
  });

  it('describes where a value comes from, which is safe to print', () => {
    expect(describeSecretSource({ kind: 'env', name: 'SLACK_TOKEN' })).toBe(
      'from environment variable SLACK_TOKEN',
    );
    expect(describeSecretSource({ kind: 'inline' })).toBe('inline');
  });
});
