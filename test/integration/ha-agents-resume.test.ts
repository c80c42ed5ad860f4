import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBuiltins } from '../support/agent-harness.js';
import { publishFixtureSource } from '../support/fixture-source-repo.js';
import {
  currentLeader,
  killReplica,
  ReplicaProcesses,
  ReplicaReceiver,
  startReplica,
  writeReplicaConfig,
} from '../support/ha-agents.js';
import { TestNatsServer } from '../support/nats-server.js';
import { waitFor } from '../support/test-logger.js';

/**
 * A source stream survives a failover: two replicas stream the SDK fixture source in journal
 * mode (it tails a file and resumes from a cursor); the leader is killed, lines are written while
 * no replica streams, and the next leader resumes from the cursor the last one stored in NATS KV:
 * every line is delivered, none more than twice (cursors are written behind, at most once a
 * second, so the last second before a kill may be read again).
 */

describe('HA: source streams resume on the next leader', () => {
  const procs = new ReplicaProcesses();
  const { children, started } = procs;
  const receiver = new ReplicaReceiver();
  let nats: TestNatsServer;
  let builtins: string;
  let fixtures: string;

  beforeAll(async () => {
    [builtins, fixtures, nats] = await Promise.all([
      publishBuiltins(),
      publishFixtureSource(),
      TestNatsServer.start(),
    ]);
    await receiver.listen();
  }, 180_000);

  afterAll(async () => {
    await procs.release();
    await receiver.close();
    await nats?.dispose();
  });

  it('lines written while no replica streamed are delivered by the next leader, from the stored cursor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-resume-'));
    const journal = join(dir, 'journal.log');
    await writeFile(journal, 'ev-0- before any agent\n');
    const all = await Promise.all(
      ['a', 'b'].map((name) =>
        writeReplicaConfig({
          dir,
          name,
          natsUrl: nats.url,
          receiverUrl: receiver.url,
          repo: builtins,
          election: { store: 'nats', lease: 'ha-resume' },
          repositories: `    fx: {url: "file://${fixtures}/index.yaml"}`,
          sources: {
            yaml: `  journal:\n    fx/fixture: {enabled: true, config: {journal: ${journal}, intervalMs: 50}}`,
            groups: ['journal'],
          },
        }),
      ),
    );
    started.push(...all);
    const append = (from: number, to: number) => {
      const lines = [];
      for (let n = from; n < to; n++) lines.push(`ev-${n}- line\n`);
      return appendFile(journal, lines.join(''));
    };
    await Promise.all(all.map((r) => startReplica(r, children)));
    const leader = await waitFor(() => currentLeader(all), 20_000, 'a leader');
    await waitFor(
      () => /"msg":"tailing"/.test(leader.run?.output() ?? ''),
      30_000,
      'the journal stream to open',
    );
    await append(1, 21);
    await waitFor(() => receiver.unique().size >= 20, 30_000, 'lines 1-20');
    // Past one write-behind interval, so the stored cursor is at line 21.
    await new Promise((r) => setTimeout(r, 1500));
    await killReplica(leader);
    await append(21, 41);
    const next = await waitFor(
      async () => {
        const now = await currentLeader(all);
        return now && now !== leader ? now : undefined;
      },
      30_000,
      'the next leader',
    );
    await waitFor(() => /"msg":"tailing"/.test(next.run?.output() ?? ''), 30_000, 'the next leader’s stream');
    expect(next.run?.output()).toMatch(/"resumed":true/);
    await append(41, 51);
    const missing = () =>
      Array.from({ length: 50 }, (_, i) => i + 1).filter((n) => !receiver.unique().has(n));
    await waitFor(() => missing().length === 0, 30_000, 'lines 1-50').catch(() => undefined);
    expect(missing()).toEqual([]);
    // Line 0 predates the first stream; lines of the gap came from the resumed stream.
    expect(receiver.unique().has(0)).toBe(false);
    expect(
      receiver.arrivals.filter((a) => a.event >= 21 && a.event < 41).every((a) => a.replica === next.name),
    ).toBe(true);
    for (const [event, copies] of receiver.repeats())
      expect({ event, copies: copies <= 2 }).toEqual({ event, copies: true });
  }, 240_000);
});
