import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import type { ElectionCallbacks, LeaderElector, StepDownReason } from '../../src/ha/leader-elector.js';
import { bundlePlugin, fixtureDir, repoRoot } from './build-fixtures.js';
import type { TcpForward } from './tcp-forward.js';
import { waitFor } from './test-logger.js';

/** One election event, wall-clock stamped so events of child processes line up with the test's. */
export interface ElectionEvent {
  identity: string;
  event: 'started-leading' | 'stopped-leading' | 'new-leader' | 'error';
  at: number;
  reason?: StepDownReason;
  leader?: string | null;
  code?: string;
  message?: string;
}

/** A leadership term: from started-leading to stopped-leading (`end` undefined while it lasts). */
export interface Term {
  identity: string;
  start: number;
  end: number | undefined;
  reason?: StepDownReason;
}

/** Records what every elector of a test reported, and answers questions about it. */
export class ElectionTimeline {
  readonly events: ElectionEvent[] = [];

  /** Callbacks for an in-process elector named `identity`. */
  callbacks(identity: string): ElectionCallbacks {
    return {
      onStartedLeading: () => this.add({ identity, event: 'started-leading', at: Date.now() }),
      onStoppedLeading: (reason) => this.add({ identity, event: 'stopped-leading', at: Date.now(), reason }),
      onNewLeader: (leader) =>
        this.add({ identity, event: 'new-leader', at: Date.now(), leader: leader ?? null }),
      onError: (err) =>
        this.add({ identity, event: 'error', at: Date.now(), code: err.code, message: err.message }),
    };
  }

  add(event: ElectionEvent): void {
    this.events.push(event);
  }

  terms(): Term[] {
    const open = new Map<string, Term>();
    const done: Term[] = [];
    for (const e of this.events) {
      if (e.event === 'started-leading') {
        const term: Term = { identity: e.identity, start: e.at, end: undefined };
        open.set(e.identity, term);
        done.push(term);
      } else if (e.event === 'stopped-leading') {
        const term = open.get(e.identity);
        if (term) {
          term.end = e.at;
          if (e.reason) term.reason = e.reason;
          open.delete(e.identity);
        }
      }
    }
    return done;
  }

  /** Identities leading now. */
  leaders(): string[] {
    return this.terms()
      .filter((t) => t.end === undefined)
      .map((t) => t.identity);
  }

  /** Pairs of terms of different replicas that overlap in time: must be empty. */
  overlaps(): [Term, Term][] {
    const terms = this.terms();
    const found: [Term, Term][] = [];
    for (let i = 0; i < terms.length; i++) {
      for (let j = i + 1; j < terms.length; j++) {
        const a = terms[i] as Term;
        const b = terms[j] as Term;
        if (a.identity === b.identity) continue;
        if (a.start < (b.end ?? Number.POSITIVE_INFINITY) && b.start < (a.end ?? Number.POSITIVE_INFINITY))
          found.push([a, b]);
      }
    }
    return found;
  }

  /**
   * The first term that started after `at`. Strictly after: times are milliseconds, and the term
   * running when `at` was taken may have begun in that same millisecond (CI saw a stop called
   * within the millisecond of the election), while a successor needs at least a store round trip.
   */
  firstTermAfter(at: number): Term | undefined {
    return this.terms().find((t) => t.start > at);
  }

  /** For failure messages. */
  describe(): string {
    const t0 = this.events[0]?.at ?? 0;
    return this.events
      .map(
        (e) =>
          `+${e.at - t0}ms ${e.identity} ${e.event}${e.reason ? ` (${e.reason})` : ''}${e.leader !== undefined ? ` ${e.leader}` : ''}${e.message ? ` ${e.message}` : ''}`,
      )
      .join('\n');
  }
}

/** Settings the child elector program takes as its one argument (JSON). */
export type ChildElectorSpec =
  | {
      kind: 'kube';
      identity: string;
      server: string;
      caPem: string;
      token: string;
      namespace: string;
      name: string;
      timings: Record<string, number>;
    }
  | {
      kind: 'nats';
      identity: string;
      servers: string;
      bucket: string;
      key: string;
      timings: Record<string, number>;
    };

let bundled: Promise<string> | undefined;

/** Bundles test/fixtures/ha/elector-child.ts once per process (test file or bench run). */
export function electorChildProgram(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(fixtureDir, 'ha-elector-child.mjs');
    // Write aside, then rename: another test file may be starting the current one.
    const temporary = `${outfile}.${process.pid}.tmp`;
    await bundlePlugin(join(repoRoot, 'test/fixtures/ha/elector-child.ts'), temporary);
    await rename(temporary, outfile);
    return outfile;
  })();
  return bundled;
}

/** Starts an elector in a child process; its JSON event lines go into `timeline`. */
export async function spawnChildElector(
  spec: ChildElectorSpec,
  timeline: ElectionTimeline,
): Promise<ChildProcess> {
  const program = await electorChildProgram();
  const child = spawn(process.execPath, [program, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      timeline.add(JSON.parse(line) as ElectionEvent);
    } catch {
      // not an event line
    }
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM')
      timeline.add({
        identity: spec.identity,
        event: 'error',
        at: Date.now(),
        message: `child exited ${code}: ${stderr.slice(-500)}`,
      });
  });
  return child;
}

/** What {@link expectPartitionedLeaderStepsDown} needs: the timeline, the leader's proxy and timings. */
export interface PartitionScenario {
  timeline: ElectionTimeline;
  /** The forwarder between the leader and its store (API server or NATS). */
  proxy: TcpForward;
  /** The current leader, which reaches its store only through `proxy`, and its identity. */
  leader: Pick<LeaderElector, 'leader' | 'isLeader'>;
  identity: string;
  timings: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** How long to wait for a successor after the partition. */
  successorWithinMs: number;
}

/**
 * Partitions the leader from its store and checks the election's safety rule, the same for every
 * store: the leader steps down at its renew deadline, a successor starts only after that (at
 * least half the margin leaseDuration − renewDeadline later: timers run late on a loaded machine),
 * no two terms overlap, and once healed the old leader follows the new one.
 */
export async function expectPartitionedLeaderStepsDown(scenario: PartitionScenario): Promise<void> {
  const { timeline, proxy, leader, identity, timings } = scenario;
  const partitionedAt = Date.now();
  proxy.partition();
  const next = await waitFor(
    () => timeline.firstTermAfter(partitionedAt),
    scenario.successorWithinMs,
    'a successor',
  );
  const term = timeline.terms().find((t) => t.identity === identity);
  expect(term?.reason, timeline.describe()).toBe('renew-deadline');
  const steppedDownAt = term?.end as number;
  // Its last good renewal started before the partition: it gives up within renewDeadline of it.
  expect(steppedDownAt - partitionedAt, timeline.describe()).toBeLessThanOrEqual(
    timings.renewDeadlineMs + 200,
  );
  expect(next.start, timeline.describe()).toBeGreaterThan(steppedDownAt);
  expect(next.start - steppedDownAt, timeline.describe()).toBeGreaterThanOrEqual(
    (timings.leaseDurationMs - timings.renewDeadlineMs) / 2,
  );
  expect(timeline.overlaps(), timeline.describe()).toEqual([]);

  proxy.heal();
  await waitFor(() => leader.leader === next.identity, 10_000, `${identity} to see the new leader`);
  await new Promise((r) => setTimeout(r, timings.retryPeriodMs * 3));
  expect(leader.isLeader).toBe(false);
  expect(timeline.leaders(), timeline.describe()).toEqual([next.identity]);
}

/**
 * Kills the leading child with SIGKILL and checks the takeover, the same for every store: nobody
 * takes the lease at once (at least half the lease duration, as a loaded machine stretches the gap
 * between the last renewal and the kill), a successor leads within `maxFailoverMs`, and no two
 * terms overlap.
 */
export async function expectKilledLeaderReplaced(options: {
  timeline: ElectionTimeline;
  child: ChildProcess;
  identity: string;
  leaseDurationMs: number;
  successorWithinMs: number;
  maxFailoverMs: number;
}): Promise<void> {
  const { timeline, child } = options;
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await once(child, 'exit');
  // A killed process reports nothing: its term ends with it.
  timeline.add({ identity: options.identity, event: 'stopped-leading', at: killedAt });
  const next = await waitFor(
    () => timeline.firstTermAfter(killedAt),
    options.successorWithinMs,
    'a successor',
  );
  const failoverMs = next.start - killedAt;
  expect(failoverMs, timeline.describe()).toBeGreaterThanOrEqual(options.leaseDurationMs / 2);
  expect(failoverMs, timeline.describe()).toBeLessThan(options.maxFailoverMs);
  expect(timeline.leaders(), timeline.describe()).toEqual([next.identity]);
  expect(timeline.overlaps(), timeline.describe()).toEqual([]);
}
