import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { defaultElectionTimings } from '../src/ha/election-timings.js';
import {
  type ChildElectorSpec,
  ElectionTimeline,
  electorChildProgram,
  spawnChildElector,
} from '../test/support/ha-timeline.js';
import { startKubeCluster } from '../test/support/kube-cluster.js';
import { TestNatsServer } from '../test/support/nats-server.js';
import { peers } from './kube.js';
import type { BenchContext, BenchResult } from './lib/context.js';
import { infoRow, type Table, type TableRow } from './lib/report.js';
import { ms, summarize } from './lib/stats.js';

/**
 * Leader failover of the src/ha electors (issue 20 groundwork): three electors, each its own
 * process, on a NATS KV key and on a Kubernetes Lease (real nats-server, real kube-apiserver).
 * Each round takes the current leader away, SIGKILL (a crash: the lease must expire) or
 * SIGTERM (a graceful stop: the lease is released), and times the next leader's first
 * started-leading event from the signal. A replacement process joins after each round.
 * Overlapping terms (two leaders at once, by the processes' own reports) are counted.
 */

type Kind = 'kill' | 'stop';

interface Rounds {
  kill: number[];
  stop: number[];
  overlaps: number;
}

async function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`ha bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function runRounds(
  spec: (identity: string) => ChildElectorSpec,
  timings: typeof defaultElectionTimings,
  plan: Kind[],
): Promise<Rounds> {
  const timeline = new ElectionTimeline();
  const live = new Map<string, ChildProcess>();
  let next = 0;
  const spawnOne = async () => {
    const identity = `replica-${next++}`;
    live.set(identity, await spawnChildElector(spec(identity), timeline));
  };
  const bound = timings.leaseDurationMs + timings.retryPeriodMs * 4 + 10_000;
  const rounds: Rounds = { kill: [], stop: [], overlaps: 0 };
  try {
    for (let i = 0; i < 3; i++) await spawnOne();
    for (const kind of plan) {
      const leader = await waitUntil(() => timeline.leaders().find((id) => live.has(id)), bound, 'a leader');
      // Followers must have seen this leader's lease before it goes, as in a running cluster.
      await new Promise((r) => setTimeout(r, timings.retryPeriodMs * 2));
      const child = live.get(leader) as ChildProcess;
      live.delete(leader);
      const at = Date.now();
      child.kill(kind === 'kill' ? 'SIGKILL' : 'SIGTERM');
      if (kind === 'kill') {
        await once(child, 'exit');
        timeline.add({ identity: leader, event: 'stopped-leading', at });
      }
      const term = await waitUntil(() => timeline.firstTermAfter(at), bound, 'the next leader');
      rounds[kind].push(term.start - at);
      if (kind === 'stop' && child.exitCode === null) await once(child, 'exit');
      await spawnOne();
    }
    rounds.overlaps = timeline.overlaps().length;
    return rounds;
  } finally {
    for (const child of live.values()) child.kill('SIGKILL');
  }
}

function rows(name: string, r: Rounds, timings: typeof defaultElectionTimings): TableRow[] {
  const killTarget = timings.leaseDurationMs + timings.retryPeriodMs * 2.4;
  const stopTarget = timings.retryPeriodMs * 1.2 + 500;
  const row = (label: string, samples: number[], target: number): TableRow => {
    const s = summarize(samples);
    return {
      ...infoRow(`${name}: ${label} (n=${s.n})`, ms(s.p50), ms(s.p90), ms(s.max)),
      target: `≤ ${ms(target)}`,
      result: s.max <= target ? 'PASS' : 'MISS',
    };
  };
  return [
    row('leader SIGKILLed → next leader', r.kill, killTarget),
    row('leader SIGTERMed (release) → next leader', r.stop, stopTarget),
    {
      ...infoRow(`${name}: overlapping leader terms`, String(r.overlaps), '-', '-'),
      target: '0',
      result: r.overlaps === 0 ? 'PASS' : 'MISS',
    },
  ];
}

export async function haFailoverBench(ctx: BenchContext): Promise<BenchResult> {
  const timings = ctx.quick
    ? { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 }
    : { ...defaultElectionTimings };
  const plan: Kind[] = ctx.quick
    ? ['kill', 'stop', 'kill', 'stop']
    : ['kill', 'stop', 'kill', 'stop', 'kill', 'stop', 'kill', 'stop', 'kill', 'stop'];
  await electorChildProgram();
  const tableRows: TableRow[] = [];
  const notes = [
    `timings: leaseDuration ${timings.leaseDurationMs} ms, renewDeadline ${timings.renewDeadlineMs} ms, retryPeriod ${timings.retryPeriodMs} ms${ctx.quick ? ' (--quick)' : ' (client-go defaults)'}`,
    'time from the signal to the next started-leading event; three elector processes, a replacement joins after each round',
    'targets: SIGKILL ≤ leaseDuration + 2 jittered retry periods (observe the last renewal, then take over); SIGTERM ≤ one jittered retry period + 500 ms (the release and the process exit)',
  ];
  const data: Record<string, unknown> = { timings };

  const nats = await TestNatsServer.start();
  try {
    const r = await runRounds(
      (identity) => ({
        kind: 'nats',
        identity,
        servers: nats.url,
        bucket: 'sb-ha-bench',
        key: 'leader',
        timings,
      }),
      timings,
      plan,
    );
    tableRows.push(...rows('NATS KV', r, timings));
    data.nats = r;
  } finally {
    await nats.dispose();
  }

  // etcd and kube-apiserver only: helm is not needed here.
  const built = peers(ctx.repoRoot, ['etcd', 'kubernetes']);
  if ('error' in built) {
    tableRows.push({ ...infoRow('Kubernetes Lease: not measured', '-', '-', '-'), result: 'SKIP' });
    notes.push(built.error);
  } else {
    const cluster = await startKubeCluster({ peers: built });
    try {
      const r = await runRounds(
        (identity) => ({
          kind: 'kube',
          identity,
          server: cluster.url,
          caPem: cluster.caPem,
          token: cluster.adminToken,
          namespace: 'default',
          name: 'sb-ha-bench',
          timings,
        }),
        timings,
        plan,
      );
      tableRows.push(...rows('Kubernetes Lease', r, timings));
      data.kube = r;
    } finally {
      await cluster.stop();
    }
  }
  const table: Table = {
    title: 'Leader failover (src/ha electors, three processes)',
    centralHeader: 'p50',
    spreadHeader: 'p90',
    rows: tableRows,
    notes,
  };
  return { tables: [table], data };
}
