import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishBuiltins } from '../test/support/agent-harness.js';
import {
  currentLeader,
  killReplica,
  leadershipViolations,
  ReplicaProcesses,
  ReplicaReceiver,
  RetryingSender,
  startReplica,
  termsFromLogs,
  writeReplicaConfig,
} from '../test/support/ha-agents.js';
import { TestNatsServer } from '../test/support/nats-server.js';
import type { BenchContext, BenchResult } from './lib/context.js';
import { infoRow, type Table, type TableRow } from './lib/report.js';
import { ms, summarize } from './lib/stats.js';

/**
 * Issue 20 end to end: three `switchboard start` replicas in HA mode (lease in NATS KV, queue in
 * JetStream, on a nats-server of the bench's own), events sent at a steady rate to any replica by
 * four senders that retry another replica on a refusal (as Alertmanager does), delivered through
 * the webhook sink to a receiver that records which replica posted. Rounds: the leader is killed
 * (SIGKILL) and started again; then a rolling restart (SIGTERM each replica in turn). Measured:
 * kill → the next leader's first post, accepted events never delivered, repeats per failover,
 * posts outside the poster's term.
 */

async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`ha-agents bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function haAgentsBench(ctx: BenchContext): Promise<BenchResult> {
  const kills = ctx.quick ? 4 : 10;
  const timings = ctx.quick
    ? 'leaseDuration: 3s, renewDeadline: 2s, retryPeriod: 500ms'
    : 'leaseDuration: 15s, renewDeadline: 10s, retryPeriod: 2s';
  const leaseMs = ctx.quick ? 3000 : 15_000;
  const retryMs = ctx.quick ? 500 : 2000;
  const rate = 50;
  const [repo, nats] = await Promise.all([publishBuiltins(), TestNatsServer.start()]);
  const receiver = new ReplicaReceiver();
  await receiver.listen();
  const procs = new ReplicaProcesses();
  const { children } = procs;
  const dir = await mkdtemp(join(tmpdir(), 'sb-bench-ha-agents-'));
  const all = procs.started;
  try {
    for (const name of ['a', 'b', 'c'])
      all.push(
        await writeReplicaConfig({
          dir,
          name,
          natsUrl: nats.url,
          receiverUrl: receiver.url,
          repo,
          election: { store: 'nats', lease: 'bench' },
          timings,
        }),
      );
    await Promise.all(all.map((r) => startReplica(r, children)));
    await until(() => currentLeader(all), 60_000, 'a leader');
    const alive = () =>
      all
        .filter((r) => r.run && r.run.child.exitCode === null && r.run.child.signalCode === null)
        .map((r) => r.hookPort);
    const sender = new RetryingSender(alive, rate);
    sender.start();

    const failovers: number[] = [];
    const repeatsPerKill: number[] = [];
    for (let round = 0; round < kills; round++) {
      const leader = await until(() => currentLeader(all), 120_000, 'a leader');
      const before = receiver.arrivals.length;
      await until(() => (receiver.arrivals.length >= before + rate ? true : undefined), 60_000, 'deliveries');
      const repeatedBefore = receiver.arrivals.length - receiver.unique().size;
      await killReplica(leader);
      const killedAt = leader.runs.at(-1)?.killedAt ?? Date.now();
      const first = await until(
        () => receiver.arrivals.find((a) => a.at > killedAt && a.replica !== leader.name),
        120_000,
        'the next leader’s first post',
      );
      failovers.push(first.at - killedAt);
      await startReplica(leader, children);
      // Repeats show up right after the take-over (the deliveries in flight at the kill).
      await new Promise((r) => setTimeout(r, retryMs));
      repeatsPerKill.push(receiver.arrivals.length - receiver.unique().size - repeatedBefore);
    }
    const repeatsBeforeRolling = receiver.arrivals.length - receiver.unique().size;
    const handovers: number[] = [];
    for (const replica of all) {
      const wasLeader = (await currentLeader(all)) === replica;
      const at = Date.now();
      await killReplica(replica, 'SIGTERM');
      if (wasLeader) {
        const next = await until(
          () => receiver.arrivals.find((a) => a.at > at && a.replica !== replica.name),
          60_000,
          'the next leader’s first post',
        );
        handovers.push(next.at - at);
      }
      await startReplica(replica, children);
    }
    await sender.stop();
    // One set per check: rebuilding it per accepted event made this O(n²), which at 9,000 events
    // kept the bench's own receiver (same process) from answering, so the sink crawled.
    const missing = () => {
      const arrived = receiver.unique();
      return [...sender.accepted].filter((n) => !arrived.has(n));
    };
    await until(() => (missing().length === 0 ? true : undefined), 120_000, 'every accepted event').catch(
      () => undefined,
    );
    const lost = missing().length;
    const rollingRepeats = receiver.arrivals.length - receiver.unique().size - repeatsBeforeRolling;
    const terms = all.flatMap((r) => termsFromLogs(r));
    const { outside, overlaps } = leadershipViolations(receiver.arrivals, terms, 300);
    const copies = new Map<number, number>();
    for (const a of receiver.arrivals) copies.set(a.event, (copies.get(a.event) ?? 0) + 1);
    const mostCopies = Math.max(0, ...copies.values());
    // A second queued item of one event (distinct sink Idempotency-Keys) would be a sender's retry
    // stored twice; the request's own Idempotency-Key should fold it.
    const itemsOf = new Map<number, Set<string>>();
    for (const a of receiver.arrivals) itemsOf.set(a.event, (itemsOf.get(a.event) ?? new Set()).add(a.key));
    const storedTwice = [...itemsOf.values()].filter((keys) => keys.size > 1).length;

    const f = summarize(failovers);
    const h = summarize(handovers);
    const rp = summarize(repeatsPerKill);
    const killTarget = leaseMs + retryMs * 2.4 + 3000;
    const rows: TableRow[] = [
      {
        ...infoRow(`leader kill -9 → next leader's first post (n=${f.n})`, ms(f.p50), ms(f.p90), ms(f.max)),
        target: `≤ ${ms(killTarget)}`,
        result: f.max <= killTarget ? 'PASS' : 'MISS',
      },
      {
        ...infoRow(
          `leader SIGTERM → next leader's first post (rolling restart, n=${h.n})`,
          ms(h.p50),
          ms(h.p90),
          ms(h.max),
        ),
        target: `≤ ${ms(retryMs * 1.2 + 2000)}`,
        result: h.max <= retryMs * 1.2 + 2000 ? 'PASS' : 'MISS',
      },
      { ...infoRow('events accepted (HTTP 200 from a replica)', String(sender.accepted.size), '-', '-') },
      {
        ...infoRow('accepted events never delivered', String(lost), '-', '-'),
        target: '0',
        result: lost === 0 ? 'PASS' : 'MISS',
      },
      {
        ...infoRow(`repeated posts per kill (n=${rp.n})`, String(rp.p50), String(rp.p90), String(rp.max)),
        target: '≤ 4 (sinkConcurrency)',
        result: rp.max <= 4 ? 'PASS' : 'MISS',
      },
      {
        ...infoRow(
          'events stored twice (a sender’s retry queued as a second item)',
          String(storedTwice),
          '-',
          '-',
        ),
        target: '0',
        result: storedTwice === 0 ? 'PASS' : 'MISS',
      },
      {
        ...infoRow(`most copies of one event over all ${kills} kills`, String(mostCopies), '-', '-'),
        target: '≤ 2',
        result: mostCopies <= 2 ? 'PASS' : 'MISS',
      },
      {
        ...infoRow('repeated posts during the rolling restart', String(rollingRepeats), '-', '-'),
        target: '0',
        result: rollingRepeats === 0 ? 'PASS' : 'MISS',
      },
      {
        ...infoRow(
          'posts outside the poster’s term / overlapping terms',
          `${outside.length} / ${overlaps.length}`,
          '-',
          '-',
        ),
        target: '0 / 0',
        result: outside.length === 0 && overlaps.length === 0 ? 'PASS' : 'MISS',
      },
      { ...infoRow('sender attempts refused (no leader yet)', String(sender.refusals), '-', '-') },
    ];
    const table: Table = {
      title: `HA: three agent replicas, ${kills} leader kills then a rolling restart, ${rate} events/s`,
      centralHeader: 'p50',
      spreadHeader: 'p90',
      rows,
      notes: [
        `election: NATS KV, ${timings}${ctx.quick ? ' (--quick)' : ' (client-go defaults)'}; queue: JetStream (file storage) on a private nats-server 2.9`,
        'events: the webhook source of any replica (followers forward to the leader over NATS), four senders that retry another replica on a refusal, each try with the event’s Idempotency-Key; webhook sink (sinkConcurrency 4) to a loopback receiver answering after 20 ms',
        'first post: the first arrival from another replica after the signal; repeats: arrivals beyond one per event (deliveries in flight at the kill, at most sinkConcurrency 4; a sender’s retry of a request the kill cut off is folded into the first copy by its Idempotency-Key)',
        'a term ends at the replica’s "following" log line (after a graceful stop’s one-retry-period drain) or at its kill; a post counts as outside when it arrives more than 300 ms after that',
        `target for a kill: lease + two jittered retry periods + 3 s to open the queue and the sink on a loaded machine`,
      ],
    };
    return {
      tables: [table],
      data: { failovers, handovers, repeatsPerKill, lost, rollingRepeats, accepted: sender.accepted.size },
    };
  } finally {
    await procs.release();
    await receiver.close();
    await nats.dispose();
  }
}
