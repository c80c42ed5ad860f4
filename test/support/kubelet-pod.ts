import { type ChildProcess, spawn } from 'node:child_process';
import { chown, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ImageConfig, imageEnv, type RunResult, run } from './container-image.js';
import { find, type Manifest } from './helm-chart.js';

/*
 * What a kubelet does with a rendered pod spec, done with the real unshare on a mounted image root
 * (no kubelet in the test cluster): volumes materialised as directories (ConfigMap and Secret data
 * written as files, emptyDirs fresh and owned by fsGroup), each bound at its mountPath, read-only
 * where the spec says, the root read-only when readOnlyRootFilesystem is set, the container's env
 * over the image's, run as runAsUser/runAsGroup in a private network namespace (loopback only).
 */

// biome-ignore lint/suspicious/noExplicitAny: pod spec fields are read one by one
type Spec = any;

export interface PodVolumes {
  /** Host directory of each volume, by name. */
  dirs: Map<string, string>;
}

/** The address a kubelet probes (the pod IP), here on the pod's loopback interface. */
export const podIp = '10.244.0.5';

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** What the cluster, not the chart, provides: the pod's service-account token and its objects. */
export interface ClusterProvided {
  serviceAccountToken?: string;
  /** ConfigMaps the cluster creates itself (kube-root-ca.crt), by name: their data. */
  configMaps?: Record<string, Record<string, string>>;
}

/** Materialises the pod's volumes from the rendered objects and what the cluster provides. */
export async function materialiseVolumes(
  manifests: Manifest[],
  podSpec: Spec,
  cluster: ClusterProvided = {},
): Promise<PodVolumes> {
  const base = await mkdtemp(join(tmpdir(), 'sb-kubelet-'));
  // mkdtemp makes it 0700; the kubelet's pod directory is traversable by the pod's user.
  await run('chmod', ['755', base]);
  const fsGroup: number | undefined = podSpec.securityContext?.fsGroup;
  const dirs = new Map<string, string>();
  const configMapData = (name: string): Record<string, string> =>
    cluster.configMaps?.[name] ?? find(manifests, 'ConfigMap', name).data ?? {};
  for (const volume of podSpec.volumes as Spec[]) {
    const dir = join(base, volume.name);
    dirs.set(volume.name, dir);
    await mkdir(dir, { recursive: true });
    if (volume.emptyDir) {
      // fsGroup makes the volume the pod group's; the kubelet also sets the setgid bit.
      if (fsGroup !== undefined) await chown(dir, 0, fsGroup);
      await run('chmod', ['2775', dir]);
    } else if (volume.configMap) {
      const data = configMapData(volume.configMap.name);
      await writeItems(dir, data, volume.configMap.items, `ConfigMap ${volume.configMap.name}`);
    } else if (volume.secret) {
      await writeItems(
        dir,
        secretData(manifests, volume.secret.secretName),
        volume.secret.items,
        `Secret ${volume.secret.secretName}`,
      );
    } else if (volume.projected) {
      for (const source of volume.projected.sources as Spec[]) {
        if (source.serviceAccountToken) {
          if (cluster.serviceAccountToken === undefined) {
            throw new Error(`volume ${volume.name} projects a service-account token; none was given`);
          }
          await writeItems(
            dir,
            { token: cluster.serviceAccountToken },
            [{ key: 'token', path: source.serviceAccountToken.path }],
            'token',
          );
        } else if (source.configMap) {
          const data = configMapData(source.configMap.name);
          await writeItems(dir, data, source.configMap.items, `ConfigMap ${source.configMap.name}`);
        } else if (source.secret) {
          await writeItems(
            dir,
            secretData(manifests, source.secret.name),
            source.secret.items,
            `Secret ${source.secret.name}`,
          );
        } else {
          throw new Error(
            `volume ${volume.name}: projected source ${Object.keys(source).join(', ')} is not materialised`,
          );
        }
      }
    } else {
      throw new Error(
        `volume ${volume.name}: ${Object.keys(volume).join(', ')} is not one this test can materialise (emptyDir, configMap, secret, projected)`,
      );
    }
  }
  return { dirs };
}

function secretData(manifests: Manifest[], name: string): Record<string, string> {
  const secret = find(manifests, 'Secret', name);
  const data: Record<string, string> = { ...(secret.stringData ?? {}) };
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
    data[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return data;
}

async function writeItems(
  dir: string,
  data: Record<string, string>,
  items: { key: string; path: string }[] | undefined,
  what: string,
): Promise<void> {
  const list = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const { key, path } of list) {
    if (!(key in data)) throw new Error(`${what} has no key ${key}; it has ${Object.keys(data).join(', ')}`);
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data[key] as string, { mode: 0o644 });
  }
}

export interface ContainerRun {
  /** unshare's arguments and environment, for spawn or run. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * unshare running `container` (command or image entrypoint, then args) of `podSpec` on `rootfs`.
 * `binds` adds host directories the spec does not name (the bundle an image would carry).
 */
export function containerRun(options: {
  rootfs: string;
  image: ImageConfig;
  podSpec: Spec;
  container: Spec;
  volumes: PodVolumes;
  binds?: { hostPath: string; mountPath: string; readOnly?: boolean }[];
  /** What the kubelet adds to every container's environment (the API server's service). */
  kubeletEnv?: Record<string, string>;
  /** The pod's own name and namespace, for downward-API env (`fieldRef: metadata.name`). */
  pod?: { name: string; namespace: string };
}): ContainerRun {
  const { rootfs, image, podSpec, container, volumes } = options;
  const security = { ...(podSpec.securityContext ?? {}), ...(container.securityContext ?? {}) };
  const uid = String(security.runAsUser ?? 0);
  const gid = String(security.runAsGroup ?? security.runAsUser ?? 0);
  const mounts = [
    ...(container.volumeMounts as Spec[]).map((m) => {
      const hostPath = volumes.dirs.get(m.name);
      if (!hostPath) throw new Error(`volumeMount ${m.name} names no volume of the pod`);
      return { hostPath, mountPath: m.mountPath as string, readOnly: m.readOnly === true };
    }),
    ...(options.binds ?? []),
  ];
  // The runtime creates missing mount points in the image root before it is made read-only.
  // The pod IP on loopback (no veth here): the kubelet probes that address, not 127.0.0.1, so a
  // listener bound to loopback only fails the probe as it would in a cluster.
  const lines = [
    'set -e',
    'r="$1"; shift',
    'ip link set lo up',
    `ip addr add ${podIp}/32 dev lo`,
    'mount --bind "$r" "$r"',
  ];
  for (const m of mounts) lines.push(`mkdir -p "$r"${q(m.mountPath)}`);
  if (security.readOnlyRootFilesystem) lines.push('mount -o remount,bind,ro "$r"');
  lines.push('mount -t proc proc "$r/proc"', 'mount --rbind /dev "$r/dev"');
  for (const m of mounts) {
    lines.push(`mount --bind ${q(m.hostPath)} "$r"${q(m.mountPath)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro "$r"${q(m.mountPath)}`);
  }
  // allowPrivilegeEscalation: false is no_new_privs; capabilities.drop [ALL] empties the bounding
  // set, except what unshare itself needs to chroot and switch user (gone once it has).
  const privileges: string[] = [];
  if (security.allowPrivilegeEscalation === false) privileges.push('--no-new-privs');
  if ((security.capabilities?.drop ?? []).includes('ALL')) {
    privileges.push('--bounding-set', '-all,+sys_chroot,+setuid,+setgid');
  }
  const setpriv = privileges.length > 0 ? `setpriv ${privileges.join(' ')} ` : '';
  lines.push(
    `exec env -u WORKDIR -u IMAGE_PATH -u PWD PATH="$IMAGE_PATH" ${setpriv}unshare --root="$r" --wd="$WORKDIR" --setuid ${uid} --setgid ${gid} "$@"`,
  );
  const env = { ...imageEnv(image), ...(options.kubeletEnv ?? {}) };
  const pod = options.pod ?? { name: 'emulated-pod-0', namespace: 'default' };
  const fields: Record<string, string> = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace };
  for (const e of (container.env ?? []) as Spec[]) {
    const field = e.valueFrom?.fieldRef?.fieldPath as string | undefined;
    if (field !== undefined && field in fields) {
      env[e.name] = fields[field];
      continue;
    }
    if (e.value === undefined)
      throw new Error(
        `env ${e.name}: only plain values are materialised (and metadata.name/namespace fieldRefs), not ${JSON.stringify(e)}`,
      );
    env[e.name] = String(e.value);
  }
  const command: string[] = [
    ...(container.command ?? image.Entrypoint ?? []),
    ...(container.args ?? (container.command ? [] : (image.Cmd ?? []))),
  ];
  return {
    args: ['--mount', '--net', 'sh', '-c', lines.join('\n'), 'pod', rootfs, ...command],
    env: {
      ...env,
      WORKDIR: container.workingDir ?? image.WorkingDir ?? '/',
      IMAGE_PATH: env.PATH,
      PATH: process.env.PATH,
    },
  };
}

/** Runs a container to completion (an init container). */
export function runToCompletion(c: ContainerRun, timeoutMs = 60_000): Promise<RunResult> {
  return run('unshare', c.args, { env: c.env, timeoutMs });
}

/** Starts a long-running container; its PID is the process inside (every exec keeps it). */
export function start(c: ContainerRun): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn('unshare', c.args, { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return { child, output: () => output };
}

/** An HTTP GET of the pod IP from inside `pid`'s network namespace, as a kubelet probe: the status, 0 when unreachable. */
export async function probe(pid: number, port: number, path: string): Promise<number> {
  const fetcher =
    'fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.stdout.write(String(r.status)),()=>process.stdout.write("0"))';
  const result = await run('nsenter', [
    `--net=/proc/${pid}/ns/net`,
    process.execPath,
    '-e',
    fetcher,
    `http://${podIp}:${port}${path}`,
  ]);
  return Number(result.stdout) || 0;
}

/** The containerPort a probe's `port` (a name or a number) stands for. */
export function probePort(container: Spec, port: string | number): number {
  if (typeof port === 'number') return port;
  const found = (container.ports ?? []).find((p: Spec) => p.name === port);
  if (!found) throw new Error(`probe port ${port} is not a named port of container ${container.name}`);
  return found.containerPort;
}
