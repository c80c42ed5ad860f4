import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openNatsKvElector } from '../../src/ha/electors.js';
import type { LeaderElector } from '../../src/ha/leader-elector.js';
import { freePort } from '../support/agent-harness.js';
import {
  ElectionTimeline,
  electorChildProgram,
  expectKilledLeaderReplaced,
  expectPartitionedLeaderStepsDown,
  spawnChildElector,
} from '../support/ha-timeline.js';
import { TestNatsServer } from '../support/nats-server.js';
import { forwardPort, type TcpForward } from '../support/tcp-forward.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/**
 * The NATS JetStream KV elector against a real `nats-server -js` owned by this file: three
 * electors, graceful hand-over, a leader process killed with SIGKILL, a leader partitioned from
 * the server by a proxy that stops forwarding, and the server itself going away.
 */

// Short timings so a failover takes seconds; same ordering rules as the 15/10/2 s defaults.
const timings = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
// Slack for a loaded 2-core machine shared with other test runs.
const slackMs = 1500;

describe('NATS KV leader election (real nats-server)', () => {
  let server: TestNatsServer;
  const connections: NatsConnection[] = [];
  const electors: LeaderElector[] = [];
  const children: ChildProcess[] = [];
  const forwards: TcpForward[] = [];
  let bucketCounter = 0;
  let bucket: string;

  const connectTo = async (url = server.url): Promise<NatsConnection> => {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    connections.push(nc);
    return nc;
  };

  const elector = async (identity: string, timeline: ElectionTimeline, nc?: NatsConnection) => {
    const e = await openNatsKvElector({
      identity,
      connection: nc ?? (await connectTo()),
      bucket,
      key: 'leader',
      timings,
      callbacks: timeline.callbacks(identity),
      log: createTestLogger('warn').logger,
    });
    electors.push(e);
    return e;
  };

  beforeAll(async () => {
    server = await TestNatsServer.start();
    await electorChildProgram();
  }, 60_000);

  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop();
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    for (const nc of connections.splice(0)) await nc.close().catch(() => {});
    for (const f of forwards.splice(0)) await f.close();
    bucketCounter++;
  });

  afterAll(async () => {
    await server?.dispose();
  });

  // Each test its own bucket: no lease left over from the one before.
  const useBucket = () => {
    bucket = `sb-ha-test-${bucketCounter}`;
  };

  it('three electors: exactly one leads and the others see it', async () => {
    useBucket();
    const timeline = new ElectionTimeline();
    const all = [await elector('a', timeline), await elector('b', timeline), await elector('c', timeline)];
    for (const e of all) e.start();
    await waitFor(() => timeline.leaders().length === 1, 10_000, 'a leader');
    const [leader] = timeline.leaders();
    // Several renewals later: still the same single leader, seen by all.
    await new Promise((r) => setTimeout(r, timings.retryPeriodMs * 4));
    expect(timeline.leaders(), timeline.describe()).toEqual([leader]);
    await waitFor(() => all.every((e) => e.leader === leader), 5000, 'all to observe the leader');
    expect(all.filter((e) => e.isLeader)).toHaveLength(1);
    expect(timeline.overlaps()).toEqual([]);
  });

  it('a leader that stops releases the key: a successor leads within a retry period, never overlapping', async () => {
    useBucket();
    const timeline = new ElectionTimeline();
    const byName = new Map<string, LeaderElector>();
    for (const name of ['a', 'b', 'c']) byName.set(name, await elector(name, timeline));
    for (const e of byName.values()) e.start();
    await waitFor(() => timeline.leaders().length === 1, 10_000, 'a leader');
    const first = timeline.leaders()[0] as string;
    const stoppedAt = Date.now();
    await byName.get(first)?.stop();
    const next = await waitFor(() => timeline.firstTermAfter(stoppedAt), 10_000, 'a successor');
    expect(next.identity).not.toBe(first);
    // The watch sees the delete at once; polling alone would take up to retryPeriod × 1.2.
    expect(next.start - stoppedAt, timeline.describe()).toBeLessThan(timings.retryPeriodMs * 1.2 + slackMs);
    expect(timeline.terms().find((t) => t.identity === first)?.reason).toBe('stopped');
    expect(timeline.overlaps(), timeline.describe()).toEqual([]);
  });

  it('an onStoppedLeading that throws is logged and the key is still released on stop', async () => {
    useBucket();
    const timeline = new ElectionTimeline();
    const { logger, lines } = createTestLogger('warn');
    const a = await openNatsKvElector({
      identity: 'a',
      connection: await connectTo(),
      bucket,
      key: 'leader',
      timings,
      callbacks: {
        ...timeline.callbacks('a'),
        onStoppedLeading: () => {
          throw new Error('sources would not close');
        },
      },
      log: logger,
    });
    electors.push(a);
    a.start();
    await waitFor(() => timeline.leaders().includes('a'), 10_000, 'a to lead');
    const b = await elector('b', timeline);
    b.start();
    await waitFor(() => b.leader === 'a', 5000, 'b to see a');
    timeline.add({ identity: 'a', event: 'stopped-leading', at: Date.now() });
    const stoppedAt = Date.now();
    await a.stop();
    expect(
      lines.some((l) => l.msg === 'leader election: onStoppedLeading failed; releasing the lease anyway'),
    ).toBe(true);
    const next = await waitFor(
      () => timeline.firstTermAfter(stoppedAt),
      timings.retryPeriodMs * 1.2 + slackMs,
      'b to take over',
    );
    expect(next.identity).toBe('b');
  });

  it('a leader process killed with SIGKILL: a successor leads once the key expires (leaseDuration + retryPeriod)', async () => {
    useBucket();
    const timeline = new ElectionTimeline();
    const child = await spawnChildElector(
      { kind: 'nats', identity: 'doomed', servers: server.url, bucket, key: 'leader', timings },
      timeline,
    );
    children.push(child);
    await waitFor(() => timeline.leaders().includes('doomed'), 15_000, 'the child to lead');
    const others = [await elector('b', timeline), await elector('c', timeline)];
    for (const e of others) e.start();
    await waitFor(() => others.every((e) => e.leader === 'doomed'), 5000, 'followers to see the child lead');
    // The key was renewed at most a retry period before the kill, and nobody may take it
    // before it expires; then a candidate's next attempt (jittered retry period) takes it.
    await expectKilledLeaderReplaced({
      timeline,
      child,
      identity: 'doomed',
      leaseDurationMs: timings.leaseDurationMs,
      successorWithinMs: timings.leaseDurationMs + timings.retryPeriodMs * 2 + slackMs * 2,
      maxFailoverMs: timings.leaseDurationMs + timings.retryPeriodMs * 1.2 + slackMs,
    });
  });

  it('a leader partitioned from NATS steps down before its key expires; the successor starts after', async () => {
    useBucket();
    const timeline = new ElectionTimeline();
    const port = await freePort();
    const proxy = await forwardPort(port, server.port);
    forwards.push(proxy);
    // The leader reaches NATS only through the proxy; it starts alone so it leads.
    const a = await elector('a', timeline, await connectTo(`nats://127.0.0.1:${port}`));
    a.start();
    await waitFor(() => timeline.leaders().includes('a'), 10_000, 'a to lead');
    const others = [await elector('b', timeline), await elector('c', timeline)];
    for (const e of others) e.start();
    await waitFor(() => others.every((e) => e.leader === 'a'), 5000, 'followers to see a lead');

    await expectPartitionedLeaderStepsDown({
      timeline,
      proxy,
      leader: a,
      identity: 'a',
      timings,
      successorWithinMs: timings.leaseDurationMs + timings.retryPeriodMs * 2 + slackMs * 2,
    });
  });

  it('NATS down: the leader steps down at its renew deadline; once NATS is back one replica leads again', async () => {
    useBucket();
    const own = await TestNatsServer.start();
    try {
      const timeline = new ElectionTimeline();
      const all = [];
      for (const name of ['a', 'b']) all.push(await elector(name, timeline, await connectTo(own.url)));
      for (const e of all) e.start();
      await waitFor(() => timeline.leaders().length === 1, 10_000, 'a leader');
      const downAt = Date.now();
      await own.stop();
      await waitFor(
        () => timeline.leaders().length === 0,
        timings.renewDeadlineMs + slackMs,
        'the leader to step down',
      );
      const term = timeline.terms()[0];
      expect(term?.reason).toBe('renew-deadline');
      expect((term?.end as number) - downAt).toBeLessThanOrEqual(timings.renewDeadlineMs + 200);
      await own.start();
      await waitFor(
        () => timeline.leaders().length === 1,
        timings.leaseDurationMs * 2 + slackMs * 2,
        'a leader after restart',
      );
      expect(timeline.overlaps(), timeline.describe()).toEqual([]);
    } finally {
      for (const e of electors.splice(0)) await e.stop();
      await own.dispose();
    }
  });

  it('refuses a bucket made with another TTL and timings that break safety', async () => {
    useBucket();
    const nc = await connectTo();
    await new Kvm(nc).create(bucket, { ttl: 30_000, history: 1 });
    await expect(
      openNatsKvElector({
        identity: 'a',
        connection: nc,
        bucket,
        key: 'leader',
        timings,
        log: createTestLogger('warn').logger,
      }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_HA_LEASE',
      message: expect.stringContaining(`TTL is 30000 ms but leaseDurationMs is ${timings.leaseDurationMs}`),
    });
    await expect(
      openNatsKvElector({
        identity: 'a',
        connection: nc,
        bucket: 'other',
        key: 'leader',
        timings: { leaseDurationMs: 4000, renewDeadlineMs: 4000, retryPeriodMs: 500 },
        log: createTestLogger('warn').logger,
      }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_HA_ELECTION',
      message: expect.stringContaining('renewDeadlineMs (4000) must be less than leaseDurationMs (4000)'),
    });
    await expect(
      openNatsKvElector({
        identity: 'a',
        connection: nc,
        bucket: 'bad bucket',
        key: 'leader',
        timings,
        log: createTestLogger('warn').logger,
      }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_HA_ELECTION',
      message: expect.stringContaining('bucket "bad bucket"'),
    });
  });
});
