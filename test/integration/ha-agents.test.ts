import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishBuiltins } from '../support/agent-harness.js';
import {
  currentLeader,
  killReplica,
  leadershipViolations,
  type Replica,
  ReplicaProcesses,
  ReplicaReceiver,
  RetryingSender,
  startReplica,
  termsFromLogs,
  writeReplicaConfig,
} from '../support/ha-agents.js';
import { TestNatsServer } from '../support/nats-server.js';
import { waitFor } from '../support/test-logger.js';

/**
 * Three real agent processes in HA mode on one private `nats-server -js` (lease in NATS KV,
 * shared delivery queue, shared state, webhook forwarding): only the leader posts; killing the
 * leader (SIGKILL) mid-stream or restarting every replica in turn loses nothing; duplicates stay
 * within the deliveries in flight at each failover.
 */

// A request the leader started just before its term ended reaches the receiver a little later.
const graceMs = 300;

describe('HA: three agent replicas (NATS lease, JetStream queue)', () => {
  const procs = new ReplicaProcesses();
  const { children, started } = procs;
  const receiver = new ReplicaReceiver();
  let nats: TestNatsServer;
  let repo: string;
  let leaseCounter = 0;

  beforeAll(async () => {
    repo = await publishBuiltins();
    await receiver.listen();
    nats = await TestNatsServer.start();
  }, 180_000);

  afterEach(async () => {
    await procs.release();
    receiver.arrivals.length = 0;
  });

  afterAll(async () => {
    await receiver.close();
    await nats?.dispose();
  });

  async function replicas(): Promise<Replica[]> {
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-agents-'));
    const lease = `ha-test-${leaseCounter++}`;
    const made = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        writeReplicaConfig({
          dir,
          name,
          natsUrl: nats.url,
          receiverUrl: receiver.url,
          repo,
          election: { store: 'nats', lease },
        }),
      ),
    );
    started.push(...made);
    return made;
  }

  const alivePorts = (all: readonly Replica[]) => () =>
    all
      .filter((r) => r.run && r.run.child.exitCode === null && r.run.child.signalCode === null)
      .map((r) => r.hookPort);

  /** Every accepted event reaches the receiver (within a minute); names the missing ones. */
  async function expectAllDelivered(accepted: ReadonlySet<number>): Promise<void> {
    const missing = () => [...accepted].filter((n) => !receiver.unique().has(n));
    await waitFor(() => missing().length === 0, 60_000, `all ${accepted.size} accepted events`).catch(
      () => undefined,
    );
    expect(missing(), `accepted events never delivered (of ${accepted.size})`).toEqual([]);
    expect(accepted.size).toBeGreaterThan(100);
  }

  function expectLeadersOnly(all: readonly Replica[]) {
    const terms = all.flatMap((r) => termsFromLogs(r));
    const { outside, overlaps } = leadershipViolations(receiver.arrivals, terms, graceMs);
    const describe = JSON.stringify(terms);
    expect(overlaps, `overlapping terms: ${describe}`).toEqual([]);
    expect(outside.slice(0, 5), `posts outside the poster's term; terms: ${describe}`).toEqual([]);
    return terms;
  }

  it('only the leader posts; kill -9 of the leader mid-stream, four times: every accepted event delivered, duplicates bounded', async () => {
    const all = await replicas();
    await Promise.all(all.map((r) => startReplica(r, children)));
    const first = await waitFor(() => currentLeader(all), 20_000, 'a leader');
    // Followers answer /readyz 200 and name the leader (once their elector has seen it).
    for (const r of all.filter((x) => x !== first)) {
      const url = (r.run?.statusUrl ?? '').replace(/\/status$/, '/readyz');
      const seen = await waitFor(
        async () => {
          const res = await fetch(url);
          const body = (await res.json()) as { leader?: string };
          return body.leader === first.name ? { status: res.status, body } : undefined;
        },
        10_000,
        `${r.name} to name the leader`,
      );
      expect(seen).toEqual({ status: 200, body: { ready: true, role: 'follower', leader: first.name } });
    }
    const sender = new RetryingSender(alivePorts(all), 40);
    sender.start();
    const failovers: number[] = [];
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const leader = await waitFor(() => currentLeader(all), 20_000, `a leader (round ${round})`);
      const before = receiver.arrivals.length;
      await waitFor(() => receiver.arrivals.length >= before + 40, 20_000, 'deliveries by this leader');
      await killReplica(leader);
      const killedAt = leader.runs.at(-1)?.killedAt ?? Date.now();
      const firstPost = await waitFor(
        () => receiver.arrivals.find((a) => a.at > killedAt && a.replica !== leader.name),
        30_000,
        `a post by the next leader (round ${round})`,
      );
      failovers.push(firstPost.at - killedAt);
      await startReplica(leader, children);
    }
    await sender.stop();
    const accepted = sender.accepted;
    await expectAllDelivered(accepted);
    expect(sender.refusals, 'the sender was refused (no leader) at least once').toBeGreaterThan(0);
    // Lease 3 s after the last renewal, plus up to two jittered retry periods, plus the new
    // leader opening the queue and the sink, on a loaded 2-core machine.
    for (const ms of failovers) expect(ms).toBeLessThan(12_000);
    const repeats = receiver.repeats();
    // A delivery in flight at the kill (sinkConcurrency 4) is posted again by the next leader:
    // one extra copy of that event, no more. The sender's retries of requests whose answer the
    // kill cut off (same Idempotency-Key) never make a second queued item.
    const copiesOf = (event: number) => receiver.arrivals.filter((a) => a.event === event);
    for (const [event, copies] of repeats) {
      const items = new Set(copiesOf(event).map((a) => a.key)).size;
      expect({ event, copies, items }, `copies of ${event}: ${JSON.stringify(copiesOf(event))}`).toEqual({
        event,
        copies: 2,
        items: 1,
      });
    }
    expect(repeats.size).toBeLessThanOrEqual(rounds * 4);
    const terms = expectLeadersOnly(all);
    expect(terms.length).toBeGreaterThanOrEqual(rounds + 1);
  }, 300_000);

  it('a rolling restart (SIGTERM, start again, one replica at a time) under load loses nothing and hands over within a retry period', async () => {
    const all = await replicas();
    await Promise.all(all.map((r) => startReplica(r, children)));
    await waitFor(() => currentLeader(all), 20_000, 'a leader');
    const sender = new RetryingSender(alivePorts(all), 40);
    sender.start();
    const handovers: number[] = [];
    for (const replica of all) {
      const before = receiver.arrivals.length;
      await waitFor(() => receiver.arrivals.length >= before + 20, 20_000, 'deliveries');
      const wasLeader = (await currentLeader(all)) === replica;
      const stoppedAt = Date.now();
      await killReplica(replica, 'SIGTERM');
      expect(replica.run?.child.exitCode).toBe(0);
      if (wasLeader) {
        const next = await waitFor(
          () => receiver.arrivals.find((a) => a.at > stoppedAt && a.replica !== replica.name),
          20_000,
          'a post by the next leader',
        );
        handovers.push(next.at - stoppedAt);
      }
      await startReplica(replica, children);
    }
    await sender.stop();
    const accepted = sender.accepted;
    await expectAllDelivered(accepted);
    // The leader released the lease: the next one started within about a retry period. (The
    // replica that takes over may be restarted next, so there are one or two hand-overs.)
    expect(handovers.length).toBeGreaterThanOrEqual(1);
    for (const ms of handovers) expect(ms).toBeLessThan(5_000);
    // A graceful hand-over posts nothing twice: the leader finishes what is in flight before it
    // lets go, and a sender's retry of a request that failed after storing is folded by its key.
    const repeated = [...receiver.repeats()].map(([event]) =>
      receiver.arrivals.filter((a) => a.event === event),
    );
    expect(repeated).toEqual([]);
    expectLeadersOnly(all);
  }, 300_000);
});
