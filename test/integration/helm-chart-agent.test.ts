import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, publishBuiltins } from '../support/agent-harness.js';
import { runCli, type SpawnedCli, spawnCli } from '../support/cli.js';
import { chartDir, type Manifest } from '../support/helm-chart.js';
import { type KubeCluster, startKubeCluster } from '../support/kube-cluster.js';

// The agent run the way the chart's pod runs it, without a kubelet: the chart is installed into a
// real API server, and the agent is started with the Deployment's own args and env, on the
// ConfigMap and Secret the API server holds (written where the pod mounts them, mapped to a temp
// directory), with a service-account token from the TokenRequest API at the chart's
// serviceAccountMountPath and KUBERNETES_SERVICE_HOST/PORT as a pod has them. So the default
// source group, the plugin group RBAC and the agent's impersonation rights are the chart's, and a
// ConfigMap created in the cluster must reach the webhook sink. The plugins come the air-gapped
// way: a `plugin pull` bundle copied by the init container's own command, no other repository.

const execFileAsync = promisify(execFile);
const ns = 'sb';
let cluster: KubeCluster;
let agent: SpawnedCli | undefined;
let hook: Server;
const received: string[] = [];

beforeAll(async () => {
  cluster = await startKubeCluster();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push(body);
      res.writeHead(200).end();
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
});

afterAll(async () => {
  if (agent && agent.child.exitCode === null) {
    agent.child.kill('SIGKILL');
    await once(agent.child, 'exit');
  }
  hook?.close();
  await cluster?.stop();
});

async function kubectlJson(args: string[]): Promise<Manifest> {
  const result = await cluster.kubectl([...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Polls `check` every `intervalMs` until it is true; the error says what, with `detail()` (agent stderr). */
async function poll(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline || agent?.child.exitCode != null) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; agent stderr:\n${agent?.stderr().slice(-4000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

describe('the agent as the chart runs it', { timeout: 240_000 }, () => {
  it('starts from the installed objects and an offline bundle, and posts a cluster event through the chart’s RBAC', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-chart-pod-'));
    const repo = await publishBuiltins();
    const [health, metrics, webhooks] = [await freePort(), await freePort(), await freePort()];
    const hookPort = (hook.address() as { port: number }).port;
    const saDir = join(dir, 'serviceaccount');
    const values = join(dir, 'values.yaml');
    await writeFile(
      values,
      [
        'rbac:',
        `  serviceAccountMountPath: ${saDir}`,
        'communications:',
        '  default-group:',
        '    webhook:',
        '      enabled: true',
        `      url: http://127.0.0.1:${hookPort}/events`,
        '      bindings: {sources: [k8s-all-events]}',
        'settings:',
        `  healthPort: ${health}`,
        `  metricsPort: ${metrics}`,
        'plugins:',
        '  repositories:',
        `    botkube: {url: "file://${repo}/index.yaml"}`,
        `    botkubeExtra: {url: "file://${repo}/index.yaml"}`,
        `  incomingWebhook: {port: ${webhooks}}`,
        // Air-gapped: the plugins come from an offline bundle the init container copies.
        'pluginCache:',
        '  bundle: {enabled: true, image: registry.local/plugins:1}',
        '',
      ].join('\n'),
    );
    const install = await cluster.helm([
      'install',
      'pod',
      chartDir,
      '--namespace',
      ns,
      '--create-namespace',
      '-f',
      values,
    ]);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);

    // What the kubelet would mount, from the API server's copies.
    const deployment = await kubectlJson(['get', 'deployment', 'pod-switchboard', '-n', ns]);
    const configMap = await kubectlJson(['get', 'configmap', 'pod-switchboard-config', '-n', ns]);
    const secret = await kubectlJson(['get', 'secret', 'pod-switchboard-communications', '-n', ns]);
    const [container] = deployment.spec.template.spec.containers;
    const [init] = deployment.spec.template.spec.initContainers;
    const mounts = new Map<string, string>([['/bundle', join(dir, 'bundle-image')]]);
    for (const mount of container.volumeMounts as { name: string; mountPath: string }[]) {
      const local = mount.name === 'serviceaccount' ? mount.mountPath : join(dir, mount.name);
      mounts.set(mount.mountPath, local);
      await mkdir(local, { recursive: true });
    }
    // One pass, longest mount first, whole paths only: the temp directory is itself under /tmp, a
    // mount point too.
    const podPaths = [...mounts.keys()].sort((a, b) => b.length - a.length);
    const pattern = new RegExp(
      `(?<=^|[\\s=]|file://)(${podPaths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=/|$|\\s)`,
      'gm',
    );
    const local = (text: string) => text.replace(pattern, (podPath) => mounts.get(podPath) ?? podPath);
    await writeFile(join(dir, 'config', 'config.yaml'), local(configMap.data['config.yaml']));
    await writeFile(
      join(dir, 'communications', 'comm_config.yaml'),
      Buffer.from(secret.data['comm_config.yaml'], 'base64').toString(),
    );
    const token = await cluster.kubectl(['create', 'token', 'pod-switchboard', '-n', ns]);
    expect(token.code).toBe(0);
    await writeFile(join(saDir, 'token'), token.stdout.trim());
    await writeFile(join(saDir, 'ca.crt'), cluster.caPem);

    // The bundle image's content: `plugin pull` of the plugins the config uses; then the init
    // container's own command copies it into the shared volume.
    const pull = await runCli([
      'plugin',
      'pull',
      '--repo',
      `botkube=${repo}/index.yaml`,
      '--plugin',
      'botkube/kubernetes',
      '--output',
      join(dir, 'bundle-image'),
    ]);
    expect(pull.code, pull.stderr).toBe(0);
    const [command, ...args] = (init.command as string[]).map(local);
    await execFileAsync(command as string, args);
    expect(local(configMap.data['config.yaml'])).toContain(
      `file://${join(dir, 'plugin-bundle')}/botkube/index.yaml`,
    );

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: new URL(cluster.url).port,
    };
    // The downward API's pod name and namespace, as the kubelet fills them in.
    const fields: Record<string, string> = { 'metadata.name': 'sb-switchboard-0', 'metadata.namespace': ns };
    for (const { name, value, valueFrom } of container.env as {
      name: string;
      value?: string;
      valueFrom?: { fieldRef?: { fieldPath: string } };
    }[]) {
      const field = valueFrom?.fieldRef?.fieldPath;
      if (value !== undefined) env[name] = local(value);
      else if (field !== undefined && field in fields) env[name] = fields[field];
      else throw new Error(`env ${name}: only plain values and metadata fieldRefs are set here`);
    }
    agent = spawnCli(container.args.map(local), { env });

    await poll(async () => (await status(`http://127.0.0.1:${health}/healthz`)) === 200, 60_000, '/healthz');
    await poll(async () => (await status(`http://127.0.0.1:${health}/readyz`)) === 200, 90_000, '/readyz');
    expect(await status(`http://127.0.0.1:${metrics}/metrics`)).toBe(200);

    // The source ignores what happened before its stream opened: create until one arrives.
    await cluster.kubectl(['create', 'namespace', 'apps']);
    let created = 0;
    await poll(
      async () => {
        if (received.some((body) => body.includes('chart-probe-'))) return true;
        await cluster.kubectl(['create', 'configmap', `chart-probe-${created++}`, '-n', 'apps']);
        return false;
      },
      120_000,
      'a ConfigMap event at the webhook sink',
      2000,
    );
    const statusDoc = (await (await fetch(`http://127.0.0.1:${health}/status`)).json()) as {
      sources: { group: string; state: string }[];
    };
    expect(statusDoc.sources).toContainEqual(expect.objectContaining({ group: 'k8s-all-events' }));

    agent.child.kill('SIGTERM');
    const [code] = await once(agent.child, 'exit');
    expect(code).toBe(0);
  });
});
