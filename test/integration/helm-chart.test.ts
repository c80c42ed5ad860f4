import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import { chartDir, find, type Manifest, parseManifests } from '../support/helm-chart.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';

// The chart installed, upgraded and uninstalled by the real helm into a real kube-apiserver +
// etcd. There is no kubelet, so the pod never runs: the test checks the objects the API server
// accepted, and the RBAC they grant, by asking the API server as the agent's own service account
// (a real token from the TokenRequest API) and as the plugin identities it impersonates.

const botkubeValues = join(repoRoot, 'test/fixtures/chart/botkube-values.yaml');
const ns = 'chat';
let cluster: KubeCluster;
let agentToken: string;

async function ok(result: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const done = await result;
  expect(done.stderr.replace(/^.*(Warning|WARNING).*\n/gm, '')).toBe('');
  expect(done.code).toBe(0);
  return done.stdout;
}

async function get(kind: string, name: string, namespace = ns): Promise<Manifest> {
  return JSON.parse(await ok(cluster.kubectl(['get', kind, name, '-n', namespace, '-o', 'json'])));
}

/** `kubectl auth can-i` as `token` (admin by default), optionally impersonating. */
async function canI(args: string[], token?: string): Promise<boolean> {
  const result = await cluster.kubectl(['auth', 'can-i', ...args], token ? { token } : {});
  const answer = result.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`auth can-i ${args.join(' ')}: ${result.stderr}`);
  return answer === 'yes';
}

/** What a plugin of a `Static` group policy can do: the agent's token impersonating it, as the proxy does. */
const asPlugin = (groups: string[], args: string[]) =>
  canI([...args, '--as=botkube-internal-static-user', ...groups.map((g) => `--as-group=${g}`)], agentToken);

beforeAll(async () => {
  cluster = await startKubeCluster();
  await ok(cluster.kubectl(['create', 'namespace', ns]));
  // The ServiceMonitor kind exists where the Prometheus Operator runs (the Botkube values enable it); give the
  // API server its CRD.
  await ok(
    cluster.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'servicemonitors.monitoring.coreos.com' },
        spec: {
          group: 'monitoring.coreos.com',
          names: { kind: 'ServiceMonitor', plural: 'servicemonitors', singular: 'servicemonitor' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      }),
    }),
  );
  await waitForKind('servicemonitors.monitoring.coreos.com');
});

afterAll(async () => {
  await cluster?.stop();
});

describe('helm chart against a real API server', () => {
  it('installs with the defaults: a locked-down agent pod and a config the agent reloads', async () => {
    const out = await ok(cluster.helm(['install', 'sb', chartDir, '--namespace', ns]));
    // NOTES.txt tells the operator how to check it.
    expect(out).toContain('rollout status deployment/sb-switchboard');
    expect(out).toContain('/status');

    const deployment = await get('deployment', 'sb-switchboard');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('sb-switchboard');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [agent] = pod.containers;
    expect(agent.image).toBe('ghcr.io/switchboard/switchboard:0.1.0');
    expect(agent.args).toEqual([
      'start',
      '--config=/etc/switchboard/config/config.yaml',
      '--config=/etc/switchboard/communications/comm_config.yaml',
      '--state-dir=/var/lib/switchboard',
    ]);
    expect(agent.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(agent.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health', scheme: 'HTTP' });
    expect(agent.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health', scheme: 'HTTP' });
    expect(agent.startupProbe.httpGet.path).toBe('/healthz');
    expect(
      agent.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
    ).toEqual([
      ['health', 2114],
      ['metrics', 2112],
      ['webhook', 2115],
    ]);
    expect(agent.resources).toEqual({
      requests: { cpu: '50m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    });
    // Writable only where mounted: state (durable queue), plugin cache, /tmp.
    const mounts = Object.fromEntries(
      agent.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]),
    );
    expect(mounts).toMatchObject({
      state: '/var/lib/switchboard',
      'plugin-cache': '/var/cache/switchboard/plugins',
      tmp: '/tmp',
      serviceaccount: '/var/run/switchboard/serviceaccount',
    });

    const sa = await get('serviceaccount', 'sb-switchboard');
    expect(sa.automountServiceAccountToken).toBe(false);
    const service = await get('service', 'sb-switchboard');
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toEqual(['metrics', 'incoming-webhook']);
    const configMap = await get('configmap', 'sb-switchboard-config');
    expect(configMap.data['config.yaml']).toContain('clusterName: not-configured');
    const secret = await get('secret', 'sb-switchboard-communications');
    expect(Buffer.from(secret.data['comm_config.yaml'], 'base64').toString()).toContain('socketSlack');
  });

  it('its pod is admitted under the restricted Pod Security Standard', async () => {
    await ok(cluster.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']));
    const template = (await get('deployment', 'sb-switchboard')).spec.template;
    const pod = (spec: unknown) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'sb-switchboard-pss', namespace: ns, labels: template.metadata.labels },
        spec,
      });
    const admitted = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: pod(template.spec),
    });
    expect(admitted.stderr).toBe('');
    expect(admitted.stdout).toContain('pod/sb-switchboard-pss created (server dry run)');
    // The same check refuses a pod that escalates: the namespace does enforce the standard.
    const loose = structuredClone(template.spec);
    loose.containers[0].securityContext.allowPrivilegeEscalation = true;
    const refused = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: pod(loose) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('violates PodSecurity "restricted');
  });

  it('gives the agent only impersonation of the configured identities', async () => {
    agentToken = (await ok(cluster.kubectl(['create', 'token', 'sb-switchboard', '-n', ns]))).trim();
    expect(await canI(['impersonate', 'users/botkube-internal-static-user'], agentToken)).toBe(true);
    expect(await canI(['impersonate', 'groups/botkube-plugins-default'], agentToken)).toBe(true);
    expect(await canI(['impersonate', 'groups/switchboard-helm-releases'], agentToken)).toBe(true);
    expect(await canI(['impersonate', 'users/admin'], agentToken)).toBe(false);
    expect(await canI(['impersonate', 'groups/system:masters'], agentToken)).toBe(false);
    expect(await canI(['impersonate', 'serviceaccounts'], agentToken)).toBe(false);
    // The agent itself reads nothing: plugins act through impersonation.
    expect(await canI(['list', 'pods', '-A'], agentToken)).toBe(false);
    expect(await canI(['get', 'secrets', '-n', ns], agentToken)).toBe(false);
    // Sanity: as admin the same questions answer yes, so a `no` above is RBAC, not a broken query.
    expect(await canI(['impersonate', 'users/admin'])).toBe(true);
  });

  it('the default plugin group reads the cluster but no Secrets and changes nothing', async () => {
    const base = ['botkube-plugins-default'];
    expect(await asPlugin(base, ['list', 'pods', '-A'])).toBe(true);
    expect(await asPlugin(base, ['watch', 'deployments.apps', '-A'])).toBe(true);
    expect(await asPlugin(base, ['get', 'pods', '--subresource=log', '-n', 'default'])).toBe(true);
    expect(await asPlugin(base, ['list', 'events', '-A'])).toBe(true);
    expect(await asPlugin(base, ['get', 'secrets', '-n', ns])).toBe(false);
    expect(await asPlugin(base, ['delete', 'pods', '-n', 'default'])).toBe(false);
    expect(await asPlugin(base, ['create', 'deployments.apps', '-n', 'default'])).toBe(false);
    // The helm executor's extra group reads Helm's release Secrets.
    expect(await asPlugin([...base, 'switchboard-helm-releases'], ['list', 'secrets', '-n', ns])).toBe(true);
  });

  it('upgrades to a Botkube values file: tokens in the Secret, a ChannelName group, Botkube probes', async () => {
    await ok(cluster.helm(['upgrade', 'sb', chartDir, '--namespace', ns, '-f', botkubeValues]));
    const configMap = await get('configmap', 'sb-switchboard-config');
    expect(configMap.data['config.yaml']).toContain('clusterName: prod-eu');
    expect(configMap.data['config.yaml']).not.toContain('xoxb-');
    const secret = await get('secret', 'sb-switchboard-communications');
    expect(Buffer.from(secret.data['comm_config.yaml'], 'base64').toString()).toContain(
      'xoxb-chart-test-bot-token',
    );

    const deployment = await get('deployment', 'sb-switchboard');
    const [agent] = deployment.spec.template.spec.containers;
    expect(agent.livenessProbe.failureThreshold).toBe(35);
    expect(agent.env).toContainEqual({ name: 'LOG_LEVEL_SOURCE_BOTKUBE_KUBERNETES', value: 'debug' });
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(101);

    // `sb-` + channel `ops`: the agent may impersonate it, and as it a plugin reads pods only.
    expect(await canI(['impersonate', 'groups/sb-ops'], agentToken)).toBe(true);
    expect(await asPlugin(['sb-ops'], ['list', 'pods', '-n', 'default'])).toBe(true);
    expect(await asPlugin(['sb-ops'], ['list', 'services', '-n', 'default'])).toBe(false);
    // Botkube's own default group reads everything again, as the values asked.
    expect(await asPlugin(['botkube-plugins-default'], ['get', 'secrets', '-n', ns])).toBe(true);
  });

  it('restarts the pod only for settings hot reload cannot apply', async () => {
    const checksum = async () =>
      (await get('deployment', 'sb-switchboard')).spec.template.metadata.annotations[
        'checksum/restart-settings'
      ];
    const before = await checksum();
    await ok(
      cluster.helm([
        'upgrade',
        'sb',
        chartDir,
        '--namespace',
        ns,
        '--reuse-values',
        '--set',
        'aliases.kdp.command=kubectl describe pod',
      ]),
    );
    expect((await get('configmap', 'sb-switchboard-config')).data['config.yaml']).toContain(
      'kubectl describe pod',
    );
    expect(await checksum()).toBe(before);

    await ok(
      cluster.helm([
        'upgrade',
        'sb',
        chartDir,
        '--namespace',
        ns,
        '--reuse-values',
        '--set',
        'settings.healthPort=2200',
      ]),
    );
    expect(await checksum()).not.toBe(before);
    const [agent] = (await get('deployment', 'sb-switchboard')).spec.template.spec.containers;
    expect(agent.ports[0]).toMatchObject({ name: 'health', containerPort: 2200 });
  });

  it('a typo in the values is refused by helm upgrade and the release stays as it was', async () => {
    const result = await cluster.helm([
      'upgrade',
      'sb',
      chartDir,
      '--namespace',
      ns,
      '--reuse-values',
      '--set',
      'communications.default-group.socketSlack.chanels.x.name=y',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('/communications/default-group/socketSlack');
    expect(result.stderr).toContain('chanels');
    const history = JSON.parse(await ok(cluster.helm(['history', 'sb', '--namespace', ns, '-o', 'json'])));
    expect(history.at(-1)).toMatchObject({ revision: 4, status: 'deployed' });
  });

  it('uninstall removes what it created, cluster-wide objects included', async () => {
    const labelled = async () => {
      const result = await cluster.kubectl([
        'get',
        'deployments,configmaps,secrets,services,serviceaccounts,servicemonitors,clusterroles,clusterrolebindings',
        '-A',
        '-l',
        'app.kubernetes.io/instance=sb',
        '-o',
        'name',
      ]);
      expect(result.code).toBe(0);
      return result.stdout.trim().split('\n').filter(Boolean).sort();
    };
    // The query sees the release's objects before, so an empty answer after means they are gone.
    expect(await labelled()).toEqual(
      expect.arrayContaining([
        'deployment.apps/sb-switchboard',
        'clusterrole.rbac.authorization.k8s.io/botkube-plugins-default',
        'clusterrole.rbac.authorization.k8s.io/sb-switchboard-impersonator',
        'servicemonitor.monitoring.coreos.com/sb-switchboard',
      ]),
    );
    await ok(cluster.helm(['uninstall', 'sb', '--namespace', ns]));
    expect(await labelled()).toEqual([]);
    const group = await cluster.kubectl(['get', 'clusterrole', 'botkube-plugins-default']);
    expect(group.code).not.toBe(0);
  });

  it('replicaCount 3 installs HA mode: the agent may get, create and update its Lease and nothing more', async () => {
    await ok(cluster.kubectl(['create', 'namespace', 'ha']));
    const out = await ok(
      cluster.helm([
        'install',
        'ha',
        chartDir,
        '--namespace',
        'ha',
        '--set',
        'replicaCount=3',
        '--set',
        'settings.delivery.store.type=jetstream',
        '--set',
        'settings.delivery.store.jetstream.servers={nats://nats.nats:4222}',
      ]),
    );
    expect(out).toContain('HA mode: 3 replica(s) elect a leader');
    expect(out).toContain('Leader election: Lease ha/ha-switchboard-leader');

    const deployment = await get('deployment', 'ha-switchboard', 'ha');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(deployment.spec.template.spec.affinity.podAntiAffinity).toBeDefined();
    const pdb = await get('poddisruptionbudget', 'ha-switchboard', 'ha');
    expect(pdb.spec.maxUnavailable).toBe(1);

    const token = (await ok(cluster.kubectl(['create', 'token', 'ha-switchboard', '-n', 'ha']))).trim();
    const lease = (verb: string, name = 'ha-switchboard-leader', namespace = 'ha') =>
      canI([verb, `leases.coordination.k8s.io/${name}`, '-n', namespace], token);
    expect(await canI(['create', 'leases.coordination.k8s.io', '-n', 'ha'], token)).toBe(true);
    expect(await lease('get')).toBe(true);
    expect(await lease('update')).toBe(true);
    for (const verb of ['delete', 'patch']) expect(await lease(verb), verb).toBe(false);
    for (const verb of ['list', 'watch', 'deletecollection'])
      expect(await canI([verb, 'leases.coordination.k8s.io', '-n', 'ha'], token), verb).toBe(false);
    // Only its own Lease, only in its namespace.
    expect(await lease('update', 'kube-scheduler')).toBe(false);
    expect(await lease('get', 'other-app')).toBe(false);
    expect(await lease('update', 'ha-switchboard-leader', ns)).toBe(false);
    expect(await canI(['create', 'leases.coordination.k8s.io', '-n', ns], token)).toBe(false);
    // The rest of the agent's rights are as with one replica: it reads nothing itself.
    expect(await canI(['list', 'pods', '-n', 'ha'], token)).toBe(false);
    expect(await canI(['get', 'secrets', '-n', 'ha'], token)).toBe(false);

    // The Lease itself: the agent's token creates, reads and renews it through the API as the elector does.
    const asAgent = (args: string[], input?: string) =>
      cluster.kubectl(args, input === undefined ? { token } : { token, input });
    const leaseObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'ha-switchboard-leader', namespace: 'ha' },
      spec: { holderIdentity: 'ha-switchboard-0', leaseDurationSeconds: 15 },
    };
    await ok(asAgent(['create', '-f', '-'], JSON.stringify(leaseObject)));
    const held = JSON.parse(
      await ok(asAgent(['get', 'lease', 'ha-switchboard-leader', '-n', 'ha', '-o', 'json'])),
    );
    held.spec.holderIdentity = 'ha-switchboard-1';
    await ok(asAgent(['replace', '-f', '-'], JSON.stringify(held)));
    const deleted = await asAgent(['delete', 'lease', 'ha-switchboard-leader', '-n', 'ha']);
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain('forbidden');

    await ok(cluster.helm(['uninstall', 'ha', '--namespace', 'ha']));
    const left = await cluster.kubectl([
      'get',
      'roles,rolebindings,poddisruptionbudgets',
      '-n',
      'ha',
      '-o',
      'name',
    ]);
    expect(left.code).toBe(0);
    expect(left.stdout.trim()).toBe('');
  });

  it('every optional object passes the API server’s validation (server-side dry run)', async () => {
    const extraObjects = join(cluster.dir, 'extra-objects.yaml');
    await writeFile(
      extraObjects,
      'extraObjects:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: "{{ .Release.Name }}-extra"}}\n',
    );
    const rendered = await ok(
      cluster.helm([
        'template',
        'full',
        chartDir,
        '--namespace',
        ns,
        '-f',
        botkubeValues,
        '--set',
        'persistence.type=persistentVolumeClaim',
        '--set',
        'pluginCache.type=persistentVolumeClaim',
        '--set',
        'pluginCache.bundle.enabled=true',
        '--set',
        'kubeconfig.enabled=true',
        '--set',
        `kubeconfig.base64Config=${Buffer.from('apiVersion: v1\nkind: Config\n').toString('base64')}`,
        '--set',
        'ssl.enabled=true',
        '--set',
        `ssl.cert=${Buffer.from(cluster.caPem).toString('base64')}`,
        '--set',
        'podDisruptionBudget.enabled=true',
        '-f',
        extraObjects,
      ]),
    );
    const kinds = parseManifests(rendered)
      .map((m) => m.kind)
      .sort();
    expect(new Set(kinds)).toEqual(
      new Set([
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'PersistentVolumeClaim',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ]),
    );
    expect(find(parseManifests(rendered), 'ConfigMap', '-extra').metadata.name).toBe('full-extra');
    const dryRun = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: rendered });
    expect(dryRun.stderr).toBe('');
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('deployment.apps/full-switchboard created (server dry run)');
    expect(dryRun.stdout).toContain('persistentvolumeclaim/full-switchboard-state created (server dry run)');

    // And a manifest the API server refuses fails this check: the dry run does validate.
    const broken = rendered.replace('runAsNonRoot: true', 'runAsNonRoot: "sometimes"');
    const refused = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: broken });
    expect(refused.code).not.toBe(0);
  });
});

async function waitForKind(resource: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const result = await cluster.kubectl(['get', resource, '-A']);
    if (result.code === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${resource} never became available`);
}
