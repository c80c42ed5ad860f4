#!/usr/bin/env node
// Turns the staged application (npm ci --omit=dev, then this checkout's dist/) into the image's
// layout: the CLI and agent as one esbuild bundle (minified, tree-shaken, code-split so the lazily
// loaded chat platforms stay lazy) in app/bundle/, an image-only package.json that lists oclif's
// commands explicitly (oclif's default scans dist/cli/commands, which is gone), and of
// node_modules only what cannot be bundled. The dev/npm layout is not touched.
// Usage: node scripts/image/bundle.mjs <staged app dir>. Prints what it kept.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { build, transform } from 'esbuild';
import { dynamicCommonJsNames } from '../lib/esbuild-dynamic-cjs.mjs';

const app = process.argv[2];
if (!app || !existsSync(join(app, 'dist/cli/commands/start.js')) || !existsSync(join(app, 'node_modules'))) {
  process.stderr.write(
    `bundle: "${app ?? ''}" is not a staged application directory (dist/cli/commands/start.js or node_modules missing)\n`,
  );
  process.exit(2);
}

/*
 * typescript is left out of the bundle and of the image: oclif require()s it only to read a
 * tsconfig.json for a linked plugin run from .ts sources (never in the image, and it copes with
 * its absence), yet bundled it is 4.3 MB inside oclif's chunk, parsed at every start.
 * Loaded by path at run time, so they stay files: better-sqlite3 finds its addon through
 * `bindings`, which searches from the caller's file name; emojibase-data's shortcodes are read
 * with require.resolve (49 MB of locales, one used); switchboard-sdk is what lib/sdk.js (the
 * package's `switchboard/sdk` export) re-exports and what `plugin new` reads the version of.
 * Their own dependencies come along (closure below).
 */
const external = ['better-sqlite3', 'typescript'];
const keepPackages = ['better-sqlite3', 'emojibase-data', 'switchboard-sdk'];
// better-sqlite3 depends on prebuild-install to fetch its addon at install time (37 packages
// with its own dependencies);
// at run time it needs only bindings.
const installOnly = new Set(['prebuild-install']);
/*
 * Files the bundled code reads next to where its module used to be (import.meta.url): the
 * console's page and the protocol module it serves. And the built-in plugins' archives, which
 * index.yaml names (dist/plugins/ also holds compiled modules, which are in the bundle).
 */
const keepDist = ['bots/console/page', 'core/console-protocol.js'];
const keepDistFile = /^plugins\/[^/]+\.tar\.gz$/;

/*
 * `switchboard plugin build` bundles plugins with esbuild, whose native binary is 11 MB: more than
 * the rest of node_modules in the image. Building plugins is a development step (a checkout or
 * an npm install), never something a running agent does, so the image leaves esbuild out and the
 * command says where to run it.
 */
const noEsbuildMessage =
  'switchboard plugin build is not available in the container image: it needs esbuild, which the image leaves out (11 MB); run it where Switchboard is installed with npm or from a source checkout';

const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
const src = join(app, '.bundle-src');
const out = join(app, 'bundle');
rmSync(src, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
await mkdir(src, { recursive: true });

// oclif's explicit strategy: one module exporting every command by its id (plugin/index/index.js
// is `plugin index`, as the directory scan names it), plus @oclif/plugin-help's `help`.
const commandsDir = join(app, 'dist/cli/commands');
const commandFiles = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.js')) commandFiles.push(relative(commandsDir, p));
  }
})(commandsDir);
commandFiles.sort();
const imports = [];
const entries = [];
commandFiles.forEach((file, i) => {
  const id = file
    .replace(/\.js$/, '')
    .split(sep)
    .filter((part, at, parts) => !(part === 'index' && at === parts.length - 1 && at > 0))
    .join(':');
  imports.push(`import C${i} from ${JSON.stringify(join(commandsDir, file))};`);
  entries.push(`${JSON.stringify(id)}: C${i}`);
});
// The package exports only its index; the command module is imported by path.
imports.push(
  `import Help from ${JSON.stringify(join(app, 'node_modules/@oclif/plugin-help/lib/commands/help.js'))};`,
);
entries.push(`help: Help`);
writeFileSync(
  join(src, 'commands.js'),
  `${imports.join('\n')}\nexport const COMMANDS = { ${entries.join(', ')} };\n`,
);
// A plain re-export from CommonJS (@oclif/core) comes out empty in an ESM bundle.
writeFileSync(join(src, 'cli.js'), `import { execute } from '@oclif/core';\nexport { execute };\n`);
writeFileSync(
  join(src, 'command-not-found.js'),
  `import hook from ${JSON.stringify(join(app, 'dist/cli/hooks/command-not-found.js'))};\nexport default hook;\n`,
);
writeFileSync(
  join(src, 'no-esbuild.js'),
  `export async function build() { throw new Error(${JSON.stringify(noEsbuildMessage)}); }\n`,
);

/*
 * Code that reads files relative to its own module (import.meta.url) gets the URL its module had
 * in dist/ or node_modules/, so `new URL('../../index.yaml', import.meta.url)` still finds
 * app/index.yaml. `define` replaces the expression in code only, not inside strings (plugin new
 * writes a test file that uses import.meta.url). Every output file lies in app/bundle/.
 */
const metaUrl = {
  name: 'original-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url') || args.path.startsWith(src)) return undefined;
      const code = (await transform(text, { define: { 'import.meta.url': '__sbModuleUrl' } })).code;
      // Only in comments or strings (oclif's CommonJS documents execute({dir: import.meta.url})).
      if (!code.includes('__sbModuleUrl')) return undefined;
      const rel = relative(out, args.path).split(sep).join('/');
      return {
        contents: `const __sbModuleUrl = new URL(${JSON.stringify(rel)}, import.meta.url).href;\n${code}`,
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
    b.onResolve({ filter: /^esbuild$/ }, () => ({ path: join(src, 'no-esbuild.js') }));
  },
};

const result = await build({
  absWorkingDir: app,
  entryPoints: {
    cli: join(src, 'cli.js'),
    commands: join(src, 'commands.js'),
    'command-not-found': join(src, 'command-not-found.js'),
  },
  outdir: out,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Whitespace and syntax only: identifiers keep the names oclif and error messages show
  // (SwitchboardError) without esbuild's keepNames, which wraps every function and class and
  // cost 3.5 MiB of heap (docs/benchmarks.md, "Issue 22 row 4").
  minifyWhitespace: true,
  minifySyntax: true,
  treeShaking: true,
  external,
  metafile: true,
  legalComments: 'none',
  logLevel: 'error',
  // CommonJS dependencies call require() for Node's modules and read __dirname; an ESM bundle
  // has neither unless it makes them. esbuild does not see these names: a bundled module that
  // declares its own top-level __dirname would collide, which the image test's first command shows.
  banner: {
    js: "import{createRequire as __sbCreateRequire}from'node:module';import{fileURLToPath as __sbFileURLToPath}from'node:url';const require=__sbCreateRequire(import.meta.url),__filename=__sbFileURLToPath(import.meta.url),__dirname=__sbFileURLToPath(new URL('.',import.meta.url));",
  },
  // `await import('undici')` and the like keep their named exports (see the plugin).
  plugins: [metaUrl, dynamicCommonJsNames(external)],
});

// The bundle carries third-party code; their licences go with it (legalComments only keeps
// comments, not the packages' LICENSE files).
const bundled = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m && !bundled.has(m[1]))
    bundled.set(m[1], join(app, input.slice(0, input.indexOf(m[0]) + m[0].length)));
}
const licences = [];
for (const [name, dir] of [...bundled].sort()) {
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  // Some packages name their licence in package.json only (@bufbuild/protobuf: Apache-2.0).
  const text = file
    ? readFileSync(join(dir, file), 'utf8').trim()
    : `(no licence file in the package; package.json says ${meta.license})`;
  if (!file && !meta.license) {
    process.stderr.write(
      `bundle: ${name} is bundled but names no licence (no LICENSE file, no "license" in ${dir}package.json)\n`,
    );
    process.exit(1);
  }
  licences.push(`${name}@${meta.version} (${meta.license ?? 'see below'})\n\n${text}\n`);
}
writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), licences.join(`\n${'-'.repeat(72)}\n\n`));

// node_modules: the kept packages and their dependencies, by the lockfile's graph.
const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
const keep = new Set();
const visit = (name) => {
  const path = `node_modules/${name}`;
  if (keep.has(path) || installOnly.has(name)) return;
  const entry = lock.packages[path];
  if (!entry) {
    process.stderr.write(`bundle: ${name} is to stay in node_modules but the lockfile has no ${path}\n`);
    process.exit(1);
  }
  keep.add(path);
  for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep);
};
keepPackages.forEach(visit);
let removed = 0;
for (const scopeOrPkg of readdirSync(join(app, 'node_modules'))) {
  const names = scopeOrPkg.startsWith('@')
    ? readdirSync(join(app, 'node_modules', scopeOrPkg)).map((n) => `${scopeOrPkg}/${n}`)
    : [scopeOrPkg];
  for (const name of names) {
    if (keep.has(`node_modules/${name}`) || name === '.package-lock.json' || name === '.bin') continue;
    rmSync(join(app, 'node_modules', name), { recursive: true, force: true });
    removed += 1;
  }
  if (scopeOrPkg.startsWith('@') && readdirSync(join(app, 'node_modules', scopeOrPkg)).length === 0) {
    rmSync(join(app, 'node_modules', scopeOrPkg), { recursive: true });
  }
}
rmSync(join(app, 'node_modules/.bin'), { recursive: true, force: true });

// dist/: only the files read at run time.
(function pruneDist(base) {
  for (const e of readdirSync(join(app, 'dist', base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (keepDist.some((k) => rel === k || rel.startsWith(`${k}/`)) || keepDistFile.test(rel)) continue;
    if (e.isDirectory() && (keepDist.some((k) => k.startsWith(`${rel}/`)) || rel === 'plugins'))
      pruneDist(rel);
    else rmSync(join(app, 'dist', rel), { recursive: true });
  }
})('');
const pluginsDir = join(app, 'dist/plugins');
if (!existsSync(pluginsDir) || !readdirSync(pluginsDir).some((f) => keepDistFile.test(`plugins/${f}`))) {
  process.stderr.write(`bundle: ${app}/dist/plugins holds no plugin archive; index.yaml names them\n`);
  process.exit(1);
}
for (const k of keepDist) {
  if (!existsSync(join(app, 'dist', k))) {
    process.stderr.write(`bundle: dist/${k}, which the agent reads at run time, is missing from ${app}\n`);
    process.exit(1);
  }
}

// The image's package.json: what oclif and `switchboard/sdk` read, pointing at the bundle.
const { oclif } = pkg;
const imagePkg = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  type: 'module',
  bin: pkg.bin,
  exports: pkg.exports,
  dependencies: Object.fromEntries(
    keepPackages.filter((n) => pkg.dependencies[n]).map((n) => [n, pkg.dependencies[n]]),
  ),
  oclif: {
    ...oclif,
    commands: { strategy: 'explicit', target: './bundle/commands.js', identifier: 'COMMANDS' },
    hooks: { command_not_found: './bundle/command-not-found.js' },
    // plugin-help's one command is in COMMANDS; oclif would look for the package otherwise.
    plugins: [],
  },
};
writeFileSync(join(app, 'package.json'), `${JSON.stringify(imagePkg, null, 2)}\n`);
rmSync(join(app, 'package-lock.json'));
writeFileSync(
  join(app, 'bin/run.js'),
  `#!/usr/bin/env node\n// The image's CLI: the bundle of bin/run.js's oclif with the commands listed in package.json.\nimport { execute } from '../bundle/cli.js';\nawait execute({ dir: import.meta.url });\n`,
);
rmSync(src, { recursive: true, force: true });

let bytes = 0;
for (const f of readdirSync(out)) bytes += statSync(join(out, f)).size;
process.stdout.write(
  `bundle: ${commandFiles.length + 1} commands, ${bundled.size} packages bundled into ${readdirSync(out).length} files (${(bytes / 1e6).toFixed(1)} MB); node_modules keeps ${[...keep].map((p) => p.slice(13)).join(', ')}; ${removed} packages removed\n`,
);
