import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Agent } from '../src/app/agent.js';
import type { InboundCommand } from '../src/core/inbound-command.js';
import { type KubeCluster, startKubeCluster } from '../test/support/kube-cluster.js';
import { publishKubePlugins } from '../test/support/kube-plugin-repo.js';
import type { TestPeers } from '../test/support/test-peers.js';
import { startChild } from './agent-memory.js';
import { startAgent } from './agent-setup.js';
import { BenchBot } from './lib/bench-bot.js';
import type { BenchContext, BenchResult } from './lib/context.js';
import { infoRow, type Table, type TableRow } from './lib/report.js';
import { ms, perSecond, ratio, summarize } from './lib/stats.js';

/**
 * The Kubernetes benchmark, against a real etcd + kube-apiserver (the test peers):
 * 1. events/s from the kubernetes source through the agent into a recording destination while
 *    1,000 ConfigMaps are created and then deleted, against `kubectl get --watch` seeing the same
 *    change on its own (the API server's own pace: the baseline);
 * 2. agent and plugin RSS with 3 source groups each watching 10 resource types, the agent alone
 *    in a child process (bench/agent-child.ts) so the harness does not count, against Botkube's
 *    published figure (PR #1425: 92.9 MiB for its pod with 12 sources);
 * 3. `kubectl get pods` round trip through the agent (proxy, impersonation, plugin, kubectl)
 *    against kubectl alone.
 */

const execFileP = promisify(execFile);
const objects = 1000;
const watchedTypes = [
  'v1/pods',
  'v1/services',
  'v1/configmaps',
  'v1/secrets',
  'v1/namespaces',
  'v1/serviceaccounts',
  'apps/v1/deployments',
  'apps/v1/statefulsets',
  'apps/v1/daemonsets',
  'batch/v1/jobs',
];

/** The bench bot, plus a way for the benchmark to type commands into the agent. */
class CommandBenchBot extends BenchBot {
  #onCommand: ((command: InboundCommand) => void) | undefined;

  override async start(onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#onCommand = onCommand;
    await super.start(onCommand);
  }

  say(text: string): void {
    const user = { id: 'U1', mention: '@ada', displayName: 'Ada' };
    this.#onCommand?.({ botId: this.id, channel: { id: 'ops', name: 'ops' }, user, text, origin: 'typed' });
  }
}

/** The test peers (all, or those `names`), built or reused, or why they are missing. */
export function peers(repoRoot: string, names: readonly string[] = []): TestPeers {
  try {
    const out = execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts/test-peers/build.mjs'), '--json', ...names],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return JSON.parse(out.trim().split('\n').at(-1) ?? '') as TestPeers;
  } catch (err) {
    return { error: `test peers unavailable: ${(err as Error).message}` };
  }
}

/** `count` ConfigMaps labelled `bench=1`, as one YAML stream for `kubectl create -f -`. */
function configMaps(namespace: string, count: number): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i += 1) {
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: ${namespace}, labels: {bench: "1"}}\ndata: {i: "${i}"}`,
    );
  }
  return docs.join('\n---\n');
}

/** Resident set size of a process in MiB, from /proc. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates marker ConfigMaps in `namespace` until `reported()`: then the agent's watches are open. */
async function untilStreamsOpen(
  cluster: KubeCluster,
  namespace: string,
  reported: () => Promise<boolean>,
  tag = 'marker',
): Promise<void> {
  // A marker created before the watches start is only listed, never reported, so markers go in
  // until one is; the ones still in flight land during the settle time after.
  for (let i = 0; !(await reported()); i += 1) {
    if (i === 60) throw new Error(`no marker ConfigMap in ${namespace} was reported in 2 minutes`);
    await cluster.kubectl(['-n', namespace, 'create', 'configmap', `${tag}-${i}`]);
    await new Promise((r) => setTimeout(r, 2000));
  }
  await new Promise((r) => setTimeout(r, 3000));
}

interface RssReading {
  agent: number;
  plugin: number;
  /** Other plugin processes of the agent (the kubectl executor, once started). */
  others: number;
  /** The agent's V8 heap (used / total, and its young generation), which explains most of its RSS. */
  heap: { used: number; total: number; young: number };
}

/**
 * RSS of an agent in its own process (bench/agent-child.ts) with `configFile`, and of its
 * kubernetes plugin: after the streams opened, and after `objects` creates and deletes in
 * `namespace`.
 */
async function childRss(
  ctx: BenchContext,
  cluster: KubeCluster,
  configFile: string,
  namespace: string,
  change: { create: () => Promise<void>; remove: () => Promise<void> },
  tag: string,
): Promise<{ start: RssReading; after: RssReading; plugins: string[] }> {
  const child = startChild(ctx, configFile, { label: 'kube', env: {}, stream: false });
  try {
    const ready = await child.next('benchReady', 180_000);
    const pids = ready.plugins.filter((p): p is { name: string; pid: number } => p.pid !== undefined);
    const plugin = pids.find((p) => p.name.includes('kubernetes'));
    if (!plugin) throw new Error(`no running kubernetes plugin in ${JSON.stringify(ready.plugins)}`);
    await untilStreamsOpen(cluster, namespace, async () => (await child.represented()) > 0, tag);
    const read = async (): Promise<RssReading> => {
      const reading = {
        agent: rssMiB(child.pid),
        plugin: rssMiB(plugin.pid),
        others: pids.filter((p) => p !== plugin).reduce((sum, p) => sum + rssMiB(p.pid), 0),
      };
      const heap = await child.heap();
      const mib = (bytes: number) => bytes / 2 ** 20;
      return {
        ...reading,
        heap: { used: mib(heap.heapUsed), total: mib(heap.heapTotal), young: mib(heap.newSpace) },
      };
    };
    const start = await read();
    const base = await child.represented();
    const until = async (n: number) => {
      const end = Date.now() + 300_000;
      while ((await child.represented()) < n) {
        if (Date.now() > end) throw new Error(`the child agent did not represent ${n} events in 5 minutes`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await change.create();
    await until(base + objects);
    await change.remove();
    await until(base + 2 * objects);
    return { start, after: await read(), plugins: pids.map((p) => p.name) };
  } finally {
    await child.stop();
  }
}

const heapCell = (r: RssReading) =>
  `${r.heap.used.toFixed(1)} / ${r.heap.total.toFixed(1)} MiB (${r.heap.young.toFixed(1)} MiB)`;

/** Table rows of one child agent's RSS: agent, plugin, and their sum against Botkube's 92.9 MiB. */
function rssRows(when: string, rss: { start: RssReading; after: RssReading }): TableRow[] {
  const cells = (f: (r: RssReading) => number) =>
    [`${f(rss.start).toFixed(1)} MiB`, '-', `${f(rss.after).toFixed(1)} MiB`] as const;
  const sum = (r: RssReading) => r.agent + r.plugin;
  return [
    infoRow(`agent RSS, own process, ${when} (after start / after 2,000 events)`, ...cells((r) => r.agent)),
    infoRow(`kubernetes plugin RSS, 3 groups × 10 types, ${when}`, ...cells((r) => r.plugin)),
    {
      ...infoRow(`agent + kubernetes plugin RSS, ${when}`, ...cells(sum)),
      baseline: '92.9 MiB (Botkube pod, 12 sources, PR #1425)',
      ratio: ratio(sum(rss.start) / 92.9),
    },
  ];
}

/** Time from the start of `change` until a `kubectl get --watch` of the namespace printed `count` lines. */
async function watchBaseline(
  cluster: KubeCluster,
  kubeconfig: string,
  namespace: string,
  count: number,
  change: () => Promise<void>,
): Promise<{ seconds: number; applySeconds: number }> {
  const watcher: ChildProcess = spawn(
    cluster.kubectlPath,
    ['--kubeconfig', kubeconfig, 'get', 'configmaps', '-n', namespace, '--watch-only', '-o', 'name'],
    { env: cluster.toolEnv, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let lines = 0;
  watcher.stdout?.on('data', (d: Buffer) => {
    lines += d.toString().split('\n').length - 1;
  });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the watch is open before the change starts
    const t0 = performance.now();
    await change();
    const applySeconds = (performance.now() - t0) / 1000;
    await waitUntil(() => lines >= count, 300_000, `${count} watch lines`);
    return { seconds: (performance.now() - t0) / 1000, applySeconds };
  } finally {
    watcher.kill('SIGKILL');
  }
}

export async function kubeBench(ctx: BenchContext): Promise<BenchResult> {
  const built = peers(ctx.repoRoot);
  if ('error' in built) {
    const table: Table = {
      title: 'Kubernetes (real API server)',
      centralHeader: 'value',
      spreadHeader: '-',
      rows: [{ ...infoRow('not measured', '-', '-', '-'), result: 'SKIP' }],
      notes: [built.error],
    };
    return { tables: [table], data: { skipped: built.error } };
  }
  const cluster = await startKubeCluster({ peers: built });
  let agent: Agent | undefined;
  try {
    const admin = await cluster.kubeconfigFor(cluster.adminToken);
    const setup = await cluster.kubectl(['apply', '-f', '-'], {
      input: [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: bench-base}',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: bench-rss}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: sb-impersonator}\nrules:\n- {apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [botkube-internal-static-user]}\n- {apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [bench-readers]}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: sb-impersonator}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sb-impersonator}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: switchboard-agent}]',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: bench-read-all}\nrules: [{apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch]}]',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: bench-readers}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bench-read-all}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: bench-readers}]',
      ].join('\n---\n'),
    });
    if (setup.code !== 0) throw new Error(`cluster set-up failed: ${setup.stderr}`);
    const repo = await publishKubePlugins({ kubectl: cluster.kubectlPath }, ['source/kubernetes']);
    const dir = await mkdtemp(join(tmpdir(), 'sb-bench-kube-'));
    const cacheDir = join(dir, 'cache');
    const rbac = 'context: {rbac: {group: {type: Static, static: {values: [bench-readers]}}}}';
    const resources = watchedTypes.map((t) => `{type: ${t}}`).join(', ');
    const groups = ['k8s-a', 'k8s-b', 'k8s-c'];
    const yaml = `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [${groups.join(', ')}]}}
executors:
  tools:
    kube/kubectl: {enabled: true, ${rbac}}
sources:
${groups
  .map(
    (g) =>
      `  ${g}:\n    kube/kubernetes:\n      enabled: true\n      ${rbac}\n      config: {namespaces: {include: [".*"]}, event: {types: [create, delete, error]}, resources: [${resources}]}`,
  )
  .join('\n')}
settings:
  clusterName: bench
  kubeconfig: ${await cluster.kubeconfigFor(cluster.agentToken)}
plugins:
  cacheDir: ${cacheDir}
  repositories:
    kube: {url: "file://${repo}/index.yaml"}
`;
    // 1. Events/s: the same 1,000 creates (then deletes), seen by kubectl's watch and by the agent.
    const create = (ns: string) => async () => {
      const r = await cluster.kubectl(['create', '-f', '-'], { input: configMaps(ns, objects) });
      if (r.code !== 0) throw new Error(`create failed: ${r.stderr.slice(0, 500)}`);
    };
    const remove = (ns: string) => async () => {
      const r = await cluster.kubectl(['-n', ns, 'delete', 'configmaps', '-l', 'bench=1', '--wait=false']);
      if (r.code !== 0) throw new Error(`delete failed: ${r.stderr.slice(0, 500)}`);
    };

    // 2. RSS first, while no other agent watches the cluster: the agent alone in a child process.
    const configFile = join(dir, 'agent.yaml');
    await writeFile(configFile, yaml);
    // Twice: the first start installs the plugins into the empty cache (a pod with an emptyDir
    // cache does this on every start), the second finds them installed.
    const rssChange = { create: create('bench-rss'), remove: remove('bench-rss') };
    const rss = {
      cold: await childRss(ctx, cluster, configFile, 'bench-rss', rssChange, 'cold'),
      warm: await childRss(ctx, cluster, configFile, 'bench-rss', rssChange, 'warm'),
    };

    // Then an in-process agent, whose bot the benchmark reads directly and types commands into.
    const bot = new CommandBenchBot('default/console');
    agent = await startAgent(yaml, dir, bot);
    await untilStreamsOpen(cluster, 'bench', async () => bot.represented > 0);
    const baseCreate = await watchBaseline(cluster, admin, 'bench-base', objects, create('bench-base'));
    const baseDelete = await watchBaseline(cluster, admin, 'bench-base', objects, remove('bench-base'));
    const through = async (change: () => Promise<void>) => {
      const before = bot.represented;
      const t0 = performance.now();
      await change();
      const applied = performance.now();
      await bot.waitFor(before + objects, 300_000);
      const end = performance.now();
      return { seconds: (end - t0) / 1000, applySeconds: (applied - t0) / 1000, lagMs: end - applied };
    };
    const agentCreate = await through(create('bench'));
    const agentDelete = await through(remove('bench'));

    // 3. kubectl get pods: through the agent against kubectl alone, one at a time.
    const calls = ctx.quick ? 8 : 25;
    const direct: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      const t0 = performance.now();
      await execFileP(cluster.kubectlPath, ['--kubeconfig', admin, 'get', 'pods', '-n', 'bench'], {
        env: cluster.toolEnv,
      });
      direct.push(performance.now() - t0);
    }
    const viaAgent: number[] = [];
    for (let i = 0; i < calls; i += 1) {
      const before = bot.received.length;
      const t0 = performance.now();
      bot.say('kubectl get pods -n bench');
      await waitUntil(() => bot.received.length > before, 60_000, 'the kubectl answer');
      viaAgent.push((bot.received[before]?.perf ?? performance.now()) - t0);
    }
    const answer = JSON.stringify(bot.received.at(-1)?.message ?? {});
    if (!answer.includes('No resources found')) throw new Error(`unexpected kubectl answer: ${answer}`);
    const d = summarize(direct);
    const a = summarize(viaAgent);

    const rate = (s: number) => objects / s;
    const table: Table = {
      title: `Kubernetes source and kubectl through the agent (real etcd + kube-apiserver; ${objects} ConfigMaps)`,
      centralHeader: 'value / p50',
      spreadHeader: 'p90',
      rows: [
        {
          ...infoRow(
            `events/s, ${objects} creates, source → agent → destination`,
            perSecond(rate(agentCreate.seconds)),
            '-',
            '-',
          ),
          baseline: `${perSecond(rate(baseCreate.seconds))} (kubectl --watch)`,
          ratio: ratio(rate(agentCreate.seconds) / rate(baseCreate.seconds)),
        },
        {
          ...infoRow(
            `events/s, ${objects} deletes, source → agent → destination`,
            perSecond(rate(agentDelete.seconds)),
            '-',
            '-',
          ),
          baseline: `${perSecond(rate(baseDelete.seconds))} (kubectl --watch)`,
          ratio: ratio(rate(agentDelete.seconds) / rate(baseDelete.seconds)),
        },
        infoRow('last create event after the create command returned', ms(agentCreate.lagMs), '-', '-'),
        infoRow('last delete event after the delete command returned', ms(agentDelete.lagMs), '-', '-'),
        ...rssRows('first start, plugins installed', rss.cold),
        ...rssRows('restart, plugins cached', rss.warm),
        {
          ...infoRow(`kubectl get pods through the agent (${calls} calls)`, ms(a.p50), ms(a.p90), ms(a.max)),
          baseline: `${ms(d.p50)} (kubectl alone)`,
          ratio: ratio(a.p50 / d.p50),
        },
      ],
      notes: [
        `The create command itself took ${agentCreate.applySeconds.toFixed(1)} s (agent run) and ${baseCreate.applySeconds.toFixed(1)} s (baseline run): the API server's intake bounds both rates.`,
        'Events are counted at the destination (digests count each event they stand for); the 3 groups all match each ConfigMap, which is sent once.',
        `RSS rows: VmRSS from /proc of an agent run alone in a child process (bench/agent-child.ts, same config) and of its kubernetes plugin, after the streams opened and after ${objects} creates and ${objects} deletes in another namespace; started twice with the plugin cache empty and then filled; other plugin processes then running (${rss.warm.plugins.filter((n) => !n.includes('kubernetes')).join(', ') || 'none'}): ${rss.warm.start.others.toFixed(1)} / ${rss.warm.after.others.toFixed(1)} MiB at the restart, not in the sum. The agent's V8 heap at the restart, used / total (young generation): ${heapCell(rss.warm.start)} after start, ${heapCell(rss.warm.after)} after the events. Botkube's 92.9 MiB (PR #1425, v1.10) is its pod's memory shortly after start-up with 12 Kubernetes source configs, the agent and its plugin processes together, on its authors' cluster: a comparison, not a same-run baseline.`,
        'The agent path of kubectl: chat command → plugin call → kubectl with a per-call kubeconfig → impersonating proxy → API server; the baseline runs the same kubectl binary with the admin kubeconfig directly.',
      ],
    };
    return {
      tables: [table],
      data: {
        objects,
        baseline: { create: baseCreate, delete: baseDelete },
        agent: { create: agentCreate, delete: agentDelete },
        rss,
        kubectl: { direct: d, viaAgent: a },
      },
    };
  } finally {
    await agent?.stop();
    await cluster.stop();
  }
}
