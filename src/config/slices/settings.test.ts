import { describe, expect, it } from 'vitest';
import { DeliverySettings, Settings } from './settings.js';

describe('settings.delivery', () => {
  it('has defaults for every tunable', () => {
    const d = Settings.parse({}).delivery;
    expect({
      perChannel: d.queueLimit.perChannel,
      total: d.queueLimit.total,
      groupWait: d.groupWait.ms,
      sinkConcurrency: d.sinkConcurrency,
      dedupWindow: d.dedupWindow.ms,
      retry: [d.retry.initialBackoff.ms, d.retry.maxBackoff.ms, d.retry.giveUpAfter.ms],
      drain: d.drainTimeout.ms,
    }).toEqual({
      perChannel: 10_000,
      total: 100_000,
      groupWait: 250,
      sinkConcurrency: 16,
      dedupWindow: 30_000,
      retry: [500, 10_000, 3_600_000],
      drain: 10_000,
    });
  });

  it('names the field and the expectation when a value is wrong', () => {
    const issues = (input: unknown) =>
      DeliverySettings.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ retry: { initialBackoff: '5s', maxBackoff: '1s' } })).toEqual([
      'retry.maxBackoff: must be at least initialBackoff (5s)',
    ]);
    expect(issues({ queueLimit: { perChannel: 5 } })).toEqual(['queueLimit.perChannel: must be at least 10']);
    expect(issues({ dedupWindow: 'soon' })?.[0]).toMatch(/^dedupWindow: "soon" is not a duration/);
    expect(issues({ sinkConcurrency: 0 })).toEqual(['sinkConcurrency: must be at least 1']);
    expect(issues({ retry: { giveUpAfter: '10ms' } })?.[0]).toMatch(
      /^retry.giveUpAfter: "10ms" is too short/,
    );
  });
});

describe('settings.delivery.store.jetstream', () => {
  const issues = (jetstream: unknown) =>
    DeliverySettings.safeParse({ store: { type: 'jetstream', jetstream } }).error?.issues.map(
      (i) => `${i.path.join('.')}: ${i.message}`,
    );

  it('defaults to the local server, a shared stream and no credentials', () => {
    const store = DeliverySettings.parse({ store: { type: 'jetstream' } }).store;
    expect(store.type).toBe('jetstream');
    expect(store.jetstream).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      stream: 'SWITCHBOARD_DELIVERY',
      subject: 'switchboard.delivery',
      replicas: 1,
      user: '',
      tls: { enabled: false },
    });
    expect(store.jetstream.consumer).toBeUndefined();
    expect(store.jetstream.token.isEmpty()).toBe(true);
  });

  it('names the field and the value that is wrong', () => {
    expect(issues({ servers: ['http://nats:4222'] })).toEqual([
      'store.jetstream.servers.0: "http://nats:4222" is not a NATS server; expected nats://host:port or tls://host:port',
    ]);
    expect(issues({ servers: [] })).toEqual([
      'store.jetstream.servers: expected at least one NATS server URL',
    ]);
    expect(issues({ stream: 'my.stream' })).toEqual([
      'store.jetstream.stream: "my.stream" is not a valid stream name; expected 1 to 64 letters, digits, "_" or "-"',
    ]);
    expect(issues({ consumer: 'agent *' })).toEqual([
      'store.jetstream.consumer: "agent *" is not a valid consumer name; expected 1 to 64 letters, digits, "_" or "-"',
    ]);
    expect(issues({ subject: 'sb.>' })?.[0]).toMatch(
      /^store.jetstream.subject: "sb.>" is not a subject prefix/,
    );
    expect(issues({ replicas: 7 })).toEqual(['store.jetstream.replicas: must be at most 5']);
    expect(issues({ user: 'sb', token: 't' })).toEqual([
      'store.jetstream.token: set one of user/password, token or credentials, not user and token',
    ]);
    expect(issues({ password: 'p' })).toEqual(['store.jetstream.user: password is set but user is empty']);
    expect(issues({ tls: { certFile: '/c.pem' } })).toEqual([
      'store.jetstream.tls.keyFile: certFile and keyFile go together',
    ]);
    expect(DeliverySettings.safeParse({ store: { type: 'kafka' } }).error?.issues[0]?.message).toBe(
      'expected "sqlite", "jetstream" or "memory"',
    );
  });

  it('takes secrets from files and the environment, like every other secret', () => {
    const js = DeliverySettings.parse({
      store: { type: 'jetstream', jetstream: { credentials: { fromFile: '/run/secrets/nats.creds' } } },
    }).store.jetstream;
    expect(js.credentials.source).toEqual({ kind: 'file', path: '/run/secrets/nats.creds' });
    expect(String(js.credentials)).toBe('[redacted]');
  });
});
