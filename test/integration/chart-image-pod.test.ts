import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import { runCli } from '../support/cli.js';
import {
  type BuiltImage,
  buildImage,
  imageEnv,
  type MountedImage,
  mountImage,
  must,
  run,
  runWithInput,
} from '../support/container-image.js';
import { chartDir, find, type Manifest, parseManifests, runHelm } from '../support/helm-chart.js';
import {
  containerRun,
  materialiseVolumes,
  probe,
  probePort,
  runToCompletion,
  start,
} from '../support/kubelet-pod.js';

/*
 * The chart's pod run from the real image, as a kubelet would (there is none in the test
 * cluster): `helm template` with values a user writes for an offline start, then the rendered
 * Deployment's init container and agent container from the image's root filesystem with their
 * args, env, securityContext and volumes. The chart and the image are built separately; this is
 * where they meet.
 */

const prefix = 'switchboard-chart-pod-test-';
// What the kubelet puts in every container: the API server's Service (unreachable here, as the
// pod has loopback only; nothing in these values needs the cluster).
const kubeletEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
let built: BuiltImage;
let mounted: MountedImage | undefined;
let helmHome = '';
let clusterCa = '';

beforeAll(async () => {
  built = await buildImage();
  mounted = await mountImage(built.image, prefix);
  helmHome = await mkdtemp(join(tmpdir(), 'sb-chart-pod-helm-'));
  // The cluster's CA as kube-root-ca.crt carries it (a fresh self-signed one: the API server is
  // not reachable from the pod's loopback-only network anyway).
  const key = join(helmHome, 'ca.key');
  const crt = join(helmHome, 'ca.crt');
  await must('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '1',
    '-subj',
    '/CN=kubernetes',
  ]);
  clusterCa = await readFile(crt, 'utf8');
}, 660_000);

afterAll(async () => {
  await mounted?.remove();
}, 60_000);

/** Values a user writes to start offline: the image's own repository, the echo plugin, the console. */
const offlineValues = (bundle: boolean, extra: string[] = []) =>
  [
    'communications:',
    '  default-group:',
    '    console:',
    '      enabled: true',
    '      channels:',
    '        default:',
    '          name: general',
    '          bindings: {executors: [echo-tools]}',
    'executors:',
    '  echo-tools:',
    '    switchboard/echo: {enabled: true}',
    'plugins:',
    '  repositories:',
    '    switchboard: {url: "file:///app/index.yaml"}',
    ...(bundle ? ['pluginCache:', '  bundle: {enabled: true, repositories: [switchboard]}'] : []),
    ...extra,
    '',
  ].join('\n');

async function render(values: string): Promise<Manifest[]> {
  const file = join(await mkdtemp(join(tmpdir(), 'sb-chart-pod-values-')), 'values.yaml');
  await writeFile(file, values);
  const result = await runHelm(['template', 'pod', chartDir, '--namespace', 'sb', '-f', file], helmHome);
  if (result.code !== 0) throw new Error(`helm template exited ${result.code}:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/**
 * Runs the Deployment's agent container until it is ready, answers `echo` through the console
 * (`switchboard chat` from the image, in the pod), then stops it with SIGTERM.
 */
async function runPod(manifests: Manifest[], bundleDir?: string): Promise<void> {
  if (!mounted) throw new Error('image not mounted');
  const deployment = find(manifests, 'Deployment');
  const podSpec = deployment.spec.template.spec;
  const [container] = podSpec.containers;
  const volumes = await materialiseVolumes(manifests, podSpec, {
    serviceAccountToken: 'not-a-real-token',
    configMaps: { 'kube-root-ca.crt': { 'ca.crt': clusterCa } },
  });
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  expect(podSpec.securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532 });

  if (bundleDir) {
    const [init] = podSpec.initContainers;
    // The bundle image is the agent image plus the `plugin pull` output at pluginCache.bundle.path.
    const copied = await runToCompletion(
      containerRun({
        rootfs: mounted.rootfs,
        image: built.config,
        podSpec,
        container: init,
        volumes,
        binds: [{ hostPath: bundleDir, mountPath: '/bundle', readOnly: true }],
      }),
    );
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(await readdir(volumes.dirs.get('plugin-bundle') as string)).toEqual(['switchboard']);
  }

  const pod = start(
    containerRun({ rootfs: mounted.rootfs, image: built.config, podSpec, container, volumes, kubeletEnv }),
  );
  const pid = pod.child.pid as number;
  try {
    const startup = container.startupProbe;
    const budgetMs = startup.periodSeconds * startup.failureThreshold * 1000;
    const health = probePort(container, startup.httpGet.port);
    const ready = probePort(container, container.readinessProbe.httpGet.port);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    const began = Date.now();
    let states = [0, 0];
    // Far less than the budget on an idle machine; the cap keeps a broken start from hanging.
    const deadline = began + Math.min(budgetMs, 120_000);
    while (Date.now() < deadline) {
      if (pod.child.exitCode !== null)
        throw new Error(`the agent exited ${pod.child.exitCode}:\n${pod.output()}`);
      states = [
        await probe(pid, health, startup.httpGet.path),
        await probe(pid, ready, container.readinessProbe.httpGet.path),
      ];
      if (states[0] === 200 && states[1] === 200) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(states, pod.output()).toEqual([200, 200]);
    expect(Date.now() - began).toBeLessThan(budgetMs);

    // `switchboard chat` from the image, in the pod's namespaces, as 65532: a command typed into
    // the console, answered by the echo plugin installed from the image's own repository.
    const chat = await runWithInput(
      'nsenter',
      [
        ...['-t', String(pid), '-m', '-n', '-r', '-w', '-S', '65532', '-G', '65532'],
        ...(built.config.Entrypoint ?? []),
        ...['chat', '--history', '0', '--url', 'http://127.0.0.1:2116/'],
      ],
      'echo hello-from-the-pod\n',
      { ...imageEnv(built.config), HOME: '/tmp' },
    );
    expect(chat.stdout, chat.stderr + pod.output()).toMatch(/Switchboard:\s*\n\s*hello-from-the-pod/);
    expect(chat.code).toBe(0);

    // allowPrivilegeEscalation: false and capabilities.drop [ALL], as the kernel sees them.
    const proc = await readFile(`/proc/${pid}/status`, 'utf8');
    expect(proc).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(proc).toMatch(/^CapEff:\s+0+$/m);
    expect(proc).toMatch(/^Uid:\s+65532\s/m);

    // The root file system is read-only: what the agent wrote is on its volumes.
    const written = await run('nsenter', [
      '-t',
      String(pid),
      '-m',
      '-r',
      '-S',
      '65532',
      '/usr/local/bin/node',
      '-e',
      "require('node:fs').writeFileSync('/app/x','')",
    ]);
    expect(written.stderr).toMatch(/EROFS/);
    expect((await readdir(volumes.dirs.get('plugin-cache') as string)).length).toBeGreaterThan(0);

    const grace = (podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
    const stopping = Date.now();
    const exited = once(pod.child, 'exit');
    pod.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, pod.output()).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(grace);
  } finally {
    if (pod.child.exitCode === null) pod.child.kill('SIGKILL');
  }
}

describe('the chart’s pod run from the image', { timeout: 180_000 }, () => {
  it('starts offline on the image’s own plugin repository and answers echo through the console', async () => {
    await runPod(await render(offlineValues(false)));
  });

  it('the bundle init container copies a `plugin pull` bundle, and the agent starts on it', async () => {
    const manifests = await render(offlineValues(true));
    const bundle = await mkdtemp(join(tmpdir(), 'sb-chart-pod-bundle-'));
    const pull = await runCli([
      'plugin',
      'pull',
      '--repo',
      `switchboard=${join(repoRoot, 'index.yaml')}`,
      '--plugin',
      'switchboard/echo',
      '--platforms',
      'linux/amd64',
      '--output',
      bundle,
    ]);
    expect(pull.code, pull.stderr).toBe(0);
    await run('chmod', ['-R', 'a+rX', bundle]);
    await runPod(manifests, bundle);
  });

  it('fails the probes, as a kubelet would, when the health listener is on loopback only', async () => {
    if (!mounted) throw new Error('image not mounted');
    // The harness must see what a cluster sees: the kubelet probes the pod IP, not 127.0.0.1.
    const manifests = await render(offlineValues(false, ['settings:', '  healthAddress: 127.0.0.1']));
    const podSpec = find(manifests, 'Deployment').spec.template.spec;
    const [container] = podSpec.containers;
    const volumes = await materialiseVolumes(manifests, podSpec, {
      serviceAccountToken: 'not-a-real-token',
      configMaps: { 'kube-root-ca.crt': { 'ca.crt': clusterCa } },
    });
    const pod = start(
      containerRun({ rootfs: mounted.rootfs, image: built.config, podSpec, container, volumes, kubeletEnv }),
    );
    try {
      const deadline = Date.now() + 60_000;
      while (!pod.output().includes('"agent ready"') && Date.now() < deadline) {
        if (pod.child.exitCode !== null)
          throw new Error(`the agent exited ${pod.child.exitCode}:\n${pod.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(pod.output()).toContain('health server listening at http://127.0.0.1:2114');
      const port = probePort(container, container.startupProbe.httpGet.port);
      expect(await probe(pod.child.pid as number, port, '/healthz')).toBe(0);
    } finally {
      const exited = once(pod.child, 'exit');
      pod.child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('the kubelet emulation refuses what it cannot do faithfully', () => {
  const cm: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'pod-config' },
    data: { a: '1' },
  };
  const volumesOf = (volume: object) => materialiseVolumes([cm], { volumes: [volume] });

  it('names a volume kind it does not materialise, a missing key and a missing token', async () => {
    await expect(volumesOf({ name: 'host', hostPath: { path: '/' } })).rejects.toThrow(
      'volume host: name, hostPath is not one this test can materialise (emptyDir, configMap, secret, projected)',
    );
    await expect(
      volumesOf({ name: 'config', configMap: { name: 'pod-config', items: [{ key: 'b', path: 'b' }] } }),
    ).rejects.toThrow('ConfigMap pod-config has no key b; it has a');
    await expect(
      volumesOf({ name: 'sa', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }),
    ).rejects.toThrow('volume sa projects a service-account token; none was given');
  });

  it('names a probe port the container does not have, an unknown mount and an env it cannot set', () => {
    const container = { name: 'c', ports: [{ name: 'health', containerPort: 2114 }], volumeMounts: [] };
    expect(probePort(container, 'health')).toBe(2114);
    expect(() => probePort(container, 'metrics')).toThrow(
      'probe port metrics is not a named port of container c',
    );
    const base = { rootfs: '/', image: {}, podSpec: {}, volumes: { dirs: new Map<string, string>() } };
    expect(() =>
      containerRun({ ...base, container: { volumeMounts: [{ name: 'gone', mountPath: '/x' }] } }),
    ).toThrow('volumeMount gone names no volume of the pod');
    expect(() =>
      containerRun({
        ...base,
        container: {
          volumeMounts: [],
          env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        },
      }),
    ).toThrow('env TOKEN: only plain values are materialised');
  });
});
