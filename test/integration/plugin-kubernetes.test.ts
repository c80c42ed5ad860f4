import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type SourceEvent } from '../../src/contract/event.js';
import { eventFingerprint } from '../../src/delivery/fingerprint.js';
import { publishBuiltins, startAgent } from '../support/agent-harness.js';
import { pluginLauncher, sourceContext } from '../support/builtin-plugins.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { forwardPort } from '../support/tcp-forward.js';
import { waitFor } from '../support/test-logger.js';

// The kubernetes source as a real child process under our host, against a real etcd +
// kube-apiserver on loopback (test/support/kube-cluster.ts). There is no controller manager or
// scheduler, so objects change only when a test changes them: every event below is caused by
// the test, and silence means the plugin filtered something out.

interface KubeEventObject {
  Type: string;
  Title: string;
  Kind: string;
  Name: string;
  Namespace: string;
  Reason: string;
  Messages: string[];
  Count: number;
  Resource: string;
}

const plugins = pluginLauncher();
let cluster: KubeCluster;
let agentKubeconfig: string;

beforeAll(async () => {
  cluster = await startKubeCluster();
  // The agent's identity gets what Botkube's default plugin group gets: read and watch everything.
  const rbac = await cluster.kubectl(['apply', '-f', '-'], {
    input: [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: switchboard-source }',
      'rules: [{ apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: switchboard-source }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: switchboard-source }',
      'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
    ].join('\n'),
  });
  expect(rbac.code, rbac.stderr).toBe(0);
  agentKubeconfig = await readFile(await cluster.kubeconfigFor(cluster.agentToken), 'utf8');
}, 600_000);
afterAll(() => cluster?.stop());
afterEach(() => plugins.stopAll());

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await cluster.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Opens one stream and collects its events in the background until the test ends. */
async function openStream(
  config: string,
  options: {
    sourceName?: string;
    kubeconfig?: string;
    plugin?: Awaited<ReturnType<typeof plugins.source>>;
  } = {},
) {
  const plugin = options.plugin ?? (await plugins.source('source/kubernetes'));
  const sourceName = options.sourceName ?? 'k8s-events';
  const events: SourceEvent[] = [];
  let failure: unknown;
  const controller = new AbortController();
  void (async () => {
    try {
      for await (const bytes of plugin.client.stream(
        {
          config: new TextEncoder().encode(config),
          context: { ...sourceContext, sourceName },
          kubeConfig: new TextEncoder().encode(options.kubeconfig ?? agentKubeconfig),
        },
        { signal: controller.signal },
      )) {
        events.push(parseEvent(bytes));
      }
    } catch (err) {
      failure = err;
    }
  })();
  await waitFor(
    () => failure ?? plugin.lines.find((l) => l.msg === 'stream ready' && l.source === sourceName),
    30_000,
    `stream ${sourceName} ready`,
  );
  if (failure) throw failure;
  const raw = () => events.map((e) => e.rawObject as KubeEventObject);
  return {
    plugin,
    events,
    raw,
    /** Waits for `count` events in all, then returns the raw objects. */
    async expectCount(count: number, timeoutMs = 15_000) {
      await waitFor(() => events.length >= count, timeoutMs, `${count} events (have ${events.length})`);
      return raw();
    },
    close: () => controller.abort(),
  };
}

const summary = (e: KubeEventObject) => `${e.Title} ${e.Namespace}/${e.Name}`;

describe('kubernetes source against a real API server', { timeout: 60_000 }, () => {
  it('reports Deployment create, update (only of the configured field, with the diff) and delete, filtered by namespace and name regex', async () => {
    await kubectl(['create', 'namespace', 'team-a']);
    await kubectl(['create', 'namespace', 'other']);
    const stream = await openStream(
      [
        'namespaces: { include: ["^team-"] }',
        'resources:',
        '  - type: apps/v1/deployments',
        '    name: { include: [".*"], exclude: ["-canary$"] }',
        '    event: { types: [create, update, delete] }',
        '    updateSetting:',
        '      includeDiff: true',
        '      fields: ["spec.template.spec.containers[*].image"]',
      ].join('\n'),
    );
    // Filtered out: another namespace, and a name the exclude matches.
    await kubectl(['-n', 'other', 'create', 'deployment', 'web', '--image=nginx:1.25']);
    await kubectl(['-n', 'team-a', 'create', 'deployment', 'web-canary', '--image=nginx:1.25']);
    await kubectl(['-n', 'team-a', 'create', 'deployment', 'web', '--image=nginx:1.25']);
    const [created] = await stream.expectCount(1);
    expect(created).toMatchObject({ Type: 'create', Kind: 'Deployment', Name: 'web', Namespace: 'team-a' });
    // A change to a field that is not configured is not an update; the image is.
    await kubectl(['-n', 'team-a', 'scale', 'deployment', 'web', '--replicas=3']);
    await kubectl(['-n', 'team-a', 'label', 'deployment', 'web', 'tier=frontend']);
    await kubectl(['-n', 'team-a', 'set', 'image', 'deployment/web', 'nginx=nginx:1.26']);
    const [, updated] = await stream.expectCount(2);
    expect(updated).toMatchObject({ Type: 'update', Title: 'apps/v1/deployments updated', Name: 'web' });
    expect(updated?.Messages).toEqual([
      'spec.template.spec.containers[*].image:\n\t-: nginx:1.25\n\t+: nginx:1.26',
    ]);
    await kubectl(['-n', 'team-a', 'delete', 'deployment', 'web', 'web-canary']);
    await kubectl(['-n', 'other', 'delete', 'deployment', 'web']);
    const all = await stream.expectCount(3);
    await new Promise((r) => setTimeout(r, 1500));
    expect(stream.raw().map(summary)).toEqual([
      'apps/v1/deployments created team-a/web',
      'apps/v1/deployments updated team-a/web',
      'apps/v1/deployments deleted team-a/web',
    ]);
    expect(all[2]?.Type).toBe('delete');
    // The interactive message carries Botkube's "Run command..." select (not for the delete).
    const select = stream.events[0]?.message.sections?.[1]?.selects?.items?.[0];
    expect(select?.optionGroups?.[0]?.options).toEqual([
      { name: 'describe', value: 'describe deployments web --namespace team-a' },
      { name: 'get', value: 'get deployments web --namespace team-a' },
      { name: 'logs', value: 'logs deployments/web --namespace team-a' },
    ]);
    expect(stream.events[2]?.message.sections).toHaveLength(1);
  });

  it("reports a Pod's Warning events, with repeats counted and coalesced, filtered by reason", async () => {
    await kubectl(['create', 'namespace', 'crash']);
    await kubectl(['-n', 'crash', 'run', 'looper', '--image=busybox:1.36', '--restart=Always']);
    const stream = await openStream(
      [
        'warningRepeatInterval: 6s',
        'event: { types: [error], reason: { include: [".*"], exclude: ["^Unhealthy$"] } }',
        'resources: [{ type: v1/pods }]',
      ].join('\n'),
    );
    const event = (name: string, type: string, reason: string, count: number) =>
      [
        'apiVersion: v1',
        'kind: Event',
        `metadata: { name: ${name}, namespace: crash }`,
        'involvedObject: { apiVersion: v1, kind: Pod, name: looper, namespace: crash }',
        `type: ${type}`,
        `reason: ${reason}`,
        'message: Back-off restarting failed container looper in pod looper_crash',
        'source: { component: kubelet, host: node-1 }',
        `count: ${count}`,
        'firstTimestamp: "2026-12-07T08:00:00Z"',
        `lastTimestamp: "2026-12-07T08:00:${String(count).padStart(2, '0')}Z"`,
      ].join('\n');
    // As kubelet does: Normal events never notify, an excluded reason does not either.
    await kubectl(['apply', '-f', '-'], event('looper.pulled', 'Normal', 'Pulled', 1));
    await kubectl(['apply', '-f', '-'], event('looper.unhealthy', 'Warning', 'Unhealthy', 1));
    await kubectl(['apply', '-f', '-'], event('looper.backoff', 'Warning', 'BackOff', 1));
    const [first] = await stream.expectCount(1);
    expect(first).toMatchObject({
      Type: 'error',
      Title: 'v1/pods error',
      Kind: 'Pod',
      Name: 'looper',
      Reason: 'BackOff',
      Count: 1,
    });
    // Kubelet bumps count on the same Event object; Botkube never reports these.
    for (const count of [2, 3, 4]) {
      await kubectl(['apply', '-f', '-'], event('looper.backoff', 'Warning', 'BackOff', count));
    }
    const [, repeat] = await stream.expectCount(2, 15_000);
    expect(repeat).toMatchObject({ Reason: 'BackOff', Count: 4 });
    expect(stream.events[1]?.message.sections?.[0]?.textFields).toContainEqual({ key: 'Count', value: '4' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(stream.events).toHaveLength(2);
  });

  it('reports a missing CRD once and keeps watching the other resources', async () => {
    const stream = await openStream(
      [
        'event: { types: [create] }',
        'resources: [{ type: example.com/v1/widgets }, { type: v1/configmaps, namespaces: { include: ["^crd-test$"] } }]',
      ].join('\n'),
    );
    await kubectl(['create', 'namespace', 'crd-test']);
    await kubectl(['-n', 'crd-test', 'create', 'configmap', 'still-watched']);
    const [missing, created] = await stream.expectCount(2);
    expect(missing).toMatchObject({ Type: 'warning', Resource: 'example.com/v1/widgets' });
    expect(missing?.Messages[0]).toContain(
      'The API server does not serve example.com/v1/widgets (is its CRD installed?)',
    );
    expect(created).toMatchObject({ Type: 'create', Name: 'still-watched' });
    expect(stream.plugin.lines.filter((l) => l.msg === 'resource not served; skipped')).toHaveLength(1);
  });

  it('resumes a watch dropped mid-stream from its resourceVersion: nothing lost, nothing repeated', async () => {
    const port = await freePort();
    const forward = await forwardPort(port, Number(new URL(cluster.url).port));
    try {
      const stream = await openStream(
        'event: { types: [create, delete] }\nresources: [{ type: v1/configmaps, namespaces: { include: ["^drop$"] } }]\n',
        { kubeconfig: agentKubeconfig.replace(cluster.url, `https://127.0.0.1:${port}`) },
      );
      await kubectl(['create', 'namespace', 'drop']);
      await kubectl(['-n', 'drop', 'create', 'configmap', 'one']);
      await stream.expectCount(1);
      forward.dropConnections();
      // Changes while the plugin's watch is down; it must see them after it reconnects.
      await kubectl(['-n', 'drop', 'create', 'configmap', 'two']);
      await kubectl(['-n', 'drop', 'delete', 'configmap', 'one']);
      forward.dropConnections();
      await kubectl(['-n', 'drop', 'create', 'configmap', 'three']);
      await stream.expectCount(4, 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(stream.raw().map(summary)).toEqual([
        'v1/configmaps created drop/one',
        'v1/configmaps created drop/two',
        'v1/configmaps deleted drop/one',
        'v1/configmaps created drop/three',
      ]);
      const retries = stream.plugin.lines.filter((l) => l.msg === 'list or watch failed; retrying');
      expect(retries.length).toBeGreaterThan(0);
      // Resumed from a resourceVersion, never relisted (a relist would log "watching" again).
      expect(
        stream.plugin.lines.filter((l) => l.msg === 'watching' && l.path === '/api/v1/configmaps'),
      ).toHaveLength(1);
    } finally {
      await forward.close();
    }
  });

  it('gives two source groups matching one change the same event, so the agent posts it once', async () => {
    const config =
      'event: { types: [create] }\nresources: [{ type: v1/secrets, namespaces: { include: ["^twice$"] } }]\n';
    const a = await openStream(config, { sourceName: 'group-a' });
    const b = await openStream(config, { sourceName: 'group-b', plugin: a.plugin });
    await kubectl(['create', 'namespace', 'twice']);
    await kubectl(['-n', 'twice', 'create', 'secret', 'generic', 'token', '--from-literal=k=v']);
    const [fromA] = await a.expectCount(1);
    const [fromB] = await b.expectCount(1);
    expect(fromA).toEqual(fromB);
    const [ea, eb] = [a.events[0], b.events[0]];
    if (!ea || !eb) throw new Error('missing events');
    // The key the agent's delivery dedups on (docs/delivery.md, "Duplicates").
    expect(eventFingerprint(ea.message, ea.rawObject)).toBe(eventFingerprint(eb.message, eb.rawObject));
    // One informer for both streams: the secrets collection was listed once.
    expect(a.plugin.lines.filter((l) => l.msg === 'watching' && l.path === '/api/v1/secrets')).toHaveLength(
      1,
    );
  });

  it('fails the stream with the field at fault for a bad config', async () => {
    await expect(openStream('resources: [{ type: deployments }]\n')).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('resources[0].type: "deployments" is not a resource type'),
    });
  });

  it('fails the stream pointing at context.rbac when the host passes no kubeconfig', async () => {
    await expect(openStream('resources: [{ type: v1/pods }]\n', { kubeconfig: '' })).rejects.toMatchObject({
      message: expect.stringContaining('set context.rbac on the source so the agent passes one'),
    });
  });
});

describe('kubernetes source when its resourceVersion is compacted away', { timeout: 120_000 }, () => {
  // A second API server without watch cache and with etcd compacted every second, so that a watch
  // resumed after a long enough outage gets 410 Gone from the real server.
  let compacting: KubeCluster;
  beforeAll(async () => {
    compacting = await startKubeCluster({
      apiServerFlags: ['--watch-cache=false', '--etcd-compaction-interval=1s'],
    });
  }, 600_000);
  afterAll(() => compacting?.stop());

  it('lists again on 410 and reports only what changed during the outage, once', async () => {
    const admin = async (args: string[]) => {
      const result = await compacting.kubectl(args);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    };
    const port = await freePort();
    const apiPort = Number(new URL(compacting.url).port);
    let forward = await forwardPort(port, apiPort);
    const adminKubeconfig = await readFile(await compacting.kubeconfigFor(compacting.adminToken), 'utf8');
    const stream = await openStream(
      'event: { types: [create, update, delete] }\nresources: [{ type: v1/configmaps, namespaces: { include: ["^gone$"] } }]\n',
      { kubeconfig: adminKubeconfig.replace(compacting.url, `https://127.0.0.1:${port}`) },
    );
    try {
      await admin(['create', 'namespace', 'gone']);
      await admin(['-n', 'gone', 'create', 'configmap', 'one']);
      await admin(['-n', 'gone', 'create', 'configmap', 'stays']);
      await stream.expectCount(2);
      // The plugin cannot reach the server while these happen and etcd compacts them away.
      await forward.close();
      await admin(['-n', 'gone', 'create', 'configmap', 'two']);
      await admin(['-n', 'gone', 'label', 'configmap', 'stays', 'touched=yes']);
      await admin(['-n', 'gone', 'delete', 'configmap', 'one']);
      await new Promise((r) => setTimeout(r, 4000));
      forward = await forwardPort(port, apiPort);
      await waitFor(
        () => stream.plugin.lines.find((l) => l.msg === 'resourceVersion expired; listing again'),
        60_000,
        'the 410 relist',
      );
      await stream.expectCount(5, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(stream.raw().slice(0, 2).map(summary)).toEqual([
        'v1/configmaps created gone/one',
        'v1/configmaps created gone/stays',
      ]);
      expect(stream.raw().slice(2).map(summary).sort()).toEqual([
        'v1/configmaps created gone/two',
        'v1/configmaps deleted gone/one',
        'v1/configmaps updated gone/stays',
      ]);
    } finally {
      await forward.close();
    }
  });
});

describe('kubernetes source through the agent', { timeout: 180_000 }, () => {
  it('posts a change that two source groups bound to one channel both match once, naming both groups', async () => {
    const repo = await publishBuiltins();
    // As Botkube's chart: both groups act as the Static group botkube-plugins-default, which may
    // read everything; the agent may impersonate only that group and its fixed user.
    await kubectl(
      ['apply', '-f', '-'],
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata: { name: switchboard-impersonator }',
        'rules:',
        '- { apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [botkube-internal-static-user] }',
        '- { apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [botkube-plugins-default] }',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRoleBinding',
        'metadata: { name: switchboard-impersonator }',
        'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: switchboard-impersonator }',
        'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent }]',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRoleBinding',
        'metadata: { name: botkube-plugins-default }',
        'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: switchboard-source }',
        'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: botkube-plugins-default }]',
      ].join('\n'),
    );
    const agentKubeconfigFile = await cluster.kubeconfigFor(cluster.agentToken);
    const rbac = 'context: {rbac: {group: {type: Static, static: {values: [botkube-plugins-default]}}}}';
    const group =
      'event: {types: [create]}\n        resources: [{type: v1/configmaps, namespaces: {include: ["^agent-twice$"]}}]';
    const run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [], sources: [k8s-a, k8s-b]}}
sources:
  k8s-a:
    sb/kubernetes:
      enabled: true
      ${rbac}
      config:
        ${group}
  k8s-b:
    sb/kubernetes:
      enabled: true
      ${rbac}
      config:
        ${group}
settings:
  kubeconfig: ${agentKubeconfigFile}
  delivery: {groupWait: 2s}
plugins:
  cacheDir: ${dir}/cache
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
`,
    );
    try {
      await waitFor(
        () => run.lines.filter((l) => l.msg === 'stream ready').length === 2,
        60_000,
        'both streams ready',
      );
      await kubectl(['create', 'namespace', 'agent-twice']);
      await kubectl(['-n', 'agent-twice', 'create', 'configmap', 'posted-once']);
      const posts = () => run.bot.received.filter((o) => JSON.stringify(o.message).includes('posted-once'));
      await waitFor(() => posts().length > 0, 30_000, 'the configmap event in #ops');
      // Well past the group wait, so a second copy would have been posted by now.
      await new Promise((r) => setTimeout(r, 4000));
      expect(posts()).toHaveLength(1);
      expect([...(posts()[0]?.sources ?? [])].sort()).toEqual(['k8s-a', 'k8s-b']);
    } finally {
      await run.agent.stop();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
