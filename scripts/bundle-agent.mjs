#!/usr/bin/env node
// The last compile step of `npm run build`: bundles the CLI and the agent from tsc's dist/ into
// dist/bundle/ with esbuild (code-split, whitespace-minified), which is what bin/run.js runs. Why:
// `switchboard start` from tsc's one-file-per-module tree, with oclif importing every command to
// list them, is about 8 MiB larger (docs/benchmarks.md, "Issue 22 row 4: the agent runs from a
// bundle"): about 500 more module records, whole packages where a part is used, their sources. dist/'s module tree stays as it is for what imports it by path (the
// config doc and chart generators, tests, scripts/image/bundle.mjs).
//
// Layout, as oclif's default command discovery reads it (package.json "oclif"):
//   dist/bundle/commands/<topic>/<name>.js  one entry per command (oclif imports only the one run)
//   dist/bundle/hooks/command-not-found.js  the hook
//   dist/bundle/chunks/                     shared code; dynamic imports (chat platforms, sinks,
//                                           JetStream, HA, plugin download) stay chunks of their own
//   oclif.manifest.json                     the commands' metadata, so that oclif does not import
//                                           every command module to list them on each start
// Usage: node scripts/bundle-agent.mjs (after tsc -p tsconfig.build.json and copy-assets.mjs).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { dynamicCommonJsNames } from './lib/esbuild-dynamic-cjs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bundle');
const commandsDir = join(dist, 'cli/commands');

if (!existsSync(join(commandsDir, 'start.js'))) {
  process.stderr.write(
    'bundle-agent: dist/cli/commands/start.js is missing; run tsc -p tsconfig.build.json first\n',
  );
  process.exit(2);
}

/*
 * Dependencies are bundled too (tree-shaken: zod's 63 locales, fastify's and oclif's unused
 * parts are left out), except what finds its own files at run time: better-sqlite3 loads its
 * native addon through `bindings` from its package directory, and esbuild (for
 * `switchboard plugin build`) runs its platform binary. emojibase-data is read by path
 * (createRequire(import.meta.url) below resolves it from dist/core/). And typescript: oclif
 * require()s it only to read a tsconfig.json when it runs a linked plugin from .ts sources;
 * bundled, its 4 MB would be in oclif's chunk and parsed on every start.
 */
const external = ['better-sqlite3', 'esbuild', 'typescript'];

const cliEntry = join(out, 'cli-entry.js');
const entryPoints = { cli: cliEntry };
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path);
    else if (e.name.endsWith('.js')) {
      entryPoints[`commands/${relative(commandsDir, path).slice(0, -3).split(sep).join('/')}`] = path;
    }
  }
})(commandsDir);
entryPoints['hooks/command-not-found'] = join(dist, 'cli/hooks/command-not-found.js');

// `switchboard help <command>` is @oclif/plugin-help's command; bundled with the others, so that
// the package has one copy of @oclif/core (package.json lists no oclif plugin to load).
entryPoints['commands/help'] = join(root, 'node_modules/@oclif/plugin-help/lib/commands/help.js');

rmSync(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
// bin/run.js runs oclif from the bundle. An `export ... from` of CommonJS @oclif/core would come
// out empty in an ESM bundle; an import and an export do not.
writeFileSync(cliEntry, "import { execute } from '@oclif/core';\nexport { execute };\n");

/*
 * Modules that find files next to themselves (the console page, index.yaml, package.json, the
 * emoji data through createRequire) get the URL their module has in dist/, so they keep finding
 * them. `define` replaces the expression in code only, not in strings (`plugin new` writes a
 * test file that uses import.meta.url).
 */
const moduleUrl = {
  name: 'dist-module-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!args.path.startsWith(dist) || args.path.startsWith(out)) return undefined;
      if (!text.includes('import.meta.url')) return undefined;
      const { code } = await transform(text, {
        define: { 'import.meta.url': '__sbModuleUrl' },
        sourcemap: 'inline',
        sourcefile: args.path,
      });
      if (!code.includes('__sbModuleUrl')) return undefined;
      // The bundle's chunks are all in dist/bundle/ or one level down; resolve from the file's
      // own URL at run time, so the package can be moved or installed anywhere.
      const rel = relative(root, args.path).split(sep).join('/');
      return {
        contents: `const __sbModuleUrl = new URL(${JSON.stringify(rel)}, __sbPackageRoot).href;\n${code}`,
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

const dynamicCommonJs = dynamicCommonJsNames(external);

const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  /*
   * Whitespace and syntax only: identifiers keep their names, so functions and classes keep
   * theirs (stack traces, and names libraries read off classes) without esbuild's keepNames,
   * which wraps every function and class in a name-setting call: measured 3.5 MiB more heap and
   * RSS for `switchboard start` (docs/benchmarks.md).
   */
  minifyWhitespace: true,
  minifySyntax: true,
  external,
  // CommonJS dependencies call require() for Node's modules and read __dirname; an ESM chunk has
  // neither unless it makes them.
  banner: {
    js: "import{createRequire as __sbCreateRequire}from'node:module';import{fileURLToPath as __sbFileURLToPath}from'node:url';const require=__sbCreateRequire(import.meta.url),__filename=__sbFileURLToPath(import.meta.url),__dirname=__sbFileURLToPath(new URL('.',import.meta.url));",
  },
  // Stack traces point into src/ with `node --enable-source-maps` (or NODE_OPTIONS); the maps
  // are files next to the chunks, read only then, so they cost no memory otherwise.
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  legalComments: 'none',
  logLevel: 'error',
  plugins: [moduleUrl, dynamicCommonJs, packageRootBanner()],
});

/**
 * Output files that use `__sbPackageRoot` get it defined from their own depth below the package
 * root, after esbuild has written them (the banner is the same for every file).
 */
function packageRootBanner() {
  return {
    name: 'package-root',
    setup(b) {
      b.onEnd((res) => {
        if (res.errors.length > 0) return;
        for (const file of Object.keys(res.metafile?.outputs ?? {})) {
          if (!file.endsWith('.js')) continue;
          const path = join(root, file);
          const text = readFileSync(path, 'utf8');
          if (!text.includes('__sbPackageRoot')) continue;
          const up = relative(dirname(path), root).split(sep).join('/');
          const head = `const __sbPackageRoot=new URL(${JSON.stringify(`${up}/`)},import.meta.url);`;
          // After a shebang or 'use strict' there is none; the code starts at once.
          writeFileSync(path, `${head}${text}`);
        }
      });
    },
  };
}

rmSync(cliEntry);
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));

// oclif reads the commands' flags, summaries and ids from this file instead of importing every
// command module on each start (its default when the file is missing).
const { Plugin } = await import('@oclif/core');
const plugin = new Plugin({
  root,
  type: 'core',
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest)}\n`);

process.stdout.write(
  `bundle-agent: ${Object.keys(plugin.manifest.commands).length} commands into ${outputs.length} files in dist/bundle/, oclif.manifest.json written\n`,
);
