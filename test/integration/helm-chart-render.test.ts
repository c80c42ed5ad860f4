import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import { runCli } from '../support/cli.js';
import {
  agentConfig,
  chartDir,
  find,
  type Manifest,
  parseManifests,
  runHelm,
  writeAgentConfig,
} from '../support/helm-chart.js';

// The chart rendered by the real helm (no cluster): lint, the values schema refusing typos with
// their path, the chart's own refusals, and the rendered agent config passing the agent's own
// `config validate`, from the default values and from a Botkube values file.

const execFileAsync = promisify(execFile);
const botkubeValues = join(repoRoot, 'test/fixtures/chart/botkube-values.yaml');
let home: string;

async function template(args: string[] = []): Promise<Manifest[]> {
  const result = await runHelm(['template', 'sb', chartDir, '--namespace', 'chat', ...args], home);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseManifests(result.stdout);
}

async function refused(args: string[]): Promise<string> {
  const result = await runHelm(['template', 'sb', chartDir, '--namespace', 'chat', ...args], home);
  expect(result.code, result.stdout).not.toBe(0);
  return result.stderr;
}

async function validate(
  manifests: Manifest[],
): Promise<{ valid: boolean; errors: unknown[]; warnings: unknown[] }> {
  const { config, comm } = await writeAgentConfig(manifests);
  const result = await runCli(['config', 'validate', '-c', config, '-c', comm, '--json']);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'sb-helm-home-'));
});

describe('helm chart: lint and values schema', () => {
  it('values.schema.json is what scripts/chart/gen-values-schema.mjs generates', async () => {
    const run = await execFileAsync(
      process.execPath,
      [join(repoRoot, 'scripts/chart/gen-values-schema.mjs'), '--check'],
      { cwd: repoRoot },
    ).catch((err: { stderr: string }) => ({ stderr: err.stderr, failed: true }));
    expect(run.stderr).toBe('');
    expect('failed' in run).toBe(false);
  });

  it('helm lint passes with the defaults and with a Botkube values file', async () => {
    const plain = await runHelm(['lint', '--strict', chartDir], home);
    expect(plain.stdout + plain.stderr).toContain('0 chart(s) failed');
    expect(plain.code).toBe(0);
    const botkube = await runHelm(['lint', '--strict', chartDir, '-f', botkubeValues], home);
    expect(botkube.stdout + botkube.stderr).toContain('0 chart(s) failed');
    expect(botkube.code).toBe(0);
  });

  it('rejects a typo in an agent config key with its path', async () => {
    const stderr = await refused(['--set', 'settings.clusterNmae=prod']);
    expect(stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(stderr).toContain('/settings');
    expect(stderr).toContain('clusterNmae');
  });

  it('rejects a typo in a chart key and a wrong type with their paths', async () => {
    const typo = await refused(['--set', 'serviceMonitor.enbled=true']);
    expect(typo).toContain('/serviceMonitor');
    expect(typo).toContain('enbled');
    const type = await refused(['--set', 'persistence.type=hostPath']);
    expect(type).toContain('/persistence/type');
  });

  it('rejects an inline token outside communications (it would land in the ConfigMap)', async () => {
    const stderr = await refused(['--set', 'settings.delivery.store.jetstream.password=hunter2']);
    expect(stderr).toContain('/settings/delivery/store/jetstream/password');
    // A reference is accepted: the value stays in a Secret.
    const manifests = await template([
      '--set',
      'settings.delivery.store.jetstream.password.fromEnv=NATS_PASSWORD',
    ]);
    expect(agentConfig(manifests).settings.delivery.store.jetstream.password).toEqual({
      fromEnv: 'NATS_PASSWORD',
    });
  });

  it('refuses Botkube’s image and incomplete settings, saying what to do', async () => {
    const image = await refused(['--set', 'image.repository=kubeshop/botkube']);
    expect(image).toContain('image.repository: "kubeshop/botkube" is Botkube\'s image');
    const kubeconfig = await refused(['--set', 'kubeconfig.enabled=true']);
    expect(kubeconfig).toContain('kubeconfig.enabled is true but neither kubeconfig.base64Config');
    const ssl = await refused(['--set', 'ssl.enabled=true']);
    expect(ssl).toContain('ssl.enabled is true but neither ssl.cert nor ssl.existingSecretName is set');
    const account = await refused(['--set', 'serviceAccount.create=false']);
    expect(account).toContain('serviceAccount.name: set the name of an existing ServiceAccount');
    // With the name it renders, and the chart creates no ServiceAccount of its own.
    const manifests = await template([
      '--set',
      'serviceAccount.create=false',
      '--set',
      'serviceAccount.name=ops-bot',
    ]);
    expect(manifests.filter((m) => m.kind === 'ServiceAccount')).toEqual([]);
    expect(find(manifests, 'Deployment').spec.template.spec.serviceAccountName).toBe('ops-bot');
    expect(find(manifests, 'ClusterRoleBinding', '-impersonator').subjects[0].name).toBe('ops-bot');
  });
});

describe('helm chart: rendered agent config', () => {
  it('the default values render a config the agent accepts, tokens only in the Secret', async () => {
    const manifests = await template();
    const result = await validate(manifests);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    const config = agentConfig(manifests);
    expect(config.communications).toBeUndefined();
    expect(config.settings).toMatchObject({
      healthAddress: '0.0.0.0',
      metricsAddress: '0.0.0.0',
      metricsPort: 2112,
      saCredentialsPathPrefix: '/var/run/switchboard/serviceaccount',
    });
    expect(config.plugins.cacheDir).toBe('/var/cache/switchboard/plugins');
    expect(config.plugins.incomingWebhook).toMatchObject({
      address: '0.0.0.0',
      inClusterBaseURL: 'http://sb-switchboard.chat.svc.cluster.local:2115',
    });
  });

  it('a Botkube values file renders with the same meaning and passes config validate', async () => {
    const manifests = await template(['-f', botkubeValues]);
    const result = await validate(manifests);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    const config = agentConfig(manifests);
    expect(config.settings.clusterName).toBe('prod-eu');
    expect(config.aliases.kgp.command).toBe('kubectl get pods');
    expect(config.executors['k8s-default-tools']['botkube/kubectl'].enabled).toBe(true);
    // Botkube's /tmp cache would not survive a read-only root: the chart's volume is used instead.
    expect(config.plugins.cacheDir).toBe('/var/cache/switchboard/plugins');
    expect(config.settings.saCredentialsPathPrefix).toBe(
      '/var/run/7e7fd2f5-b15d-4803-bc52-f54fba357e76/secrets/kubernetes.io/serviceaccount',
    );
    const configMapText = find(manifests, 'ConfigMap', '-config').data['config.yaml'];
    expect(configMapText).not.toContain('xoxb-');
    expect(find(manifests, 'Secret', '-communications').stringData['comm_config.yaml']).toContain(
      'xoxb-chart-test-bot-token',
    );
    // The ChannelName policy resolves to `sb-` + the channel name, which the agent may impersonate.
    const impersonator = find(manifests, 'ClusterRole', '-impersonator');
    expect(impersonator.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['users'],
        verbs: ['impersonate'],
        resourceNames: ['botkube-internal-static-user'],
      },
      {
        apiGroups: [''],
        resources: ['groups'],
        verbs: ['impersonate'],
        resourceNames: ['botkube-plugins-default', 'sb-ops', 'switchboard-helm-releases'],
      },
    ]);
    const monitor = find(manifests, 'ServiceMonitor');
    expect(monitor.metadata.labels?.release).toBe('prometheus');
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '10s' }]);
  });

  it('an existing communications Secret replaces the rendered one', async () => {
    const manifests = await template(['--set', 'existingCommunicationsSecretName=my-chat']);
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const deployment = find(manifests, 'Deployment');
    const volume = deployment.spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'communications',
    );
    expect(volume.secret.secretName).toBe('my-chat');
  });

  it('an offline bundle is copied by an init container and every repository points at it', async () => {
    const manifests = await template([
      '--set',
      'pluginCache.bundle.enabled=true',
      '--set',
      'pluginCache.bundle.image=registry.local/switchboard-bundle:1',
    ]);
    const config = agentConfig(manifests);
    expect(config.plugins.repositories).toEqual({
      botkube: { url: 'file:///plugin-bundle/botkube/index.yaml' },
      botkubeExtra: { url: 'file:///plugin-bundle/botkubeExtra/index.yaml' },
    });
    const pod = find(manifests, 'Deployment').spec.template.spec;
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0]).toMatchObject({
      image: 'registry.local/switchboard-bundle:1',
      command: ['cp', '-R', '/bundle/.', '/plugin-bundle/'],
    });
    expect((await validate(manifests)).valid).toBe(true);
  });

  it('a bundle image built FROM the agent image (no shell, no cp) is copied with its Node', async () => {
    const manifests = await template(['--set', 'pluginCache.bundle.enabled=true']);
    const init = find(manifests, 'Deployment').spec.template.spec.initContainers[0];
    expect(init.image).toBe('ghcr.io/switchboard/switchboard:0.1.0');
    expect(init.command.slice(0, 2)).toEqual(['/usr/local/bin/node', '-e']);
    // Run the rendered script for real, with the two pod paths moved into a temp directory.
    const dir = await mkdtemp(join(tmpdir(), 'sb-bundle-copy-'));
    await mkdir(join(dir, 'bundle/botkube'), { recursive: true });
    await writeFile(join(dir, 'bundle/botkube/index.yaml'), 'entries: []\n');
    const script = (init.command[2] as string)
      .replace('"/bundle"', JSON.stringify(join(dir, 'bundle')))
      .replace('"/plugin-bundle"', JSON.stringify(join(dir, 'plugin-bundle')));
    expect(script).not.toBe(init.command[2]);
    await execFileAsync(process.execPath, ['-e', script]);
    expect(await readFile(join(dir, 'plugin-bundle/botkube/index.yaml'), 'utf8')).toBe('entries: []\n');
    await rm(dir, { recursive: true, force: true });
  });

  it('the checksum annotation changes only for settings hot reload cannot apply', async () => {
    const checksum = async (args: string[]) =>
      find(await template(args), 'Deployment').spec.template.metadata.annotations[
        'checksum/restart-settings'
      ];
    const base = await checksum([]);
    expect(await checksum(['--set', 'aliases.kgp.command=kubectl get pods'])).toBe(base);
    expect(await checksum(['--set', 'settings.clusterName=other'])).toBe(base);
    expect(await checksum(['--set', 'communications.default-group.socketSlack.botToken=xoxb-2'])).toBe(base);
    expect(await checksum(['--set', 'settings.healthPort=2200'])).not.toBe(base);
    expect(await checksum(['--set', 'plugins.incomingWebhook.port=2300'])).not.toBe(base);
    expect(await checksum(['--set', 'settings.delivery.store.type=memory'])).not.toBe(base);
  });
});

const nats = [
  '--set',
  'settings.delivery.store.type=jetstream',
  '--set',
  'settings.delivery.store.jetstream.servers={nats://nats.nats:4222}',
];
const threeReplicas = ['--set', 'replicaCount=3', ...nats];
const selector = { 'app.kubernetes.io/name': 'switchboard', 'app.kubernetes.io/instance': 'sb' };
const pod = (manifests: Manifest[]) => find(manifests, 'Deployment').spec.template.spec;
const envOf = (manifests: Manifest[]) => pod(manifests).containers[0].env as { name: string }[];
const ofKind = (manifests: Manifest[], ...kinds: string[]) =>
  manifests.filter((m) => kinds.includes(m.kind)).map((m) => `${m.kind}/${m.metadata.name}`);

describe('helm chart: HA mode (several replicas)', () => {
  it('replicaCount 3 renders HA mode: leader election on a Lease, its Role, a PDB, spread, rolling updates', async () => {
    const manifests = await template(threeReplicas);
    expect(agentConfig(manifests).settings.ha).toEqual({
      enabled: true,
      election: { kubernetes: { namespace: 'chat', name: 'sb-switchboard-leader' } },
    });

    // Exactly get, create and update on leases; get and update only on its own Lease.
    const role = find(manifests, 'Role', '-leader-election');
    expect(role.metadata.namespace).toBe('chat');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['sb-switchboard-leader'],
        verbs: ['get', 'update'],
      },
    ]);
    const binding = find(manifests, 'RoleBinding', '-leader-election');
    expect(binding.metadata.namespace).toBe('chat');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'sb-switchboard-leader-election',
    });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'sb-switchboard', namespace: 'chat' }]);

    const pdb = find(manifests, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector } });

    const deployment = find(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(pod(manifests).affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: 'kubernetes.io/hostname',
              labelSelector: { matchLabels: selector },
            },
          },
        ],
      },
    });
    expect(envOf(manifests)).toEqual(
      expect.arrayContaining([
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ]),
    );

    const lint = await runHelm(['lint', '--strict', chartDir, ...threeReplicas], home);
    expect(lint.stdout + lint.stderr).toContain('0 chart(s) failed');
  });

  it('the HA config it renders passes the agent’s config validate', async () => {
    const result = await validate(await template(threeReplicas));
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('one replica is as before: no HA config, no Role, no PDB, Recreate, no anti-affinity', async () => {
    const manifests = await template();
    expect(agentConfig(manifests).settings.ha).toBeUndefined();
    expect(ofKind(manifests, 'Role', 'RoleBinding', 'PodDisruptionBudget')).toEqual([]);
    const deployment = find(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(pod(manifests).affinity).toBeUndefined();
    // The pod name is there anyway: harmless, and the same pod spec whatever the mode.
    expect(envOf(manifests).map((e) => e.name)).toContain('POD_NAME');
    // With the NATS store but one replica, still one agent.
    const withNats = await template(nats);
    expect(agentConfig(withNats).settings.ha).toBeUndefined();
    expect(find(withNats, 'Deployment').spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('several replicas without the JetStream store fail, naming the values to set', async () => {
    const none = await refused(['--set', 'replicaCount=3']);
    expect(none).toContain('replicaCount: 3 turns on HA mode');
    expect(none).toContain('set settings.delivery.store.type: jetstream (now "sqlite")');
    expect(none).toContain('settings.delivery.store.jetstream.servers (now unset)');
    const noServers = await refused([
      '--set',
      'replicaCount=2',
      '--set',
      'settings.delivery.store.type=jetstream',
    ]);
    expect(noServers).toContain('replicaCount: 2 turns on HA mode');
    expect(noServers).toContain(
      '(now "jetstream") and settings.delivery.store.jetstream.servers (now unset)',
    );
    const memory = await refused([
      '--set',
      'replicaCount=2',
      '--set',
      'settings.delivery.store.type=memory',
      '--set',
      'settings.delivery.store.jetstream.servers={nats://nats:4222}',
    ]);
    expect(memory).toContain('settings.delivery.store.type: jetstream (now "memory")');
  });

  it('refuses volumes the replicas cannot share, and takes a ReadWriteMany plugin cache', async () => {
    const state = await refused([...threeReplicas, '--set', 'persistence.type=persistentVolumeClaim']);
    expect(state).toContain(
      'persistence.type: persistentVolumeClaim with HA mode (replicaCount: 3 turns on HA mode)',
    );
    expect(state).toContain('Set persistence.type: emptyDir');
    const cache = await refused([...threeReplicas, '--set', 'pluginCache.type=persistentVolumeClaim']);
    expect(cache).toContain('pluginCache.persistentVolumeClaim.accessModes: ["ReadWriteOnce"] with HA mode');
    const shared = await template([
      ...threeReplicas,
      '--set',
      'pluginCache.type=persistentVolumeClaim',
      '--set',
      'pluginCache.persistentVolumeClaim.accessModes={ReadWriteMany}',
    ]);
    expect(find(shared, 'PersistentVolumeClaim', '-plugin-cache').spec.accessModes).toEqual([
      'ReadWriteMany',
    ]);
  });

  it('the values’ own affinity, strategy and PDB choice win over HA mode’s', async () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['ops'] }] }],
        },
      },
    };
    const dir = await mkdtemp(join(tmpdir(), 'sb-ha-values-'));
    const values = join(dir, 'values.yaml');
    await writeFile(
      values,
      JSON.stringify({
        affinity,
        deployment: {
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        },
        podDisruptionBudget: { enabled: false },
      }),
    );
    const manifests = await template([...threeReplicas, '-f', values]);
    expect(pod(manifests).affinity).toEqual(affinity);
    expect(find(manifests, 'Deployment').spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    expect(ofKind(manifests, 'PodDisruptionBudget')).toEqual([]);
    expect(ofKind(manifests, 'Role')).toEqual(['Role/sb-switchboard-leader-election']);
    // The PDB knob still works with one agent.
    const single = await template(['--set', 'podDisruptionBudget.enabled=true']);
    expect(find(single, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    await rm(dir, { recursive: true, force: true });
  });

  it('HA mode is in the restart checksum: turning it on restarts the pods', async () => {
    const checksum = async (args: string[]) =>
      find(await template(args), 'Deployment').spec.template.metadata.annotations[
        'checksum/restart-settings'
      ];
    const single = await checksum(nats);
    const three = await checksum(threeReplicas);
    expect(three).not.toBe(single);
    // Scaling within HA mode changes nothing the agent reads: no restart from the checksum.
    expect(await checksum(['--set', 'replicaCount=5', ...nats])).toBe(three);
  });

  it('settings.ha: on with one replica, timings and Lease overridable, the NATS store', async () => {
    const one = await template([...nats, '--set', 'settings.ha.enabled=true']);
    expect(agentConfig(one).settings.ha.enabled).toBe(true);
    expect(find(one, 'Deployment').spec.strategy.type).toBe('RollingUpdate');
    expect(ofKind(one, 'Role', 'RoleBinding', 'PodDisruptionBudget')).toHaveLength(3);

    const tuned = await template([
      ...threeReplicas,
      '--set',
      'settings.ha.election.leaseDuration=20s',
      '--set',
      'settings.ha.election.renewDeadline=12s',
      '--set',
      'settings.ha.election.kubernetes.name=chatops-leader',
    ]);
    expect(agentConfig(tuned).settings.ha).toEqual({
      enabled: true,
      election: {
        leaseDuration: '20s',
        renewDeadline: '12s',
        kubernetes: { namespace: 'chat', name: 'chatops-leader' },
      },
    });
    expect(find(tuned, 'Role').rules[1].resourceNames).toEqual(['chatops-leader']);
    expect((await validate(tuned)).valid).toBe(true);

    // The NATS store needs no Kubernetes rights.
    const kv = await template([...threeReplicas, '--set', 'settings.ha.election.store=nats']);
    expect(agentConfig(kv).settings.ha).toEqual({ enabled: true, election: { store: 'nats' } });
    expect(ofKind(kv, 'Role', 'RoleBinding')).toEqual([]);
    expect(ofKind(kv, 'PodDisruptionBudget')).toHaveLength(1);

    const off = await refused(['--set', 'replicaCount=2', '--set', 'settings.ha.enabled=false', ...nats]);
    expect(off).toContain('replicaCount: 2 with settings.ha.enabled: false');
    const explicit = await refused(['--set', 'settings.ha.enabled=true']);
    expect(explicit).toContain(
      'settings.ha.enabled: true turns on HA mode; HA mode shares the delivery queue',
    );
  });
});
