import { describe, expect, it } from 'vitest';
import { Settings } from './settings.js';

const issues = (input: unknown) =>
  Settings.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
const jetstream = { store: { type: 'jetstream' } };

describe('settings.ha', () => {
  it('is off by default, with client-go timings and a Lease named switchboard-leader', () => {
    const ha = Settings.parse({}).ha;
    expect({
      enabled: ha.enabled,
      store: ha.election.store,
      timings: [ha.election.leaseDuration.ms, ha.election.renewDeadline.ms, ha.election.retryPeriod.ms],
      lease: ha.election.kubernetes,
      kv: ha.election.nats,
    }).toEqual({
      enabled: false,
      store: 'kubernetes',
      timings: [15_000, 10_000, 2_000],
      lease: { namespace: '', name: 'switchboard-leader' },
      kv: { bucket: 'switchboard-leader', key: 'leader' },
    });
  });

  it('refuses HA without the shared JetStream queue, naming both settings', () => {
    expect(issues({ ha: { enabled: true } })).toEqual([
      'ha.enabled: needs settings.delivery.store.type: jetstream (it is "sqlite"): the replicas share the delivery queue, runtime state and dedup keys through NATS JetStream, so a new leader delivers what the old one accepted',
    ]);
    expect(issues({ ha: { enabled: true }, delivery: jetstream })).toBeUndefined();
    // Off, any store is fine.
    expect(issues({ ha: { enabled: false }, delivery: { store: { type: 'memory' } } })).toBeUndefined();
  });

  it('checks the timings against each other as client-go does', () => {
    const election = (e: Record<string, unknown>) =>
      issues({ ha: { enabled: true, election: e }, delivery: jetstream });
    expect(election({ leaseDuration: '10s', renewDeadline: '10s' })).toEqual([
      'ha.election.renewDeadline: must be less than leaseDuration (10s), so a leader cut off from the store stops before another may start',
    ]);
    expect(election({ renewDeadline: '2s', retryPeriod: '2s' })).toEqual([
      'ha.election.retryPeriod: must be less than renewDeadline / 1.2 (2s / 1.2), so a leader gets more than one renewal attempt before it steps down',
    ]);
    expect(election({ leaseDuration: '4500ms', renewDeadline: '3s', retryPeriod: '500ms' })).toEqual([
      'ha.election.leaseDuration: must be whole seconds with the kubernetes store (a Lease holds leaseDurationSeconds), got 4.5s',
    ]);
    expect(
      election({ store: 'nats', leaseDuration: '4500ms', renewDeadline: '3s', retryPeriod: '500ms' }),
    ).toBeUndefined();
  });

  it('names a bad store, Lease name or bucket and what was expected', () => {
    const election = (e: Record<string, unknown>) => issues({ ha: { election: e } });
    expect(election({ store: 'etcd' })).toEqual(['ha.election.store: expected "kubernetes" or "nats"']);
    expect(election({ kubernetes: { name: 'Leader!' } })?.[0]).toBe(
      'ha.election.kubernetes.name: "Leader!" is not a valid Lease name; expected lower-case letters, digits, "-" and "."',
    );
    expect(election({ nats: { bucket: 'a.b' } })?.[0]).toBe(
      'ha.election.nats.bucket: "a.b" is not a valid bucket name; expected 1 to 64 letters, digits, "_" or "-"',
    );
  });
});
