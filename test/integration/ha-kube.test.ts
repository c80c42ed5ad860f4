import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubeLeaseElector } from '../../src/ha/electors.js';
import type { LeaderElector } from '../../src/ha/leader-elector.js';
import { type ClusterConnection, inClusterConnection } from '../../src/kube/cluster-connection.js';
import { freePort } from '../support/agent-harness.js';
import {
  ElectionTimeline,
  electorChildProgram,
  expectKilledLeaderReplaced,
  expectPartitionedLeaderStepsDown,
  spawnChildElector,
} from '../support/ha-timeline.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { forwardPort, type TcpForward } from '../support/tcp-forward.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/**
 * The Kubernetes Lease elector against a real etcd + kube-apiserver: three electors, graceful
 * hand-over, a leader process killed with SIGKILL, a leader partitioned from the API server by a
 * proxy that stops forwarding, RBAC with only get/create/update on leases, in-cluster auth.
 */

// Short timings so a failover takes seconds (a Lease holds whole seconds).
const timings = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
// Slack for a loaded 2-core machine shared with other test runs.
const slackMs = 1500;

interface LeaseJson {
  metadata: { resourceVersion: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

describe('Kubernetes Lease leader election (real kube-apiserver)', () => {
  let cluster: KubeCluster;
  let admin: ClusterConnection;
  const electors: LeaderElector[] = [];
  const children: ChildProcess[] = [];
  const forwards: TcpForward[] = [];
  let leaseCounter = 0;

  const connectionFor = (token: string, server = cluster.url): ClusterConnection => ({
    server,
    caPem: cluster.caPem,
    credentials: { token },
    origin: 'test',
  });

  const elector = (
    identity: string,
    timeline: ElectionTimeline,
    lease: { name: string; namespace?: string },
    connection: ClusterConnection = admin,
    log = createTestLogger('warn').logger,
  ): LeaderElector => {
    const e = createKubeLeaseElector({
      identity,
      connection,
      namespace: lease.namespace ?? 'default',
      name: lease.name,
      timings,
      callbacks: timeline.callbacks(identity),
      log,
    });
    electors.push(e);
    return e;
  };

  const getLease = async (name: string, namespace = 'default'): Promise<LeaseJson> => {
    const res = await cluster.kubectl(['get', 'lease', name, '-n', namespace, '-o', 'json']);
    if (res.code !== 0) throw new Error(`kubectl get lease ${name}: ${res.stderr}`);
    return JSON.parse(res.stdout) as LeaseJson;
  };

  const apply = async (manifest: string): Promise<void> => {
    const res = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
    if (res.code !== 0) throw new Error(`kubectl apply: ${res.stderr}`);
  };

  const nextLease = () => ({ name: `sb-leader-${leaseCounter++}` });

  beforeAll(async () => {
    cluster = await startKubeCluster();
    admin = connectionFor(cluster.adminToken);
    await electorChildProgram();
  }, 120_000);

  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop();
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    for (const f of forwards.splice(0)) await f.close();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('three electors: exactly one leads; the Lease names it with client-go fields', async () => {
    const lease = nextLease();
    const timeline = new ElectionTimeline();
    const all = ['a', 'b', 'c'].map((name) => elector(name, timeline, lease));
    for (const e of all) e.start();
    await waitFor(() => timeline.leaders().length === 1, 10_000, 'a leader');
    const [leader] = timeline.leaders();
    await new Promise((r) => setTimeout(r, timings.retryPeriodMs * 4));
    expect(timeline.leaders(), timeline.describe()).toEqual([leader]);
    await waitFor(() => all.every((e) => e.leader === leader), 5000, 'all to observe the leader');
    expect(all.filter((e) => e.isLeader)).toHaveLength(1);
    const first = await getLease(lease.name);
    expect(first.spec).toMatchObject({
      holderIdentity: leader,
      leaseDurationSeconds: 4,
      leaseTransitions: 0,
    });
    expect(first.spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/u);
    // Renewals move renewTime (and the resourceVersion), not acquireTime.
    await new Promise((r) => setTimeout(r, timings.retryPeriodMs * 3));
    const later = await getLease(lease.name);
    expect(later.spec.acquireTime).toBe(first.spec.acquireTime);
    expect(later.spec.renewTime).not.toBe(first.spec.renewTime);
    expect(later.metadata.resourceVersion).not.toBe(first.metadata.resourceVersion);
    expect(timeline.overlaps()).toEqual([]);
  });

  it('a leader that stops clears the holder: a successor leads within a retry period, never overlapping', async () => {
    const lease = nextLease();
    const timeline = new ElectionTimeline();
    const byName = new Map(['a', 'b', 'c'].map((name) => [name, elector(name, timeline, lease)] as const));
    for (const e of byName.values()) e.start();
    await waitFor(() => timeline.leaders().length === 1, 10_000, 'a leader');
    const first = timeline.leaders()[0] as string;
    const stoppedAt = Date.now();
    await byName.get(first)?.stop();
    const next = await waitFor(() => timeline.firstTermAfter(stoppedAt), 10_000, 'a successor');
    expect(next.identity).not.toBe(first);
    expect(next.start - stoppedAt, timeline.describe()).toBeLessThan(timings.retryPeriodMs * 1.2 + slackMs);
    expect(timeline.terms().find((t) => t.identity === first)?.reason).toBe('stopped');
    expect(timeline.overlaps(), timeline.describe()).toEqual([]);
    const after = await getLease(lease.name);
    expect(after.spec).toMatchObject({ holderIdentity: next.identity, leaseTransitions: 1 });
  });

  it('a leader whose Lease another writer takes (kubectl) steps down as lost', async () => {
    const lease = nextLease();
    const timeline = new ElectionTimeline();
    const a = elector('a', timeline, lease);
    a.start();
    await waitFor(() => timeline.leaders().includes('a'), 10_000, 'a to lead');
    const takenAt = Date.now();
    const res = await cluster.kubectl([
      'patch',
      'lease',
      lease.name,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: { holderIdentity: 'intruder', renewTime: new Date().toISOString().replace('Z', '000Z') },
      }),
    ]);
    expect(res.code, res.stderr).toBe(0);
    await waitFor(
      () => timeline.leaders().length === 0,
      timings.retryPeriodMs * 2 + slackMs,
      'a to step down',
    );
    const term = timeline.terms()[0];
    expect(term?.reason, timeline.describe()).toBe('lost');
    expect((term?.end as number) - takenAt).toBeLessThan(timings.retryPeriodMs + slackMs);
    await waitFor(() => a.leader === 'intruder', 5000, 'a to see the new holder');
    // The intruder never renews: a takes the lease back once it expires.
    await waitFor(
      () => timeline.leaders().includes('a'),
      timings.leaseDurationMs + timings.retryPeriodMs * 3 + slackMs,
      'a to lead again',
    );
  });

  it('a leader process killed with SIGKILL: a successor leads once the lease expires (leaseDuration + retryPeriod)', async () => {
    const lease = nextLease();
    const timeline = new ElectionTimeline();
    const child = await spawnChildElector(
      {
        kind: 'kube',
        identity: 'doomed',
        server: cluster.url,
        caPem: cluster.caPem,
        token: cluster.adminToken,
        namespace: 'default',
        name: lease.name,
        timings,
      },
      timeline,
    );
    children.push(child);
    await waitFor(() => timeline.leaders().includes('doomed'), 15_000, 'the child to lead');
    const others = [elector('b', timeline, lease), elector('c', timeline, lease)];
    for (const e of others) e.start();
    await waitFor(() => others.every((e) => e.leader === 'doomed'), 5000, 'followers to see the child lead');
    // Followers time the lease from when they saw its last renewal (at most a retry period
    // before the kill, seen up to a jittered retry period later), then try every retry period.
    await expectKilledLeaderReplaced({
      timeline,
      child,
      identity: 'doomed',
      leaseDurationMs: timings.leaseDurationMs,
      successorWithinMs: timings.leaseDurationMs + timings.retryPeriodMs * 3 + slackMs * 2,
      maxFailoverMs: timings.leaseDurationMs + timings.retryPeriodMs * 2.4 + slackMs,
    });
  });

  it('a leader partitioned from the API server steps down before its lease expires; the successor starts after', async () => {
    const lease = nextLease();
    const timeline = new ElectionTimeline();
    const port = await freePort();
    const proxy = await forwardPort(port, Number(new URL(cluster.url).port));
    forwards.push(proxy);
    const a = elector('a', timeline, lease, connectionFor(cluster.adminToken, `https://127.0.0.1:${port}`));
    a.start();
    await waitFor(() => timeline.leaders().includes('a'), 10_000, 'a to lead');
    const others = [elector('b', timeline, lease), elector('c', timeline, lease)];
    for (const e of others) e.start();
    await waitFor(() => others.every((e) => e.leader === 'a'), 5000, 'followers to see a lead');

    await expectPartitionedLeaderStepsDown({
      timeline,
      proxy,
      leader: a,
      identity: 'a',
      timings,
      successorWithinMs: timings.leaseDurationMs + timings.retryPeriodMs * 3 + slackMs * 2,
    });
  });

  it('a leader stopped while partitioned: the release fails within renewDeadline, is logged, and the lease expires instead', async () => {
    const lease = nextLease();
    const timeline = new ElectionTimeline();
    const port = await freePort();
    const proxy = await forwardPort(port, Number(new URL(cluster.url).port));
    forwards.push(proxy);
    const { logger, lines } = createTestLogger('warn');
    const a = elector(
      'a',
      timeline,
      lease,
      connectionFor(cluster.adminToken, `https://127.0.0.1:${port}`),
      logger,
    );
    a.start();
    await waitFor(() => timeline.leaders().includes('a'), 10_000, 'a to lead');
    const b = elector('b', timeline, lease);
    b.start();
    await waitFor(() => b.leader === 'a', 5000, 'b to see a');
    proxy.partition();
    const stoppedAt = Date.now();
    await a.stop();
    // stop() does not hang on the dead connection: the release gives up after renewDeadline.
    expect(Date.now() - stoppedAt).toBeLessThan(timings.renewDeadlineMs + slackMs);
    expect(lines.some((l) => l.msg === 'leader lease release failed; others take it when it expires')).toBe(
      true,
    );
    expect(timeline.terms()[0]?.reason).toBe('stopped');
    const next = await waitFor(
      () => timeline.firstTermAfter(stoppedAt),
      timings.leaseDurationMs + slackMs * 2,
      'b to take over',
    );
    expect(next.identity).toBe('b');
    expect(timeline.overlaps(), timeline.describe()).toEqual([]);
  });

  it('a token file that cannot be read is reported (SB_ERR_HA_LEASE naming it) and retried', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-token-'));
    try {
      const timeline = new ElectionTimeline();
      const tokenFile = join(dir, 'token');
      const e = elector('t', timeline, nextLease(), { ...admin, credentials: { tokenFile } });
      e.start();
      const error = await waitFor(
        () => timeline.events.find((ev) => ev.event === 'error'),
        10_000,
        'the error',
      );
      expect(error.code).toBe('SB_ERR_HA_LEASE');
      expect(error.message).toContain(`cannot read the Kubernetes token file ${tokenFile}`);
      expect(e.isLeader).toBe(false);
      // The file appears (a projected token mounted late): the next attempt reads it and leads.
      await writeFile(tokenFile, cluster.adminToken);
      await waitFor(() => timeline.leaders().includes('t'), 10_000, 't to lead once the token is there');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('RBAC: get, create and update on leases in its namespace are enough; without create it is refused and never leads', async () => {
    await apply(`
apiVersion: v1
kind: Namespace
metadata: {name: ha-rbac}
---
apiVersion: v1
kind: Namespace
metadata: {name: ha-readonly}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: switchboard-leader-election, namespace: ha-rbac}
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: switchboard-leader-election, namespace: ha-rbac}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: switchboard-leader-election}
subjects:
- {kind: User, name: switchboard-agent, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: lease-reader, namespace: ha-readonly}
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: lease-reader, namespace: ha-readonly}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: lease-reader}
subjects:
- {kind: User, name: switchboard-agent, apiGroup: rbac.authorization.k8s.io}
`);
    const agent = connectionFor(cluster.agentToken);
    const timeline = new ElectionTimeline();
    const lease = { name: 'switchboard', namespace: 'ha-rbac' };
    const a = elector('a', timeline, lease, agent);
    const b = elector('b', timeline, lease, agent);
    a.start();
    await waitFor(() => timeline.leaders().includes('a'), 10_000, 'a to lead with the minimal Role');
    b.start();
    await waitFor(() => b.leader === 'a', 5000, 'b to see a');
    // Release (an update) is allowed too: b takes over at once.
    const stoppedAt = Date.now();
    await a.stop();
    const next = await waitFor(() => timeline.firstTermAfter(stoppedAt), 5000, 'b to take over');
    expect(next.identity).toBe('b');
    expect(
      timeline.events.filter((e) => e.event === 'error'),
      timeline.describe(),
    ).toEqual([]);

    const refused = new ElectionTimeline();
    const r = elector('r', refused, { name: 'switchboard', namespace: 'ha-readonly' }, agent);
    r.start();
    const error = await waitFor(() => refused.events.find((e) => e.event === 'error'), 10_000, 'the refusal');
    expect(error.code).toBe('SB_ERR_HA_LEASE');
    expect(error.message).toContain('Lease ha-readonly/switchboard');
    expect(error.message).toContain('create as "r" answered HTTP 403');
    expect(error.message).toContain(
      'needs get, create and update on coordination.k8s.io leases in namespace ha-readonly',
    );
    // Reported once, retried quietly, never leading.
    await new Promise((r2) => setTimeout(r2, timings.retryPeriodMs * 4));
    expect(refused.events.filter((e) => e.event === 'error')).toHaveLength(1);
    expect(r.isLeader).toBe(false);
    expect(refused.terms()).toEqual([]);
  });

  it('in-cluster: the service-account token file, CA and KUBERNETES_SERVICE_HOST/PORT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-sa-'));
    try {
      await writeFile(join(dir, 'token'), `${cluster.adminToken}\n`);
      await writeFile(join(dir, 'ca.crt'), cluster.caPem);
      const url = new URL(cluster.url);
      const connection = await inClusterConnection(
        { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
        dir,
      );
      expect(connection.credentials).toEqual({ tokenFile: join(dir, 'token') });
      const timeline = new ElectionTimeline();
      elector('pod-0', timeline, { name: 'in-cluster' }, connection).start();
      await waitFor(() => timeline.leaders().includes('pod-0'), 10_000, 'the in-cluster elector to lead');
      expect((await getLease('in-cluster')).spec.holderIdentity).toBe('pod-0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad names, a lease duration in fractions of a second, unsafe timings and a plain-http server', () => {
    const timeline = new ElectionTimeline();
    expect(() => elector('a', timeline, { name: 'Bad_Name' })).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_HA_ELECTION',
        message: expect.stringContaining('lease name "Bad_Name"'),
      }),
    );
    expect(() => elector('a', timeline, { name: 'ok', namespace: 'No' })).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_HA_ELECTION',
        message: expect.stringContaining('namespace "No"'),
      }),
    );
    expect(() =>
      createKubeLeaseElector({
        identity: 'a',
        connection: admin,
        namespace: 'default',
        name: 'ok',
        timings: { leaseDurationMs: 14_500 },
        log: createTestLogger('warn').logger,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_HA_ELECTION',
        message: expect.stringContaining('leaseDurationMs is 14500; a Lease holds whole seconds'),
      }),
    );
    expect(() =>
      createKubeLeaseElector({
        identity: 'a',
        connection: admin,
        namespace: 'default',
        name: 'ok',
        timings: { leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 },
        log: createTestLogger('warn').logger,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_HA_ELECTION',
        message: expect.stringContaining(
          'renewDeadlineMs (2000) must be more than 1.2 × retryPeriodMs (2000)',
        ),
      }),
    );
    expect(() =>
      createKubeLeaseElector({
        identity: ' ',
        connection: admin,
        namespace: 'default',
        name: 'ok',
        log: createTestLogger('warn').logger,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_HA_ELECTION',
        message: expect.stringContaining('identity is empty'),
      }),
    );
    expect(() =>
      createKubeLeaseElector({
        identity: 'a',
        connection: { ...admin, server: 'http://127.0.0.1:8080' },
        namespace: 'default',
        name: 'ok',
        log: createTestLogger('warn').logger,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'SB_ERR_HA_ELECTION',
        message: expect.stringContaining('must use https'),
      }),
    );
  });
});
