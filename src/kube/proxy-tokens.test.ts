import { describe, expect, it } from 'vitest';
import { ProxyTokenRegistry } from './proxy-tokens.js';

describe('ProxyTokenRegistry', () => {
  const identity = { user: 'alice', groups: ['chat-viewers'] };

  it('binds each token to its identity until it expires', () => {
    let now = 1_000;
    const registry = new ProxyTokenRegistry({ now: () => now });
    const a = registry.issue(identity, 500);
    const b = registry.issue({ user: 'bob', groups: [] }, 2_000);
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^sbkp_[A-Za-z0-9_-]{43}$/);
    expect(registry.lookup(a.token)).toEqual(identity);
    expect(registry.lookup(b.token)).toEqual({ user: 'bob', groups: [] });
    now = 1_499;
    expect(registry.lookup(a.token)).toEqual(identity);
    now = 1_500;
    expect(registry.lookup(a.token)).toBeUndefined();
    expect(registry.lookup(b.token)).toEqual({ user: 'bob', groups: [] });
    expect(registry.size).toBe(1);
  });

  it('forgets a revoked token at once, and revoking twice is harmless', () => {
    const registry = new ProxyTokenRegistry();
    const issued = registry.issue(identity, 60_000);
    issued.revoke();
    issued.revoke();
    expect(registry.lookup(issued.token)).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('knows no token it did not issue, including look-alikes', () => {
    const registry = new ProxyTokenRegistry();
    const issued = registry.issue(identity, 60_000);
    expect(registry.lookup('')).toBeUndefined();
    expect(registry.lookup(issued.token.slice(0, -1))).toBeUndefined();
    expect(registry.lookup(issued.token.replace('sbkp_', ''))).toBeUndefined();
  });

  it('keeps its own copy of the identity', () => {
    const registry = new ProxyTokenRegistry();
    const groups = ['a'];
    const issued = registry.issue({ user: 'u', groups }, 60_000);
    groups.push('system:masters');
    expect(registry.lookup(issued.token)).toEqual({ user: 'u', groups: ['a'] });
  });

  it('refuses an identity without a user, an empty group, and a non-positive lifetime', () => {
    const registry = new ProxyTokenRegistry();
    expect(() => registry.issue({ user: ' ', groups: ['g'] }, 1_000)).toThrow(
      expect.objectContaining({ code: 'SB_ERR_KUBE_PROXY', message: expect.stringContaining('has no user') }),
    );
    expect(() => registry.issue({ user: 'u', groups: ['ok', ''] }, 1_000)).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_KUBE_PROXY',
        message: expect.stringContaining('empty group name'),
      }),
    );
    expect(() => registry.issue(identity, 0)).toThrow(
      expect.objectContaining({ code: 'SB_ERR_KUBE_PROXY', message: expect.stringContaining('got 0') }),
    );
    expect(() => registry.issue(identity, Number.NaN)).toThrow(
      expect.objectContaining({ code: 'SB_ERR_KUBE_PROXY' }),
    );
  });
});
