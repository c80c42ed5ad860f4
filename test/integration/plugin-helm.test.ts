import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/message.js';
import { type RunningAgent, startAgent } from '../support/agent-harness.js';
import { executeCall, pluginLauncher } from '../support/builtin-plugins.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { publishKubePlugins } from '../support/kube-plugin-repo.js';
import { waitFor } from '../support/test-logger.js';

// The helm executor end to end: the built-in plugin installed by the agent from an index whose
// `helm` dependency is a tarball of the real helm (checked by sha256 and unpacked from its
// `//linux-amd64` subdirectory, as get.helm.sh's are), commands typed in chat, run as the
// channel's group by impersonation against a real etcd + kube-apiserver. An admin installs a
// local chart; the channel's group `sb:readers` may only read in namespace `apps`, so the write
// refused below is refused by the API server, not by the plugin.

let cluster: KubeCluster;
let agentKubeconfig: string;
let repo: string;
let run: RunningAgent;

/** A chart with one ConfigMap (no controller runs in the test cluster, so nothing waits on Pods). */
async function writeChart(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-helm-chart-'));
  const chart = join(dir, 'greeter');
  await mkdir(join(chart, 'templates'), { recursive: true });
  await writeFile(
    join(chart, 'Chart.yaml'),
    'apiVersion: v2\nname: greeter\nversion: 0.1.0\nappVersion: "1.0"\ndescription: Test chart\n',
  );
  await writeFile(join(chart, 'values.yaml'), 'greeting: hello\n');
  await writeFile(
    join(chart, 'templates', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
  );
  await writeFile(
    join(chart, 'templates', 'NOTES.txt'),
    'Greeter {{ .Release.Name }} says {{ .Values.greeting }}.\n',
  );
  return chart;
}

beforeAll(async () => {
  cluster = await startKubeCluster();
  const setup = await cluster.kubectl(['apply', '-f', '-'], {
    input: [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: apps }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: switchboard-impersonator }',
      'rules:',
      '- { apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [botkube-internal-static-user] }',
      '- { apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: ["sb:readers"] }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: switchboard-impersonator }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: switchboard-impersonator }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
      '---',
      // What Botkube's default group grants, narrowed to one namespace: read everything, change nothing.
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: { name: read-all, namespace: apps }',
      'rules: [{ apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: { name: readers, namespace: apps }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-all }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: "sb:readers" }]',
    ].join('\n'),
  });
  expect(setup.code, setup.stderr).toBe(0);
  const installed = await cluster.helm(['install', 'greeter', await writeChart(), '-n', 'apps']);
  expect(installed.code, installed.stderr).toBe(0);
  const upgraded = await cluster.helm([
    'upgrade',
    'greeter',
    await writeChart(),
    '-n',
    'apps',
    '--set',
    'greeting=hi',
  ]);
  expect(upgraded.code, upgraded.stderr).toBe(0);
  agentKubeconfig = await cluster.kubeconfigFor(cluster.agentToken);
  repo = await publishKubePlugins({ helm: cluster.helmPath });
  run = await startAgent(
    (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        readers: {name: readers, bindings: {executors: [helm-tools], sources: []}}
        locked: {name: locked, bindings: {executors: [helm-readonly], sources: []}}
executors:
  helm-tools:
    sb/helm:
      enabled: true
      config: {defaultNamespace: apps, helmDriver: secret}
      context:
        rbac:
          group: {type: ChannelName, prefix: "sb:"}
  helm-readonly:
    sb/helm:
      enabled: true
      config: {defaultNamespace: apps, readOnly: true}
      context:
        rbac:
          group: {type: Static, static: {values: ["sb:readers"]}}
settings:
  clusterName: helm-test
  kubeconfig: ${agentKubeconfig}
plugins:
  cacheDir: ${dir}/cache
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
`,
  );
}, 900_000);
afterAll(async () => {
  await run?.agent.stop();
  await cluster?.stop();
});

async function answer(text: string, channel = 'readers'): Promise<string> {
  const before = run.bot.finalTexts(channel).length;
  run.bot.say(text, channel);
  await waitFor(() => run.bot.finalTexts(channel).length > before, 90_000, `the answer to ${text}`);
  return run.bot.finalTexts(channel)[before] ?? '';
}

describe('helm executor through chat against a real API server', { timeout: 240_000 }, () => {
  it('lists, shows the status, history, values and notes of a release as the read-only group', async () => {
    const list = await answer('helm list');
    expect(list).toMatch(/greeter\s+apps\s+2\s+.*deployed\s+greeter-0\.1\.0\s+1\.0/);

    const status = await answer('helm status greeter');
    expect(status).toContain('NAME: greeter');
    expect(status).toContain('NAMESPACE: apps');
    expect(status).toContain('STATUS: deployed');
    expect(status).toContain('REVISION: 2');

    const history = await answer('helm history greeter -o json');
    const revisions = JSON.parse(history.slice(history.indexOf('['), history.lastIndexOf(']') + 1)) as {
      revision: number;
      status: string;
    }[];
    expect(revisions.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);

    expect(await answer('helm get values greeter')).toContain('greeting: hi');
    expect(await answer('helm get notes greeter')).toContain('Greeter greeter says hi.');
  });

  it('leaves a write to the API server, which refuses it for the read-only group', async () => {
    // helm names the cause of a failed uninstall only with --debug; the refusals are the API server's.
    const uninstall = await answer('helm uninstall greeter --debug');
    expect(uninstall).toContain('Error: failed to delete release: greeter');
    expect(uninstall).toContain(
      'User \\"botkube-internal-static-user\\" cannot delete resource \\"configmaps\\" in API group \\"\\" in the namespace \\"apps\\"',
    );
    const rollback = await answer('helm rollback greeter 1');
    expect(rollback).toContain(
      'secrets is forbidden: User "botkube-internal-static-user" cannot create resource "secrets" in API group "" in the namespace "apps"',
    );
    const still = await cluster.helm(['status', 'greeter', '-n', 'apps']);
    expect(still.stdout).toContain('STATUS: deployed');
  });

  it('refuses --post-renderer, local charts, file flags and identity flags before running helm', async () => {
    expect(await answer('helm install evil sb/greeter --post-renderer /bin/sh')).toBe(
      'Refused: --post-renderer is refused: it runs a local program. Run `helm help` to see what runs.',
    );
    expect(await answer('helm install evil /etc')).toContain('local chart paths are not read');
    expect(await answer('helm upgrade greeter sb/greeter -f /etc/passwd')).toContain(
      '-f is refused: it reads a local file',
    );
    expect(await answer('helm list --kube-as-group system:masters')).toContain(
      'the identity of this call is set by the agent',
    );
    expect(await answer('helm plugin list')).toContain('helm plugin is not supported.');
  });

  it('refuses writes by config in a readOnly channel, and still reads there', async () => {
    expect(await answer('helm rollback greeter 1', 'locked')).toContain(
      "helm rollback changes the cluster and this channel's helm config is readOnly.",
    );
    expect(await answer('helm ls -q', 'locked')).toContain('greeter');
  });

  it('another namespace is refused by the API server, not by the plugin', async () => {
    const other = await answer('helm list -n default');
    expect(other).toMatch(/cannot list resource "secrets" in API group "" in the namespace "default"/);
  });
});

describe('helm executor as a process: failures without a cluster', () => {
  const plugins = pluginLauncher();
  afterEach(() => plugins.stopAll());
  const ask = async (command: string, config: string) => {
    const { client } = await plugins.executor('executor/helm');
    return parseMessage((await client.execute(executeCall(command, [config]))).message);
  };

  it('answers a call without a kubeconfig with what to configure, running nothing', async () => {
    const answer = await ask('helm list', 'helmPath: /nonexistent/helm\n');
    expect(answer.baseBody.plaintext).toBe(
      'The kubeconfig for this call is missing: give the helm plugin an identity with `context.rbac` in its executor config (see docs/rbac.md).',
    );
  });

  it('names where it looked when helm is missing', async () => {
    await expect(ask('helm version', 'helmPath: /nonexistent/helm\n')).rejects.toThrow(
      /helm not found: looked at helmPath in the config \(\/nonexistent\/helm\)/,
    );
  });

  it('stops helm at the time limit and says which setting it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-helm-slow-'));
    const slow = join(dir, 'helm');
    await writeFile(slow, '#!/bin/sh\necho starting\nexec sleep 30\n');
    await chmod(slow, 0o755);
    const answer = await ask('helm version', `helmPath: ${slow}\ntimeoutSeconds: 1\n`);
    expect(answer.baseBody.codeBlock).toBe('starting\n');
    expect(answer.sections).toEqual([
      { context: [{ text: 'Stopped after the 1s time limit (config: timeoutSeconds).' }] },
    ]);
  });

  it('refuses a bad config naming the field', async () => {
    await expect(ask('helm list', 'helmDriver: sql\n')).rejects.toThrow(
      'invalid helm config: /helmDriver must be equal to one of the allowed values (secret, configmap, memory)',
    );
  });
});
