import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Message, parseMessage } from '../../src/contract/message.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { builtinPlugin, executeCall } from '../support/builtin-plugins.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { createTestLogger } from '../support/test-logger.js';

// The kubectl executor as a real child process under our host, running the real kubectl (given
// to it as its `kubectl` dependency in PLUGIN_DEPENDENCY_DIR, as an installed plugin gets it)
// against a real etcd + kube-apiserver. The call's identity is user `switchboard-agent`, allowed
// to read pods and configmaps in team-a and to list namespaces, nothing else: refusals by the
// API server are the API server's, not the plugin's guess.

let cluster: KubeCluster;
let kubeConfig: Uint8Array;
let dependencyDir: string;
// A stand-in kubectl that only records that it ran: proves refusals never start a process, and
// gives the time limit something that hangs (not a Kubernetes behaviour, so no API server needed).
let recorderDir: string;
let ranMarker: string;
const running: { instance: PluginInstance; privateDir: string }[] = [];

beforeAll(async () => {
  cluster = await startKubeCluster();
  const setup = await cluster.kubectl(['apply', '-f', '-'], {
    input: [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: team-a }',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: settings, namespace: team-a }',
      'data: { colour: blue }',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: in-default, namespace: default }',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: { name: web, namespace: team-a }',
      'spec: { containers: [{ name: app, image: nginx }] }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: { name: reader, namespace: team-a }',
      'rules: [{ apiGroups: [""], resources: [pods, configmaps], verbs: [get, list] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: { name: reader, namespace: team-a }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: namespace-lister }',
      'rules: [{ apiGroups: [""], resources: [namespaces], verbs: [list] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: namespace-lister }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: namespace-lister }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
    ].join('\n'),
  });
  expect(setup.code, setup.stderr).toBe(0);
  kubeConfig = await readFile(await cluster.kubeconfigFor(cluster.agentToken));
  dependencyDir = await mkdtemp(join(tmpdir(), 'sb-kubectl-deps-'));
  await symlink(cluster.kubectlPath, join(dependencyDir, 'kubectl'));
  recorderDir = await mkdtemp(join(tmpdir(), 'sb-kubectl-recorder-'));
  ranMarker = join(recorderDir, 'ran');
  const script = join(recorderDir, 'kubectl');
  await writeFile(
    script,
    `#!/bin/sh\ntouch '${ranMarker}'\ncase "$*" in *slowpoke*) exec sleep 30 ;; esac\necho "ran $*"\n`,
  );
  await chmod(script, 0o755);
}, 600_000);
afterAll(() => cluster?.stop());
afterEach(() => Promise.all(running.splice(0).map((r) => r.instance.stop())));

async function launch(options: { dependencyDir?: string; envExtra?: Record<string, string> } = {}) {
  const { logger } = createTestLogger();
  let privateDir = '';
  const instance = await launchPlugin({
    name: 'botkube/kubectl',
    binary: builtinPlugin('executor/kubectl'),
    logger,
    hostEnv: { PATH: process.env.PATH },
    dependencyDir: options.dependencyDir ?? dependencyDir,
    ...(options.envExtra ? { envExtra: options.envExtra } : {}),
    onSpawn: (_pid, _exited, dir) => {
      privateDir = dir;
    },
  });
  running.push({ instance, privateDir });
  return { client: createExecutorClient(instanceHandle(instance)), privateDir };
}

const teamA = 'defaultNamespace: team-a\n';

function call(command: string, config = teamA, extra: Partial<ExecuteCall['context']> = {}): ExecuteCall {
  const base = executeCall(command, [config]);
  return { ...base, context: { ...base.context, kubeConfig, ...extra } };
}

async function run(
  command: string,
  config = teamA,
  extra: Partial<ExecuteCall['context']> = {},
): Promise<Message> {
  const { client } = await launch();
  return parseMessage((await client.execute(call(command, config, extra))).message);
}

describe('kubectl plugin against a real API server', () => {
  it('runs a command in the default namespace from the config, as a filterable code block', async () => {
    const answer = await run('kubectl get configmaps -o name');
    expect(answer).toEqual({ type: 'baseBodyWithFilter', baseBody: { codeBlock: 'configmap/settings\n' } });
  });

  it('uses -n, and leaves the refusal of another namespace to the API server', async () => {
    const mine = await run('kubectl get pods -n team-a -o name');
    expect(mine.baseBody.codeBlock).toBe('pod/web\n');
    const other = await run('kubectl get configmaps -n default');
    expect(other.baseBody.codeBlock).toContain(
      'configmaps is forbidden: User "switchboard-agent" cannot list resource "configmaps" in API group "" in the namespace "default"',
    );
    expect(other.sections).toEqual([{ context: [{ text: 'kubectl exited with status 1.' }] }]);
  });

  it('shows kubectl notes sent to stderr when there is no other output', async () => {
    const answer = await run('kubectl get configmaps -l app=none');
    expect(answer.baseBody.codeBlock).toBe('No resources found in team-a namespace.\n');
  });

  it.each([
    ['kubectl config view --raw', '`config` is not allowed'],
    ['kubectl get pods --kubeconfig=/etc/kubernetes/admin.conf', '`--kubeconfig` is not allowed'],
    ['kubectl get pods --token=x --server=https://127.0.0.1:1', '`--token` is not allowed'],
    ['kubectl apply -f /etc/passwd', '`-f` (--filename, or --follow for logs) is not allowed'],
    ['kubectl exec web -- id', '`exec` runs only when the config lists it in commands.verbs'],
    ['kubectl krew list', '`krew` is not a kubectl command this plugin runs'],
    ["kubectl get 'pods", 'a single quote is not closed'],
  ])('refuses %s without running kubectl', async (command, reason) => {
    await rm(ranMarker, { force: true });
    const { client } = await launch({ dependencyDir: recorderDir });
    const answer = parseMessage((await client.execute(call(command))).message);
    expect(answer.baseBody.plaintext).toMatch(/^Refused: /);
    expect(answer.baseBody.plaintext).toContain(reason);
    expect(existsSync(ranMarker)).toBe(false);
  });

  it('runs the dependency it is given, with an argv array: shell syntax stays plain words', async () => {
    await rm(ranMarker, { force: true });
    const { client } = await launch({ dependencyDir: recorderDir });
    const answer = parseMessage(
      (await client.execute(call('kubectl get pods ; touch /tmp/x $(id)'))).message,
    );
    expect(answer.baseBody.codeBlock).toBe('ran -n team-a get pods ; touch /tmp/x $(id)\n');
    expect(existsSync(ranMarker)).toBe(true);
  });

  it('stops kubectl at timeoutSeconds and says so', async () => {
    const { client } = await launch({ dependencyDir: recorderDir });
    const started = Date.now();
    const answer = parseMessage(
      (await client.execute(call('kubectl get pods slowpoke', `${teamA}timeoutSeconds: 1\n`))).message,
    );
    expect(answer.baseBody.plaintext).toBe('Stopped after the 1s time limit (config: timeoutSeconds).');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('narrows typed commands with commands.verbs and commands.resources', async () => {
    const config = `${teamA}commands: { verbs: [get], resources: [pods] }\n`;
    expect((await run('kubectl get po -o name', config)).baseBody.codeBlock).toBe('pod/web\n');
    expect((await run('kubectl get configmaps', config)).baseBody.plaintext).toContain(
      '`configmaps` is not an allowed resource here. Allowed: `pods`.',
    );
    expect((await run('kubectl describe pods', config)).baseBody.plaintext).toContain(
      '`describe` is not an allowed verb here.',
    );
  });

  it('says what to configure when the call has no kubeconfig', async () => {
    const answer = await run('kubectl get pods', teamA, { kubeConfig: new Uint8Array() });
    expect(answer.baseBody.plaintext).toContain('give the kubectl plugin an identity with `context.rbac`');
  });

  it('removes the kubeconfig file after the call', async () => {
    const { client, privateDir } = await launch();
    await client.execute(call('kubectl get configmaps'));
    const left = (await readdir(privateDir)).filter((n) => n.startsWith('kubectl-call-'));
    expect(left).toEqual([]);
    expect(await readdir(privateDir)).toContain('kubectl-home'); // the discovery cache stays
  });

  it('cuts output at maxOutputBytes and says so', async () => {
    const answer = await run('kubectl get --raw /openapi/v2', `${teamA}maxOutputBytes: 1024\n`);
    expect(answer.baseBody.codeBlock).toHaveLength(1024);
    expect(answer.sections).toEqual([
      { context: [{ text: 'Output cut at 1024 bytes and kubectl stopped (config: maxOutputBytes).' }] },
    ]);
  });

  it('finds kubectl in $KUBECTL without a dependency, and says where it looked when it is nowhere', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'sb-kubectl-nodeps-'));
    const viaEnv = await launch({ dependencyDir: empty, envExtra: { KUBECTL: cluster.kubectlPath } });
    const answer = parseMessage((await viaEnv.client.execute(call('kubectl get pods -o name'))).message);
    expect(answer.baseBody.codeBlock).toBe('pod/web\n');
    const none = await launch({ dependencyDir: empty });
    await expect(none.client.execute(call('kubectl get pods'))).rejects.toThrow(
      `kubectl not found: looked at the plugin dependency (${empty}/kubectl)`,
    );
  });
});

describe('kubectl interactive builder against a real API server', () => {
  const selectsOf = (m: Message) => m.sections?.[0]?.selects?.items ?? [];

  it('walks verb → resource → namespace → name with names read as the call identity, then runs', async () => {
    const { client } = await launch();
    const step = async (command: string) => parseMessage((await client.execute(call(command))).message);

    const start = await step('kubectl');
    expect(selectsOf(start).map((s) => s.name)).toEqual(['Select command']);
    expect(selectsOf(start)[0]?.optionGroups?.[0]?.options.map((o) => o.value)).toEqual([
      'api-resources',
      'api-versions',
      'cluster-info',
      'describe',
      'explain',
      'get',
      'logs',
      'top',
    ]);

    // A choice arrives appended to the select's command.
    const verb = await step(`${selectsOf(start)[0]?.command?.replace('{{BotName}} ', '')} describe`);
    const typeSelect = selectsOf(verb)[1];
    expect(typeSelect?.command).toBe('{{BotName}} kubectl @builder --verbs describe --resource-type');

    const type = await step('kubectl @builder --verbs describe --resource-type pods');
    const names = selectsOf(type).map((s) => [s.name, s.optionGroups?.[0]?.options.map((o) => o.value)]);
    // Namespaces are listed from the cluster; the default one first.
    expect(names[2]?.[0]).toBe('Select namespace');
    expect(names[2]?.[1]?.[0]).toBe('team-a');
    expect(names[2]?.[1]).toEqual(expect.arrayContaining(['default', 'kube-system', 'team-a']));
    expect(names[3]).toEqual(['Select name', ['web']]);
    expect(type.sections?.[1]?.body?.codeBlock).toBe('kubectl describe pods -n team-a');

    const named = await step(
      'kubectl @builder --verbs describe --resource-type pods --namespace team-a --resource-name web',
    );
    const run = named.sections?.[1]?.buttons?.[0];
    expect(run).toEqual({
      name: 'Run command',
      command: '{{BotName}} kubectl describe pods web -n team-a',
      style: 'primary',
    });

    const output = await step((run?.command ?? '').replace('{{BotName}} ', ''));
    expect(output.baseBody.codeBlock).toMatch(/^Name:\s+web\nNamespace:\s+team-a\n/);
  });

  it('shows no names the identity cannot list, instead of failing', async () => {
    const { client } = await launch();
    const m = parseMessage(
      (
        await client.execute(
          call('kubectl @builder --verbs get --resource-type configmaps --namespace default'),
        )
      ).message,
    );
    expect(m.sections?.at(-1)).toEqual({ context: [{ text: 'No configmaps found in default.' }] });
    expect(m.sections?.[1]?.body?.codeBlock).toBe('kubectl get configmaps -n default');
  });
});
