import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { publishBuiltins } from './agent-harness.js';

const execFileP = promisify(execFile);

interface IndexEntry {
  name: string;
  type: string;
  urls: { url: string; dependencies?: Record<string, unknown> }[];
}

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/**
 * A repository (directory with `index.yaml`) holding the built-in `kubectl` and `helm`
 * executors with their dependencies served from this machine instead of dl.k8s.io and
 * get.helm.sh, in the same shapes and with real sha256 checksums: kubectl as a raw binary,
 * helm as a tarball with the binary under `linux-<arch>/` (fetched with the `//linux-<arch>`
 * subdirectory). The agent installs them exactly as it installs the published ones.
 */
export async function publishKubePlugins(
  binaries: { kubectl?: string; helm?: string },
  /** Other built-in plugins to include, as `<type>/<name>` (e.g. `source/kubernetes`). */
  also: string[] = [],
): Promise<string> {
  const published = await publishBuiltins();
  const dir = await mkdtemp(join(tmpdir(), 'sb-kube-plugins-'));
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const dependencies: Record<string, { url: string; checksum: string }> = {};
  if (binaries.kubectl) {
    const file = join(dir, 'kubectl');
    await copyFile(binaries.kubectl, file);
    const sum = await sha256(file);
    dependencies.kubectl = { url: `file://${file}?checksum=sha256:${sum}`, checksum: sum };
  }
  if (binaries.helm) {
    await mkdir(join(dir, `linux-${arch}`));
    await copyFile(binaries.helm, join(dir, `linux-${arch}`, 'helm'));
    const tarball = join(dir, 'helm.tar.gz');
    await execFileP('tar', ['-czf', tarball, '-C', dir, `linux-${arch}`]);
    const sum = await sha256(tarball);
    dependencies.helm = { url: `file://${tarball}//linux-${arch}?checksum=sha256:${sum}`, checksum: sum };
  }
  const index = parse(await readFile(join(published, 'index.yaml'), 'utf8')) as { entries: IndexEntry[] };
  const withDependency = (e: IndexEntry) => e.type === 'executor' && dependencies[e.name] !== undefined;
  const entries = index.entries.filter((e) => withDependency(e) || also.includes(`${e.type}/${e.name}`));
  for (const entry of entries) {
    for (const url of entry.urls) {
      url.url = `file://${join(published, url.url.replace(/^\.\//, ''))}`;
      if (withDependency(entry)) url.dependencies = { [entry.name]: dependencies[entry.name] };
      else delete url.dependencies;
    }
  }
  await writeFile(join(dir, 'index.yaml'), stringify({ ...index, entries }));
  return dir;
}
