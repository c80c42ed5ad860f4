import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startAgent } from '../support/agent-harness.js';
import { publishExecutorFixture } from '../support/console-harness.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { waitFor } from '../support/test-logger.js';

// context.rbac wired end to end: a chat command in #team-a runs the executor fixture, whose
// `kubectl` subcommand runs the real kubectl with the kubeconfig the agent put in the call
// context, against a real API server. The agent (user switchboard-agent) may only impersonate
// the one user and group this config resolves to; the group may only get/list pods in one
// namespace, so every refusal below comes from the API server.

let cluster: KubeCluster;
let agentKubeconfig: string;

beforeAll(async () => {
  cluster = await startKubeCluster();
  const setup = await cluster.kubectl(['apply', '-f', '-'], {
    input: [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: allowed-ns }',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: other-ns }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: switchboard-impersonator }',
      'rules:',
      '- { apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [botkube-internal-static-user] }',
      '- { apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: ["sb:team-a"] }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: switchboard-impersonator }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: switchboard-impersonator }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: { name: pod-reader, namespace: allowed-ns }',
      'rules: [{ apiGroups: [""], resources: [pods], verbs: [get, list] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: { name: team-a-pod-reader, namespace: allowed-ns }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: "sb:team-a" }]',
    ].join('\n'),
  });
  expect(setup.code, setup.stderr).toBe(0);
  agentKubeconfig = await cluster.kubeconfigFor(cluster.agentToken);
}, 600_000);
afterAll(() => cluster?.stop());

/** GET `path` on `server` with `token`, certificate unchecked (only the status matters here). */
function statusOf(server: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}${path}`,
      { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('RBAC by impersonation through the agent', { timeout: 240_000 }, () => {
  it('runs kubectl as the channel group: allowed in its namespace, refused elsewhere by the API server, with a token that holds nothing of the agent and dies after the call', async () => {
    const fx = await publishExecutorFixture();
    const run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        team-a: {name: team-a, bindings: {executors: [kube-tools], sources: []}}
executors:
  kube-tools:
    fx/fixture:
      enabled: true
      config: {kubectl: "${cluster.kubectlPath}"}
      context:
        rbac:
          group: {type: ChannelName, prefix: "sb:"}
settings:
  clusterName: rbac-test
  kubeconfig: ${agentKubeconfig}
plugins:
  cacheDir: ${dir}/cache
  repositories:
    fx: {url: "file://${fx}/index.yaml"}
`,
    );
    const answer = async (text: string): Promise<string> => {
      const before = run.bot.finalTexts('team-a').length;
      run.bot.say(text, 'team-a');
      await waitFor(() => run.bot.finalTexts('team-a').length > before, 60_000, `the answer to ${text}`);
      return run.bot.finalTexts('team-a')[before] ?? '';
    };
    try {
      const allowed = await answer('fixture kubectl get pods -n allowed-ns');
      expect(allowed).toContain('exit 0');
      expect(allowed).toContain('No resources found in allowed-ns namespace');

      const refused = await answer('fixture kubectl get pods -n other-ns');
      expect(refused).toContain('exit 1');
      expect(refused).toMatch(
        /User "botkube-internal-static-user" cannot list resource "pods" in API group "" in the namespace "other-ns"/,
      );

      // Asking the API server for more (kubectl --as) changes nothing: the proxy drops it.
      const escalated = await answer(
        'fixture kubectl --as=admin --as-group=system:masters get pods -n other-ns',
      );
      expect(escalated).toContain('exit 1');
      expect(escalated).toContain('botkube-internal-static-user');

      const raw = await answer('fixture kubectl config view --raw');
      expect(raw).toContain('exit 0');
      const token = /token: (sbkp_\S+)/.exec(raw)?.[1];
      const server = /server: (https:\/\/127\.0\.0\.1:\d+)/.exec(raw)?.[1];
      expect(token, raw).toBeDefined();
      expect(server, raw).toBeDefined();
      expect(raw).not.toContain(cluster.agentToken);
      expect(raw).not.toContain(cluster.url);
      expect(raw).not.toContain(Buffer.from(cluster.caPem).toString('base64'));
      expect(raw).not.toMatch(/as-groups|\bas:/);
      // The call is over: its token is revoked, so a plugin that kept it gets nothing.
      expect(await statusOf(server as string, '/api/v1/namespaces/allowed-ns/pods', token as string)).toBe(
        401,
      );

      expect(await readFile(agentKubeconfig, 'utf8')).toContain(cluster.agentToken);
    } finally {
      await run.agent.stop();
    }
  });

  it('takes a context.rbac policy that first appears by a reload, without a restart', async () => {
    const fx = await publishExecutorFixture();
    const config = (dir: string, rbac: string) => `
communications:
  default:
    console:
      enabled: true
      channels:
        team-a: {name: team-a, bindings: {executors: [kube-tools], sources: []}}
executors:
  kube-tools:
    fx/fixture:
      enabled: true
      config: {kubectl: "${cluster.kubectlPath}"}
${rbac}
settings:
  clusterName: rbac-reload
  kubeconfig: ${agentKubeconfig}
plugins:
  cacheDir: ${dir}/cache
  repositories:
    fx: {url: "file://${fx}/index.yaml"}
`;
    const run = await startAgent((dir) => config(dir, ''));
    const answer = async (text: string): Promise<string> => {
      const before = run.bot.finalTexts('team-a').length;
      run.bot.say(text, 'team-a');
      await waitFor(() => run.bot.finalTexts('team-a').length > before, 60_000, `the answer to ${text}`);
      return run.bot.finalTexts('team-a')[before] ?? '';
    };
    try {
      // No policy: no kubeconfig in the call at all, as in Botkube.
      expect(await answer('fixture kubectl get pods -n allowed-ns')).toContain(
        'no kubeconfig in the call context',
      );
      await writeFile(
        run.configFile,
        config(run.dir, '      context:\n        rbac:\n          group: {type: ChannelName, prefix: "sb:"}'),
      );
      const { config: next } = await loadConfig({ files: [run.configFile] });
      await run.agent.reload(next);
      const allowed = await answer('fixture kubectl get pods -n allowed-ns');
      expect(allowed).toContain('exit 0');
      expect(allowed).toContain('No resources found in allowed-ns namespace');
      expect(await answer('fixture kubectl get pods -n other-ns')).toMatch(
        /User "botkube-internal-static-user" cannot list resource "pods" in API group "" in the namespace "other-ns"/,
      );
    } finally {
      await run.agent.stop();
    }
  });

  it('keeps the running config when a reload brings rbac but settings.kubeconfig cannot be read', async () => {
    const fx = await publishExecutorFixture();
    const config = (dir: string, rbac: string, kubeconfig: string) => `
communications:
  default:
    console:
      enabled: true
      channels:
        team-a: {name: team-a, bindings: {executors: [kube-tools], sources: []}}
executors:
  kube-tools:
    fx/fixture:
      enabled: true
${rbac}
settings:
  kubeconfig: ${kubeconfig}
plugins:
  cacheDir: ${dir}/cache
  repositories:
    fx: {url: "file://${fx}/index.yaml"}
`;
    const run = await startAgent((dir) => config(dir, '', `${dir}/missing-kubeconfig`));
    try {
      await writeFile(
        run.configFile,
        config(
          run.dir,
          '      context: {rbac: {user: {type: Static, static: {value: ada}}}}',
          `${run.dir}/missing-kubeconfig`,
        ),
      );
      const { config: next } = await loadConfig({ files: [run.configFile] });
      await expect(run.agent.reload(next)).rejects.toThrow(
        expect.objectContaining({
          code: 'SB_ERR_KUBE_CLUSTER',
          message: expect.stringContaining('missing-kubeconfig'),
        }),
      );
      // The agent still serves on the config it had.
      const before = run.bot.finalTexts('team-a').length;
      run.bot.say('fixture echo still here', 'team-a');
      await waitFor(() => run.bot.finalTexts('team-a').length > before, 60_000, 'the echo answer');
      expect(run.bot.finalTexts('team-a')[before]).toContain('still here');
    } finally {
      await run.agent.stop();
    }
  });

  it('refuses to start when an enabled plugin has rbac and settings.kubeconfig cannot be read, naming the file', async () => {
    const fx = await publishExecutorFixture();
    await expect(
      startAgent(
        (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        team-a: {name: team-a, bindings: {executors: [kube-tools], sources: []}}
executors:
  kube-tools:
    fx/fixture:
      enabled: true
      context: {rbac: {user: {type: Static, static: {value: ada}}}}
settings:
  kubeconfig: ${dir}/missing-kubeconfig
plugins:
  cacheDir: ${dir}/cache
  repositories:
    fx: {url: "file://${fx}/index.yaml"}
`,
      ),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'SB_ERR_KUBE_CLUSTER',
        message: expect.stringContaining('missing-kubeconfig'),
      }),
    );
  });
});
