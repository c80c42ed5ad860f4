import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBuiltins } from '../support/agent-harness.js';
import {
  currentLeader,
  killReplica,
  ReplicaProcesses,
  ReplicaReceiver,
  startReplica,
  writeReplicaConfig,
} from '../support/ha-agents.js';
import { TestNatsServer } from '../support/nats-server.js';
import {
  type PostedMessage,
  type SlackEmulator,
  startSlackEmulator,
} from '../support/slack-emulator/index.js';
import { waitFor } from '../support/test-logger.js';

/**
 * Two real agent replicas in HA mode with a Slack bot (Socket Mode) against the Slack emulator:
 * only the leader holds a Socket Mode connection; after the leader is killed the next one opens
 * its own, and a command typed while no replica was connected (Slack keeps it for the app) is
 * answered once, by the new leader; notifications disabled through one leader stay disabled
 * under the next (runtime state shared in NATS KV).
 */

describe('HA: Slack Socket Mode held by the leader only', () => {
  const procs = new ReplicaProcesses();
  const { children, started } = procs;
  const receiver = new ReplicaReceiver();
  let emu: SlackEmulator;
  let nats: TestNatsServer;
  let repo: string;

  beforeAll(async () => {
    [repo, nats, emu] = await Promise.all([
      publishBuiltins(),
      TestNatsServer.start(),
      startSlackEmulator({ rateLimit: { ratePerSecond: 50, burst: 50 }, serverPingIntervalMs: 0 }),
    ]);
    await receiver.listen();
  }, 180_000);

  afterAll(async () => {
    await procs.release();
    await receiver.close();
    await nats?.dispose();
    await emu?.close();
  });

  it('one Socket Mode connection at a time; a command typed during the failover is answered once by the new leader; muted notifications stay muted under the next leader', async () => {
    const ops = emu.addChannel('prod-ops');
    const ada = emu.addUser('ada');
    const mention = `<@${emu.botUserId}>`;
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-slack-'));
    const platforms = `    socketSlack:
      enabled: true
      botToken: ${emu.botToken}
      appToken: ${emu.appToken}
      apiUrl: ${emu.apiUrl}
      apiRetries: 0
      pingTimeout: 5s
      channels:
        ops: {name: prod-ops, bindings: {executors: [tools], sources: [alerts]}}`;
    const executors = `executors:
  tools:
    sb/echo: {enabled: true}`;
    const all = await Promise.all(
      ['a', 'b'].map((name) =>
        writeReplicaConfig({
          dir,
          name,
          natsUrl: nats.url,
          receiverUrl: receiver.url,
          repo,
          election: { store: 'nats', lease: 'ha-slack' },
          platforms,
          executors,
        }),
      ),
    );
    started.push(...all);
    await Promise.all(all.map((r) => startReplica(r, children)));
    const leader = await waitFor(() => currentLeader(all), 20_000, 'a leader');
    await waitFor(() => emu.stats().liveConnections === 1, 20_000, 'the leader’s Socket Mode connection');
    const text = (m: PostedMessage) => JSON.stringify(m.blocks ?? []);
    const replies = (needle: string) => emu.messages(ops.id).filter((m) => text(m).includes(needle));

    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} echo before the kill` });
    await waitFor(() => replies('before the kill').length === 1, 20_000, 'the answer before the kill');
    // The follower stays without a connection while the leader holds one.
    await new Promise((r) => setTimeout(r, 1500));
    expect(emu.stats().liveConnections).toBe(1);

    await killReplica(leader);
    await waitFor(() => emu.stats().liveConnections === 0, 10_000, 'the killed leader’s connection to close');
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} echo during the gap` });
    await waitFor(() => replies('during the gap').length >= 1, 30_000, 'the answer from the next leader');
    expect((await currentLeader(all))?.name).not.toBe(leader.name);
    await new Promise((r) => setTimeout(r, 2000));
    expect(replies('during the gap')).toHaveLength(1);
    expect(replies('before the kill')).toHaveLength(1);
    expect(emu.stats().liveConnections).toBe(1);

    // The killed replica comes back as a follower: still one connection.
    await startReplica(leader, children);
    await new Promise((r) => setTimeout(r, 2000));
    expect(emu.stats().liveConnections).toBe(1);

    // Runtime state is shared: notifications disabled through this leader stay disabled under
    // the next one (the event still reaches the sink, bound to the same source group).
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} disable notifications` });
    await waitFor(
      () => replies('Notifications are now disabled').length === 1,
      20_000,
      'notifications disabled',
    );
    const second = await waitFor(() => currentLeader(all), 20_000, 'the leader');
    await killReplica(second);
    const next = await waitFor(
      async () => {
        const now = await currentLeader(all);
        return now && now !== second ? now : undefined;
      },
      30_000,
      'the next leader',
    );
    const post = (n: number) =>
      fetch(`http://127.0.0.1:${next.hookPort}/sources/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `ev-${n}-` }),
      });
    await waitFor(async () => (await post(1)).status === 200, 20_000, 'the new leader to take events');
    await waitFor(() => receiver.unique().has(1), 20_000, 'the event at the sink');
    await new Promise((r) => setTimeout(r, 1500));
    expect(replies('ev-1-')).toEqual([]);
    await emu.userMessage({ user: ada.id, channel: ops.id, text: `${mention} enable notifications` });
    await waitFor(
      () => replies('Notifications are now enabled').length === 1,
      20_000,
      'notifications enabled',
    );
    expect((await post(2)).status).toBe(200);
    await waitFor(() => replies('ev-2-').length === 1, 20_000, 'the event in the channel again');
    expect(emu.specViolations()).toEqual([]);
  }, 240_000);
});
