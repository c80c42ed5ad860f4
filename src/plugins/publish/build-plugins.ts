import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { writeFileAtomic } from '../repository/atomic-file.js';
import type { Platform, PluginType } from '../repository/index-format.js';
import { wrapEsmBundleAsCjs } from './cjs-wrap.js';
import { trainCodeCache } from './code-cache.js';
import { readPluginManifests } from './plugin-manifest.js';
import { packProgram, vmFunctionSource } from './program-pack.js';
import { gzipReproducible, writeTar } from './tar-writer.js';

/** Botkube's release platforms (GoReleaser: linux/darwin × amd64/arm64). */
export const defaultPlatforms: readonly Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];

/** How a program is packed; see program-pack.ts. */
export interface ProgramOptions {
  /**
   * Ship a V8 code cache in the program (default true): made by running the program once with
   * this Node, it saves compiling the plugin's code at every start where the same Node runs it.
   */
  codeCache?: boolean;
}

/**
 * Bundles one plugin entry into the program that goes into its archive: esbuild
 * (one file, everything but Node built-ins inlined), wrapped as CommonJS
 * (cjs-wrap.ts), then packed behind a loader with its V8 code cache
 * (program-pack.ts). `scratchFile` receives esbuild's intermediate output; the
 * cache is trained in a folder next to it.
 */
export async function bundlePluginProgram(
  entry: string,
  rootDir: string,
  scratchFile: string,
  label: string,
  options: ProgramOptions = {},
): Promise<string> {
  let functionSource: string;
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
      plugins: [emptyOnlyWkt],
    });
    functionSource = vmFunctionSource(
      await requireForDynamicImports(wrapEsmBundleAsCjs(await readFile(scratchFile, 'utf8'), metaUrlName)),
    );
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `bundling ${label} (${entry}) failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (options.codeCache === false) return packProgram(functionSource, undefined, process.version);
  try {
    const cache = await trainCodeCache(functionSource, label.replace(/\W+/g, '_'), dirname(scratchFile));
    return packProgram(functionSource, cache, process.version);
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `${label} (${entry}): ${(err as Error).message}. The program must start with the handshake cookie set and answer Metadata, as for plugin index; build with --no-code-cache to ship it without a cache`,
      { cause: err },
    );
  }
}

/**
 * Points our generated code's `@bufbuild/protobuf/wkt` imports (they use only
 * google/protobuf/empty) at that one file. Why: the SDK loads descriptors lazily
 * (`import()`), and esbuild initialises a lazily loaded package index whole, which for
 * protobuf-es's well-known types means building 13 file descriptors on the first call
 * instead of one. Other importers (a plugin's own code) get the package as usual, and
 * so does ours if protobuf-es ever moves the file.
 */
const emptyOnlyWkt: Plugin = {
  name: 'switchboard-wkt-empty-only',
  setup(build) {
    const ours = /[\\/](?:src[\\/]gen|switchboard-sdk[\\/]dist|packages[\\/]sdk[\\/]dist)[\\/]/;
    build.onResolve({ filter: /^@bufbuild\/protobuf\/wkt$/ }, async (args) => {
      if (args.pluginData === emptyOnlyWkt || !ours.test(args.importer)) return undefined;
      const index = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: emptyOnlyWkt,
      });
      const empty = join(dirname(index.path), 'gen/google/protobuf/empty_pb.js');
      if (index.errors.length > 0 || !existsSync(empty)) return undefined;
      return { path: empty };
    });
  },
};

/**
 * Turns the `import()` calls left in a program (Node built-ins and computed specifiers: bundled
 * modules are already inlined) into `require`. Why: the loader compiles the program with
 * vm.Script, and on Node 20 an `import()` in code compiled from a V8 code cache fails ("A
 * dynamic import callback was not specified"); a plugin can only load built-ins at run time
 * anyway, and those `require` the same.
 */
async function requireForDynamicImports(cjsProgram: string): Promise<string> {
  if (!/\bimport\s*\(/.test(cjsProgram)) return cjsProgram;
  const { transform } = await import('esbuild');
  const [shebang, ...body] = cjsProgram.split('\n');
  const lowered = await transform(body.join('\n'), {
    format: 'cjs',
    platform: 'node',
    supported: { 'dynamic-import': false },
    logLevel: 'silent',
  });
  return `${shebang}\n${lowered.code}`;
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
  /** See {@link ProgramOptions.codeCache}; default true. */
  codeCache?: boolean;
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
 * Bundles every plugin entry into one program (esbuild ESM, wrapped as CommonJS,
 * behind a loader with its V8 code cache: see bundlePluginProgram) and packs it, per platform, as
 * `<type>_<name>_<os>_<arch>.tar.gz` holding one file `<type>_<name>` (mode
 * 0755). The output is reproducible: the same sources, lockfile and Node binary
 * (V8 writes the code cache, zlib the archive) give byte-identical archives, which is what the committed index's checksums
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
        { codeCache: options.codeCache ?? true },
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
