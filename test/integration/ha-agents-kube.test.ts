import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, publishBuiltins } from '../support/agent-harness.js';
import {
  currentLeader,
  leadershipViolations,
  ReplicaProcesses,
  ReplicaReceiver,
  RetryingSender,
  startReplica,
  termsFromLogs,
  writeReplicaConfig,
} from '../support/ha-agents.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { TestNatsServer } from '../support/nats-server.js';
import { forwardPort, type TcpForward } from '../support/tcp-forward.js';
import { waitFor } from '../support/test-logger.js';

/**
 * Three real agent replicas electing through a Kubernetes Lease on a real kube-apiserver, with
 * the queue in a private nats-server. The leader reaches the API server through a TCP proxy;
 * when the proxy stops forwarding (a partition), the leader must stop posting before its lease
 * can expire, and only then may another replica lead and post.
 */

const graceMs = 300;

describe('HA: three agent replicas on a Kubernetes Lease (real kube-apiserver)', () => {
  const procs = new ReplicaProcesses();
  const { children, started } = procs;
  const receiver = new ReplicaReceiver();
  let cluster: KubeCluster;
  let nats: TestNatsServer;
  let repo: string;
  let proxy: TcpForward | undefined;

  beforeAll(async () => {
    [repo, cluster, nats] = await Promise.all([
      publishBuiltins(),
      startKubeCluster(),
      TestNatsServer.start(),
    ]);
    await receiver.listen();
  }, 180_000);

  afterAll(async () => {
    await procs.release();
    await proxy?.close();
    await receiver.close();
    await nats?.dispose();
    await cluster?.stop();
  });

  it('a leader partitioned from the API server stops posting before its lease expires; the next posts only after; nothing is lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-kube-'));
    const direct = await cluster.kubeconfigFor(cluster.adminToken);
    const proxyPort = await freePort();
    proxy = await forwardPort(proxyPort, Number(new URL(cluster.url).port));
    const viaProxy = join(dir, 'kubeconfig-proxy.yaml');
    await writeFile(
      viaProxy,
      (await readFile(direct, 'utf8')).replace(cluster.url, `https://127.0.0.1:${proxyPort}`),
      { mode: 0o600 },
    );
    // Lease 4 s (whole seconds), renew deadline 3 s: the leader has 1 s between stepping down
    // and the earliest moment another replica may take the lease.
    const timings = 'leaseDuration: 4s, renewDeadline: 3s, retryPeriod: 500ms';
    const make = (name: string, kubeconfig: string) =>
      writeReplicaConfig({
        dir,
        name,
        natsUrl: nats.url,
        receiverUrl: receiver.url,
        repo,
        election: { store: 'kubernetes', kubeconfig, lease: 'sb-agents' },
        timings,
      });
    const a = await make('a', viaProxy);
    const all = [a, await make('b', direct), await make('c', direct)];
    started.push(...all);
    await startReplica(a, children);
    await waitFor(async () => (await currentLeader(all)) === a, 20_000, 'a to lead');
    await Promise.all(all.slice(1).map((r) => startReplica(r, children)));
    const lease = await cluster.kubectl([
      'get',
      'lease',
      'sb-agents',
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    expect(lease.stdout).toBe('a');

    const sender = new RetryingSender(() => all.map((r) => r.hookPort), 40);
    sender.start();
    await waitFor(
      () => receiver.arrivals.filter((x) => x.replica === 'a').length >= 30,
      20_000,
      'posts by a',
    );
    const partitionedAt = Date.now();
    proxy.partition();
    const successor = await waitFor(
      () => receiver.arrivals.find((x) => x.at > partitionedAt && x.replica !== 'a'),
      30_000,
      'a post by the next leader',
    );
    await waitFor(
      () => /could not renew the lease in time/.test(a.run?.output() ?? ''),
      10_000,
      'a to step down',
    );
    proxy.heal();
    // Keep sending a little after the hand-over, then everything accepted must arrive.
    await new Promise((r) => setTimeout(r, 3000));
    await sender.stop();
    const missing = () => [...sender.accepted].filter((n) => !receiver.unique().has(n));
    await waitFor(() => missing().length === 0, 60_000, 'every accepted event').catch(() => undefined);
    expect(missing()).toEqual([]);

    const terms = all.flatMap((r) => termsFromLogs(r));
    const [aTerm] = terms.filter((t) => t.replica === 'a');
    const next = terms.find((t) => t.replica === successor.replica);
    expect(aTerm && next, JSON.stringify(terms)).toBeTruthy();
    if (!aTerm || !next) return;
    // a stepped down within the renew deadline of the partition (plus slack for the loaded
    // machine), and before the successor started.
    expect(aTerm.end - partitionedAt).toBeLessThan(3000 + 1500);
    expect(next.start).toBeGreaterThan(aTerm.end);
    const { outside, overlaps } = leadershipViolations(receiver.arrivals, terms, graceMs);
    expect(overlaps).toEqual([]);
    expect(outside.slice(0, 5)).toEqual([]);
    // After healing, a follows the new leader and the Lease names it.
    await waitFor(
      async () =>
        (await cluster.kubectl(['get', 'lease', 'sb-agents', '-o', 'jsonpath={.spec.holderIdentity}']))
          .stdout === successor.replica,
      10_000,
      'the Lease to name the successor',
    );
    expect((await currentLeader(all))?.name).toBe(successor.replica);
  }, 300_000);
});
