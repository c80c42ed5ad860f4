import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './build-fixtures.js';

/*
 * The container image built by scripts/image/build.sh (or reused by its input hash) and a
 * writable copy of its root filesystem, for tests that run it with the real buildah and unshare.
 */

export const buildahArgs = ['--storage-driver', 'vfs'];

export interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  Healthcheck?: unknown;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs `file` with `input` on its stdin. */
export function runWithInput(
  file: string,
  args: readonly string[],
  input: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Runs `file` and returns its stdout; throws with its output when it exits non-zero. */
export async function must(file: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await run(file, args, { timeoutMs });
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

export async function which(program: string): Promise<string | undefined> {
  const result = await run('sh', ['-c', `command -v ${program}`]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export interface BuiltImage {
  image: string;
  config: ImageConfig;
  /** The whole `buildah inspect` document's Docker config, for what OCI leaves out (Healthcheck). */
  dockerConfig?: ImageConfig;
}

/**
 * Builds the image, or reuses the one of the same inputs (seconds; a build is about a minute),
 * and reads its config. Needs root and buildah: says so instead of failing later.
 */
export async function buildImage(): Promise<BuiltImage> {
  if (!(await which('buildah'))) {
    throw new Error('buildah is missing: run bash .ci/install-deps.sh (Debian packages buildah, binutils)');
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the container image tests run as root (buildah vfs storage, unshare, chroot)');
  }
  const out = await must('bash', [join(repoRoot, 'scripts/image/build.sh')], 600_000);
  const image = /^image: (\S+)$/m.exec(out)?.[1] ?? '';
  if (!/^localhost\/switchboard:inputs-[0-9a-f]{16}$/.test(image)) {
    throw new Error(
      `scripts/image/build.sh printed no "image: localhost/switchboard:inputs-<hash>":\n${out}`,
    );
  }
  const inspected = JSON.parse(
    await must('buildah', [...buildahArgs, 'inspect', '--type', 'image', image]),
  ) as {
    OCIv1: { config: ImageConfig };
    Docker?: { config?: ImageConfig };
  };
  return { image, config: inspected.OCIv1.config, dockerConfig: inspected.Docker?.config };
}

export interface MountedImage {
  container: string;
  rootfs: string;
  remove(): Promise<void>;
}

/**
 * A working container of `image` named `<prefix><pid>`, mounted; containers of the same prefix
 * an interrupted run left behind are removed first (vfs copies the whole image per container).
 */
export async function mountImage(image: string, prefix: string): Promise<MountedImage> {
  const names = await must('buildah', [...buildahArgs, 'containers', '--format', '{{.ContainerName}}']);
  for (const name of names.split('\n').filter((n) => n.startsWith(prefix))) {
    await run('buildah', [...buildahArgs, 'rm', name]);
  }
  const container = (
    await must('buildah', [
      ...buildahArgs,
      'from',
      '--pull-never',
      '--name',
      `${prefix}${process.pid}`,
      image,
    ])
  ).trim();
  const rootfs = (await must('buildah', [...buildahArgs, 'mount', container])).trim();
  return {
    container,
    rootfs,
    async remove() {
      await run('buildah', [...buildahArgs, 'umount', container]);
      await run('buildah', [...buildahArgs, 'rm', container]);
    },
  };
}

/** The image's environment alone (Env of its config), nothing of this process's. */
export function imageEnv(config: ImageConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of config.Env ?? []) {
    const at = kv.indexOf('=');
    env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return env;
}
