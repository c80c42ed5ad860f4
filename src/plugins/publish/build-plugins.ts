import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { writeFileAtomic } from '../repository/atomic-file.js';
import type { Platform, PluginType } from '../repository/index-format.js';
import { wrapEsmBundleAsCjs } from './cjs-wrap.js';
import { readPluginManifests } from './plugin-manifest.js';
import { gzipReproducible, writeTar } from './tar-writer.js';

/** Botkube's release platforms (GoReleaser: linux/darwin × amd64/arm64). */
export const defaultPlatforms: readonly Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];

/**
 * Bundles one plugin entry into the program that goes into its archive: esbuild
 * (one file, everything but Node built-ins inlined), then wrapped as CommonJS
 * (cjs-wrap.ts). `scratchFile` receives esbuild's intermediate output.
 */
export async function bundlePluginProgram(
  entry: string,
  rootDir: string,
  scratchFile: string,
  label: string,
): Promise<string> {
  try {
    // Loaded here, not at the top: importers that never bundle (the benchmark's agent child,
    // which takes the publish helpers along) would otherwise load esbuild's 100 kB entry.
    const { build } = await import('esbuild');
    await build({
      entryPoints: [entry],
      outfile: scratchFile,
      absWorkingDir: rootDir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      define: { 'import.meta.url': metaUrlName },
      legalComments: 'eof',
      logLevel: 'silent',
    });
    return wrapEsmBundleAsCjs(await readFile(scratchFile, 'utf8'), metaUrlName);
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `bundling ${label} (${entry}) failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** What `import.meta.url` becomes in a bundle (see cjs-wrap.ts). */
const metaUrlName = '__sbImportMetaUrl';

export interface BuildPluginsOptions {
  /** Directory of `<dir>/plugin.json` plugin directories. */
  pluginsDir: string;
  outputDir: string;
  platforms?: readonly Platform[];
  /**
   * esbuild's working directory; paths in the bundle's comments are relative to
   * it, so it must be the same on every machine. Default: the parent of pluginsDir.
   */
  rootDir?: string;
}

export interface BuiltArchive {
  type: PluginType;
  name: string;
  platform: Platform;
  /** `<outputDir>/<type>_<name>_<os>_<arch>.tar.gz` */
  path: string;
  sha256: string;
}

/**
 * Bundles every plugin entry into one file (esbuild ESM, then wrapped as a
 * CommonJS program, see cjs-wrap.ts) and packs it, per platform, as
 * `<type>_<name>_<os>_<arch>.tar.gz` holding one file `<type>_<name>` (mode
 * 0755). The output is reproducible: the same sources, lockfile and Node/zlib
 * give byte-identical archives, which is what the committed index's checksums
 * are checked against.
 */
export async function buildPlugins(options: BuildPluginsOptions): Promise<BuiltArchive[]> {
  const pluginsDir = resolve(options.pluginsDir);
  const rootDir = resolve(options.rootDir ?? dirname(pluginsDir));
  const manifests = await readPluginManifests(pluginsDir);
  await mkdir(options.outputDir, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'sb-build-'));
  try {
    const built: BuiltArchive[] = [];
    for (const m of manifests) {
      const program = await bundlePluginProgram(
        join(m.dir, m.entry),
        rootDir,
        join(scratch, `${m.type}_${m.name}.mjs`),
        `${m.type} ${m.name}`,
      );
      const archive = gzipReproducible(
        writeTar([{ name: `${m.type}_${m.name}`, data: Buffer.from(program), mode: 0o755 }]),
      );
      const sha256 = createHash('sha256').update(archive).digest('hex');
      for (const platform of options.platforms ?? defaultPlatforms) {
        const path = join(options.outputDir, `${m.type}_${m.name}_${platform.os}_${platform.arch}.tar.gz`);
        await writeFileAtomic(path, archive);
        built.push({ type: m.type, name: m.name, platform, path, sha256 });
      }
    }
    return built;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
