import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botMessages, consolePane, launchBrowser, openConsolePage } from '../support/browser.js';
import { type ConsoleAgent, startConsoleAgent } from '../support/console-harness.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { publishKubePlugins } from '../support/kube-plugin-repo.js';

/*
 * The kubectl interactive builder in the console page, in headless Chromium, against a real
 * etcd + kube-apiserver: verb → resource → namespace → name selects, the preview, and Run. The
 * agent installs the built-in kubectl plugin with its kubectl dependency (checked by sha256) and
 * runs it as group `sb:ops`, which may read configmaps in team-a and list namespaces only: the
 * namespace and name dropdowns are what that identity can list.
 */

let cluster: KubeCluster;
let run: ConsoleAgent;
let browser: Browser;
const problems: string[] = [];

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
      'metadata: { name: limits, namespace: team-a }',
      'data: { cpu: "2" }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: switchboard-impersonator }',
      'rules:',
      '- { apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [botkube-internal-static-user] }',
      '- { apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: ["sb:ops"] }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: switchboard-impersonator }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: switchboard-impersonator }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: namespace-lister }',
      'rules: [{ apiGroups: [""], resources: [namespaces], verbs: [list] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: ops-namespace-lister }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: namespace-lister }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: "sb:ops" }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: { name: config-reader, namespace: team-a }',
      'rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get, list] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: { name: ops-config-reader, namespace: team-a }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: "sb:ops" }]',
    ].join('\n'),
  });
  expect(setup.code, setup.stderr).toBe(0);
  const kubeconfig = await cluster.kubeconfigFor(cluster.agentToken);
  const repo = await publishKubePlugins({ kubectl: cluster.kubectlPath });
  [run, browser] = await Promise.all([
    startConsoleAgent(
      `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [k8s-tools], sources: []}}
executors:
  k8s-tools:
    kube/kubectl:
      enabled: true
      config:
        defaultNamespace: default
        interactiveBuilder: {allowed: {verbs: [get, describe], resources: [configmaps, pods]}}
      context: {rbac: {group: {type: ChannelName, prefix: "sb:"}}}
settings:
  clusterName: builder-test
  kubeconfig: ${kubeconfig}
`,
      {},
      { repositories: { kube: `file://${repo}/index.yaml` } },
    ),
    launchBrowser(),
  ]);
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await run?.agent.stop();
  await cluster?.stop();
  expect(problems).toEqual([]);
});

const builder = (page: Page) => botMessages(page, 'ops', 'Build a kubectl command').last();

/** Picks `value` in the builder's `nth` select once the (re-rendered) builder offers it. */
async function pick(page: Page, nth: number, value: string): Promise<void> {
  const select = builder(page).locator('select').nth(nth);
  await select.locator(`option[value="${value}"]`).waitFor({ state: 'attached', timeout: 30_000 });
  await select.selectOption(value);
}

describe('kubectl builder in the console (headless Chromium, real API server)', { timeout: 240_000 }, () => {
  it('builds verb → resource → namespace → name from what the identity can list, previews it and runs it', async () => {
    const page = (await openConsolePage(browser, run.url, { problems, channel: 'ops' })).page;
    await page.fill('#command', 'kubectl');
    await page.press('#command', 'Enter');
    await builder(page).waitFor({ timeout: 60_000 });
    const verbs = await builder(page)
      .locator('select')
      .first()
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter((v) => v !== ''));
    expect(verbs).toEqual(['get', 'describe']);

    await pick(page, 0, 'get');
    await pick(page, 1, 'configmaps');
    // The namespaces are those the impersonated group may list; the default namespace comes first.
    // (No controller runs in the test cluster, so there is no kube-root-ca.crt among the names.)
    await builder(page)
      .locator('select')
      .nth(2)
      .locator('option[value="team-a"]')
      .waitFor({ state: 'attached' });
    await pick(page, 2, 'team-a');
    const names = builder(page).locator('select').nth(3);
    await names.locator('option[value="settings"]').waitFor({ state: 'attached', timeout: 30_000 });
    await expect(
      names
        .locator('option')
        .evaluateAll((os) =>
          os.map((o) => (o as unknown as { value: string }).value).filter((v) => v !== ''),
        ),
    ).resolves.toEqual(['limits', 'settings']);
    await pick(page, 3, 'settings');

    const preview = builder(page).locator('pre.code', {
      hasText: 'kubectl get configmaps settings -n team-a',
    });
    await preview.waitFor({ timeout: 30_000 });
    await builder(page).locator('button', { hasText: 'Run command' }).click();
    const answer = botMessages(page, 'ops', 'settings')
      .filter({ hasNot: page.locator('select') })
      .last();
    await answer.locator('pre.code', { hasText: 'DATA' }).waitFor({ timeout: 60_000 });
    await expect(answer.locator('pre.code').textContent()).resolves.toMatch(
      /^NAME\s+DATA\s+AGE\nsettings\s+1\s+/,
    );
    // Every step replaced the one builder message instead of posting a new one.
    await expect(
      consolePane(page, 'ops').locator('li', { hasText: 'Build a kubectl command' }).count(),
    ).resolves.toBe(1);
    await page.close();
  });

  it('offers no names where the identity cannot list, and the API server refuses the run', async () => {
    const page = (await openConsolePage(browser, run.url, { problems, channel: 'ops' })).page;
    await page.fill('#command', 'kubectl @builder --verbs get --resource-type pods --namespace team-a');
    await page.press('#command', 'Enter');
    await builder(page)
      .locator('.context', { hasText: 'No pods found in team-a.' })
      .waitFor({ timeout: 60_000 });
    await builder(page).locator('button', { hasText: 'Run command' }).click();
    const refused = botMessages(page, 'ops', 'forbidden').last();
    await refused.waitFor({ timeout: 60_000 });
    await expect(refused.textContent()).resolves.toContain(
      'User "botkube-internal-static-user" cannot list resource "pods" in API group "" in the namespace "team-a"',
    );
    await page.close();
  });
});
