import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/contract/event.js';
import { freePort, publishBuiltins } from '../support/agent-harness.js';
import { pluginLauncher, sourceContext } from '../support/builtin-plugins.js';
import { startCliAgent } from '../support/cli-agent-pipeline.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';
import { waitFor } from '../support/test-logger.js';

// The kubernetes source's stream cursors against a real etcd + kube-apiserver: a stream is
// stopped, objects change, and a new plugin process (as after a restart or a failover) resumes
// from the last cursor the host got. No controller runs, so every event is the test's doing.

interface KubeEventObject {
  Title: string;
  Namespace: string;
  Name: string;
}

const plugins = pluginLauncher();
afterEach(() => plugins.stopAll());

const summary = (e: KubeEventObject) => `${e.Title} ${e.Namespace}/${e.Name}`;

function kubectlOf(cluster: () => KubeCluster) {
  return async (args: string[], input?: string): Promise<string> => {
    const result = await cluster().kubectl(args, input === undefined ? {} : { input });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
}

/** Opens a stream in a new plugin process; collects events with their cursors until closed. */
async function openStream(config: string, kubeconfig: string, resumeCursor?: string) {
  const plugin = await plugins.source('source/kubernetes');
  const events: { event: KubeEventObject; cursor?: string }[] = [];
  let failure: unknown;
  const controller = new AbortController();
  const done = plugin.client
    .each(
      {
        config: new TextEncoder().encode(config),
        context: sourceContext,
        kubeConfig: new TextEncoder().encode(kubeconfig),
        ...(resumeCursor ? { resumeCursor } : {}),
      },
      (bytes, cursor) => {
        events.push({ event: parseEvent(bytes).rawObject as KubeEventObject, ...(cursor ? { cursor } : {}) });
      },
      { signal: controller.signal },
    )
    .catch((err: unknown) => {
      failure = err;
    });
  await waitFor(() => failure ?? plugin.lines.find((l) => l.msg === 'stream ready'), 30_000, 'stream ready');
  if (failure) throw failure;
  return {
    plugin,
    events,
    summaries: () => events.map((e) => summary(e.event)),
    async expectCount(count: number, timeoutMs = 20_000) {
      await waitFor(() => events.length >= count, timeoutMs, `${count} events (have ${events.length})`);
    },
    async close() {
      controller.abort();
      await done;
      await plugin.instance.stop();
    },
  };
}

describe('kubernetes stream cursors against a real API server', { timeout: 120_000 }, () => {
  let cluster: KubeCluster;
  let kubeconfig: string;
  const kubectl = kubectlOf(() => cluster);
  beforeAll(async () => {
    cluster = await startKubeCluster();
    kubeconfig = await readFile(await cluster.kubeconfigFor(cluster.adminToken), 'utf8');
  }, 600_000);
  afterAll(() => cluster?.stop());

  it('a stream resumed from its last cursor reports exactly the changes made while it was stopped', async () => {
    const config =
      'event: { types: [create, update, delete] }\nresources: [{ type: v1/configmaps, namespaces: { include: ["^resume$"] } }]\n';
    await kubectl(['create', 'namespace', 'resume']);
    await kubectl(['create', 'namespace', 'resume-other']);
    const first = await openStream(config, kubeconfig);
    await kubectl(['-n', 'resume', 'create', 'configmap', 'one']);
    await kubectl(['-n', 'resume', 'create', 'configmap', 'kept']);
    await first.expectCount(2);
    await first.close();
    const cursor = first.events.at(-1)?.cursor;
    expect(JSON.parse(cursor ?? '')).toMatchObject({ v: 1, rv: { 'v1/configmaps': expect.any(String) } });

    // While no stream runs (the agent restarting, a failover).
    await kubectl(['-n', 'resume', 'create', 'configmap', 'two']);
    await kubectl(['-n', 'resume', 'label', 'configmap', 'one', 'touched=yes']);
    await kubectl(['-n', 'resume', 'delete', 'configmap', 'one']);
    await kubectl(['-n', 'resume-other', 'create', 'configmap', 'filtered-out']);

    const second = await openStream(config, kubeconfig, cursor);
    await second.expectCount(3);
    await kubectl(['-n', 'resume', 'create', 'configmap', 'live']);
    await second.expectCount(4);
    // Long enough for a duplicate or a replay of the first stream's events to show up.
    await new Promise((r) => setTimeout(r, 1500));
    expect(second.summaries()).toEqual([
      'v1/configmaps created resume/two',
      'v1/configmaps updated resume/one',
      'v1/configmaps deleted resume/one',
      'v1/configmaps created resume/live',
    ]);
    expect(second.plugin.lines.filter((l) => l.level === 'warn' || l.level === 40)).toEqual([]);

    // A stream resumed from the first event's cursor also gets the second one, and the rest.
    const third = await openStream(config, kubeconfig, first.events[0]?.cursor);
    await third.expectCount(5);
    await new Promise((r) => setTimeout(r, 1000));
    expect(third.summaries()).toEqual(['v1/configmaps created resume/kept', ...second.summaries()]);
    await second.close();
    await third.close();
  });
});

describe('kubernetes stream cursors when the cursor is compacted away', { timeout: 120_000 }, () => {
  // No watch cache and etcd compacted every second: a cursor a few seconds old is gone (410).
  let cluster: KubeCluster;
  let kubeconfig: string;
  const kubectl = kubectlOf(() => cluster);
  beforeAll(async () => {
    cluster = await startKubeCluster({
      apiServerFlags: ['--watch-cache=false', '--etcd-compaction-interval=1s'],
    });
    kubeconfig = await readFile(await cluster.kubeconfigFor(cluster.adminToken), 'utf8');
  }, 600_000);
  afterAll(() => cluster?.stop());

  it('warns naming the collection, reports no made-up events for the gap, and streams from now', async () => {
    const config =
      'event: { types: [create, update, delete] }\nresources: [{ type: v1/configmaps, namespaces: { include: ["^compacted$"] } }]\n';
    await kubectl(['create', 'namespace', 'compacted']);
    const first = await openStream(config, kubeconfig);
    await kubectl(['-n', 'compacted', 'create', 'configmap', 'one']);
    await first.expectCount(1);
    await first.close();
    await kubectl(['-n', 'compacted', 'create', 'configmap', 'in-the-gap']);
    await new Promise((r) => setTimeout(r, 4000));

    const second = await openStream(config, kubeconfig, first.events[0]?.cursor);
    await kubectl(['-n', 'compacted', 'create', 'configmap', 'after']);
    await second.expectCount(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(second.summaries()).toEqual(['v1/configmaps created compacted/after']);
    const warnings = second.plugin.lines.filter(
      (l) =>
        l.msg ===
        'cannot resume from the stream cursor; changes made while the stream was closed are not reported',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path: '/api/v1/configmaps', status: 410 });
    await second.close();
  });
});

describe('kubernetes stream cursors through a restarted agent process', { timeout: 240_000 }, () => {
  let cluster: KubeCluster;
  const kubectl = kubectlOf(() => cluster);
  const children: ChildProcess[] = [];
  let received: string[] = [];
  let receiver: Server;
  let receiverUrl: string;
  beforeAll(async () => {
    cluster = await startKubeCluster();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const event = JSON.parse(body) as { data?: KubeEventObject } & KubeEventObject;
        const raw = (event.data ?? event) as KubeEventObject;
        if (raw.Title) received.push(summary(raw));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  }, 600_000);
  afterAll(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    await new Promise((resolve) => receiver?.close(resolve));
    await cluster?.stop();
  });

  it('delivers the changes made while the agent was down after it restarts, each once', async () => {
    const repo = await publishBuiltins();
    const dir = await mkdtemp(join(tmpdir(), 'sb-kube-resume-'));
    const agentKubeconfig = await cluster.kubeconfigFor(cluster.adminToken);
    // The host passes the source a kubeconfig only for an RBAC identity; admin may impersonate.
    // No controller manager runs, so the aggregated `view` role would be empty: a role of its own.
    await kubectl(
      ['apply', '-f', '-'],
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata: { name: resume-source }',
        'rules: [{ apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch] }]',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRoleBinding',
        'metadata: { name: resume-source }',
        'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: resume-source }',
        'subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: resume-source }]',
      ].join('\n'),
    );
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `
communications:
  default:
    webhook:
      enabled: true
      url: ${receiverUrl}
      bindings: {sources: [k8s]}
sources:
  k8s:
    sb/kubernetes:
      enabled: true
      context: {rbac: {group: {type: Static, static: {values: [resume-source]}}}}
      config:
        event: {types: [create, update, delete]}
        resources: [{type: v1/configmaps, namespaces: {include: ["^agent-resume$"]}}]
settings:
  clusterName: resume
  kubeconfig: ${agentKubeconfig}
  healthPort: 0
  metricsPort: 0
  log: {level: info, formatter: json}
  delivery:
    groupWait: 0s
    retry: {initialBackoff: 50ms, maxBackoff: 200ms}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
  incomingWebhook: {enabled: true, port: ${await freePort()}}
`,
    );
    const stateDir = join(dir, 'state');
    const start = async () => {
      const run = await startCliAgent(config, stateDir, children);
      await waitFor(
        () => /"msg":"stream ready"/.test(run.output()),
        60_000,
        'the kubernetes stream ready',
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the agent wrote:\n${run.output().slice(-4000)}`);
      });
      return run;
    };
    await kubectl(['create', 'namespace', 'agent-resume']);
    received = [];
    const first = await start();
    await kubectl(['-n', 'agent-resume', 'create', 'configmap', 'one']);
    await waitFor(() => received.length >= 1, 30_000, 'the first event');
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');

    await kubectl(['-n', 'agent-resume', 'create', 'configmap', 'two']);
    await kubectl(['-n', 'agent-resume', 'delete', 'configmap', 'one']);
    await start();
    await waitFor(() => received.length >= 3, 30_000, 'the changes made while the agent was down');
    await kubectl(['-n', 'agent-resume', 'create', 'configmap', 'live']);
    await waitFor(() => received.length >= 4, 30_000, 'a live change');
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toEqual([
      'v1/configmaps created agent-resume/one',
      'v1/configmaps created agent-resume/two',
      'v1/configmaps deleted agent-resume/one',
      'v1/configmaps created agent-resume/live',
    ]);
  });
});
