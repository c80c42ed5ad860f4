import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';

/*
 * The cluster harness against the real peers: a real etcd and kube-apiserver on loopback, driven
 * by the real kubectl and helm. These are the behaviours the Kubernetes plugins' tests rely on:
 * static-token users, RBAC decided by the API server, impersonation, and helm releases.
 */

let cluster: KubeCluster;
let startMs = 0;

beforeAll(async () => {
  const t0 = Date.now();
  cluster = await startKubeCluster();
  startMs = Date.now() - t0;
});

afterAll(async () => {
  await cluster?.stop();
});

function ok(result: { code: number; stdout: string; stderr: string }): string {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Retries `check` for up to 5 s: for effects that reach the API server's caches asynchronously. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const deployment = (name: string, namespace: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "registry.invalid/app:1"}]}
`;

describe('kube-cluster harness', () => {
  it('serves the API with its own CA and reports the start time', async () => {
    expect(cluster.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.caPem).toContain('BEGIN CERTIFICATE');
    // Printed so the start-up cost stays visible in test logs (docs/testing.md quotes it).
    console.info(`kube-cluster started in ${startMs} ms`);
    const version = ok(await cluster.kubectl(['version', '-o', 'json']));
    expect(JSON.parse(version).serverVersion.gitVersion).toMatch(/^v1\.37\./);
  });

  it('lets the admin create a namespace and a Deployment', async () => {
    ok(await cluster.kubectl(['create', 'namespace', 'team-a']));
    ok(await cluster.kubectl(['apply', '-f', '-'], { input: deployment('web', 'team-a') }));
    const got = JSON.parse(
      ok(await cluster.kubectl(['get', 'deployment', 'web', '-n', 'team-a', '-o', 'json'])),
    );
    expect(got.spec.template.spec.containers[0].image).toBe('registry.invalid/app:1');
  });

  it('lets the admin create a Pod (no ServiceAccount admission) that stays Pending', async () => {
    ok(
      await cluster.kubectl([
        'run',
        'lonely',
        '-n',
        'team-a',
        '--image=registry.invalid/app:1',
        '--restart=Never',
      ]),
    );
    const pod = JSON.parse(ok(await cluster.kubectl(['get', 'pod', 'lonely', '-n', 'team-a', '-o', 'json'])));
    expect(pod.status.phase).toBe('Pending');
  });

  it('refuses the agent user until a RoleBinding grants get pods, then only in that namespace', async () => {
    ok(await cluster.kubectl(['create', 'namespace', 'team-b']));
    const before = await cluster.kubectl(['get', 'pods', '-n', 'team-a'], { token: cluster.agentToken });
    expect(before.code).not.toBe(0);
    expect(before.stderr).toContain('User "switchboard-agent" cannot list resource "pods"');

    ok(
      await cluster.kubectl([
        'create',
        'role',
        'pod-reader',
        '-n',
        'team-a',
        '--verb=get,list',
        '--resource=pods',
      ]),
    );
    ok(
      await cluster.kubectl([
        'create',
        'rolebinding',
        'agent-reads-pods',
        '-n',
        'team-a',
        '--role=pod-reader',
        '--user=switchboard-agent',
      ]),
    );
    // RBAC changes reach the authorizer through its informer: allow a moment for it.
    let allowed = await cluster.kubectl(['get', 'pods', '-n', 'team-a', '-o', 'name'], {
      token: cluster.agentToken,
    });
    for (let i = 0; i < 50 && allowed.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      allowed = await cluster.kubectl(['get', 'pods', '-n', 'team-a', '-o', 'name'], {
        token: cluster.agentToken,
      });
    }
    expect(ok(allowed).trim()).toBe('pod/lonely');

    const elsewhere = await cluster.kubectl(['get', 'pods', '-n', 'team-b'], { token: cluster.agentToken });
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain(
      'cannot list resource "pods" in API group "" in the namespace "team-b"',
    );
    const write = await cluster.kubectl(['delete', 'pod', 'lonely', '-n', 'team-a'], {
      token: cluster.agentToken,
    });
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('cannot delete resource "pods"');
  });

  it('lets the admin impersonate a user and a group, and RBAC judges the impersonated identity', async () => {
    ok(await cluster.kubectl(['create', 'namespace', 'team-c']));
    // Not the built-in `view`: it is an aggregated ClusterRole that only kube-controller-manager
    // fills, and this cluster runs none, so it grants nothing here.
    ok(
      await cluster.kubectl([
        'create',
        'clusterrole',
        'chat-view',
        '--verb=get,list,watch',
        '--resource=pods,configmaps',
      ]),
    );
    ok(
      await cluster.kubectl([
        'create',
        'rolebinding',
        'viewers-view',
        '-n',
        'team-c',
        '--clusterrole=chat-view',
        '--group=chat-viewers',
      ]),
    );
    const whoami = JSON.parse(
      ok(await cluster.kubectl(['auth', 'whoami', '-o', 'json', '--as=alice', '--as-group=chat-viewers'])),
    );
    expect(whoami.status.userInfo.username).toBe('alice');
    expect(whoami.status.userInfo.groups).toContain('chat-viewers');

    const can = async (ns: string, extra: string[]) =>
      (
        await cluster.kubectl(['auth', 'can-i', 'list', 'pods', '-n', ns, '--as=alice', ...extra])
      ).stdout.trim();
    // The new RoleBinding reaches the authorizer through its informer a moment later.
    await eventually(async () => expect(await can('team-c', ['--as-group=chat-viewers'])).toBe('yes'));
    expect(await can('team-b', ['--as-group=chat-viewers'])).toBe('no');
    expect(await can('team-c', [])).toBe('no');

    const refused = await cluster.kubectl([
      'get',
      'pods',
      '-n',
      'team-b',
      '--as=alice',
      '--as-group=chat-viewers',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('User "alice" cannot list resource "pods"');
  });

  it('refuses impersonation to a user that holds no impersonate permission', async () => {
    const result = await cluster.kubectl(['get', 'pods', '-n', 'team-a', '--as=admin'], {
      token: cluster.agentToken,
    });
    expect(result.code).not.toBe(0);
    // 1.37's constrained impersonation names the attempted verb: impersonate-on:user-info:list.
    expect(result.stderr).toMatch(/User "switchboard-agent" cannot impersonate/);
  });

  it('installs a local chart with helm and lists the release', async () => {
    const chart = join(cluster.dir, 'charts', 'tiny');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(
      join(chart, 'Chart.yaml'),
      'apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: "1.0"\n',
    );
    await writeFile(join(chart, 'values.yaml'), 'greeting: hello\n');
    await writeFile(
      join(chart, 'templates', 'configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
    );
    ok(await cluster.helm(['install', 'tiny-release', chart, '-n', 'team-a', '--set', 'greeting=hi']));
    const releases = JSON.parse(ok(await cluster.helm(['list', '-n', 'team-a', '-o', 'json'])));
    expect(releases).toEqual([
      expect.objectContaining({ name: 'tiny-release', status: 'deployed', chart: 'tiny-0.1.0' }),
    ]);
    const cm = JSON.parse(
      ok(await cluster.kubectl(['get', 'configmap', 'tiny-release-config', '-n', 'team-a', '-o', 'json'])),
    );
    expect(cm.data.greeting).toBe('hi');
  });

  it('stops cleanly: the API server no longer answers and its directory is gone', async () => {
    const other = await startKubeCluster();
    ok(await other.kubectl(['get', 'namespace', 'default']));
    await other.stop();
    // Its kubeconfig went with its directory: aim the running cluster's kubeconfig at the old port.
    const refused = await cluster.kubectl(['--server', other.url, 'get', 'namespace', 'default']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('connection refused');
    expect(existsSync(other.dir)).toBe(false);
  });
});
