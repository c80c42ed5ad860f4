#!/usr/bin/env node
// Runs the Switchboard benchmarks: `npm run bench [-- [--quick] [cold-start|execute|stream ...]]`.
//
// 1. Bundles, with esbuild, the TypeScript fixture plugins exactly as
//    test/support/build-fixtures.ts does, two handshake-only Node scripts, and
//    bench/harness.ts (with the host code it imports) into .cache/bench/.
// 2. Builds the Go fixture plugin with test/fixtures/go/build.sh (cold start
//    reference only; skipped with the reason when Go is missing).
// 3. Runs the harness, which prints the tables and writes .cache/bench/last.json.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const repoRoot = new URL('..', import.meta.url).pathname;
const outDir = join(repoRoot, '.cache', 'bench');
const resultsDir = join(repoRoot, 'bench', 'results');
const benchmarkNames = [
  'cold-start',
  'execute',
  'stream',
  'repo-install',
  'agent',
  'slack',
  'discord',
  'rocketchat',
  'storm',
  'console',
  'queue',
  'warm-start',
  'many-plugins',
  'stream-fanout',
  'kube',
  'ha',
  'ha-agents',
  'stream-cursors',
];

const usage = `usage: npm run bench [-- [--quick] [${benchmarkNames.join('|')} ...]]

  (no names)   run every benchmark
  --quick      fewer runs and calls (about 25 s instead of about 1 min on 2 vCPUs)
`;

function parseArgs(argv) {
  const selected = [];
  let quick = false;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(usage);
      process.exit(0);
    } else if (benchmarkNames.includes(arg)) {
      if (!selected.includes(arg)) selected.push(arg);
    } else {
      process.stderr.write(`unknown argument "${arg}"\n${usage}`);
      process.exit(2);
    }
  }
  return { quick, selected: selected.length > 0 ? selected : [...benchmarkNames] };
}

// The banner of test/support/build-fixtures.ts bundlePlugin(): a shebang, and a
// `require` for the CommonJS dependencies (grpc-js) inside the ESM bundle.
const pluginBanner =
  "#!/usr/bin/env node\nimport { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);";

/** Bundles one plugin-like program into an executable single-file ESM program (same options as the tests). */
async function bundlePlugin(input, outfile) {
  await build({
    ...input,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: pluginBanner },
    logLevel: 'error',
  });
  await chmod(outfile, 0o755);
  return outfile;
}

const handshakeLine = '1|3|unix|/nonexistent/bench.sock|grpc|';

// Prints a handshake line and idles until killed: the floor for any Node plugin.
const handshakeOnlySource = `import { writeSync } from 'node:fs';
writeSync(1, ${JSON.stringify(`${handshakeLine}\n`)});
setInterval(() => {}, 1 << 30);
`;

// The same, after loading the bundled @grpc/grpc-js (what every grpc-js plugin pays).
const grpcHandshakeSource = `import { writeSync } from 'node:fs';
import { Server } from '@grpc/grpc-js';
globalThis.__sbBenchKeep = Server;
writeSync(1, ${JSON.stringify(`${handshakeLine}\n`)});
setInterval(() => {}, 1 << 30);
`;

// Experiment rows (cold start): the same executor fixture as one CommonJS bundle,
// started plainly and through a loader that compiles it with a V8 code cache
// (what Node 22's module.enableCompileCache() automates; Node 20 lacks it).
const cjsRunnerSource = `#!/usr/bin/env node
require('./executor-fixture.cjs');
`;
const codeCacheLoaderSource = `#!/usr/bin/env node
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');
const file = join(__dirname, 'executor-fixture.cjs');
const cacheFile = \`\${file}.v8cache\`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, __dirname);
// The benchmark starts it once with this variable to write the cache after start-up.
if (process.env.SB_BENCH_WRITE_CODE_CACHE) {
  setTimeout(() => {
    writeFileSync(cacheFile, script.createCachedData());
    process.exit(0);
  }, 300);
}
`;

async function writeExecutable(path, contents) {
  await writeFile(path, contents);
  await chmod(path, 0o755);
  return path;
}

async function buildAll(selected) {
  await mkdir(outDir, { recursive: true });
  const fixture = (name) => ({ entryPoints: [join(repoRoot, 'test/fixtures/plugins', `${name}.ts`)] });
  const stdin = (contents) => ({
    stdin: { contents, resolveDir: repoRoot, loader: 'js', sourcefile: 'bench-entry.mjs' },
  });
  const [executor, source, handshakeOnly, grpcHandshake, , executorCjs, executorCodeCache] =
    await Promise.all([
      bundlePlugin(fixture('executor-fixture'), join(outDir, 'executor-fixture.mjs')),
      bundlePlugin(fixture('source-fixture'), join(outDir, 'source-fixture.mjs')),
      bundlePlugin(stdin(handshakeOnlySource), join(outDir, 'handshake-only.mjs')),
      bundlePlugin(stdin(grpcHandshakeSource), join(outDir, 'grpc-handshake.mjs')),
      build({
        entryPoints: [join(repoRoot, 'bench/harness.ts')],
        outfile: join(outDir, 'harness.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // Dependencies load from node_modules at run time, so host and raw calls share one grpc-js.
        packages: 'external',
        sourcemap: 'inline',
        logLevel: 'error',
      }),
      build({
        ...fixture('executor-fixture'),
        outfile: join(outDir, 'executor-fixture.cjs'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'error',
      }).then(() => writeExecutable(join(outDir, 'executor-fixture-cjs-main.cjs'), cjsRunnerSource)),
      writeExecutable(join(outDir, 'executor-fixture-code-cache.cjs'), codeCacheLoaderSource),
      // The stream benchmark's callgrind rows run one stream in a child process from this bundle.
      build({
        ...stdin(
          "import { runStreamChild } from './bench/stream-fanout.ts';\nawait runStreamChild();\nprocess.exit(0);\n",
        ),
        outfile: join(outDir, 'stream-child.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'error',
      }),
      // The agent RSS benchmark runs the agent in a child process from this bundle. Split into
      // chunks so that the agent's dynamic imports (each platform's implementation, the plugin
      // download code) stay lazy as they are in dist/; one file would hoist them all to start-up.
      build({
        ...stdin("import { runAgentChild } from './bench/agent.ts';\nawait runAgentChild();\n"),
        outdir: outDir,
        entryNames: 'agent-child',
        chunkNames: 'agent-child-chunks/[name]-[hash]',
        outExtension: { '.js': '.mjs' },
        splitting: true,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'error',
      }),
    ]);
  let go = { error: 'not needed by the selected benchmarks' };
  if (selected.includes('cold-start') || selected.includes('many-plugins')) go = await buildGo();
  return {
    fixtures: { executor, source, handshakeOnly, grpcHandshake, executorCjs, executorCodeCache },
    go,
  };
}

async function buildGo() {
  const dir = join(outDir, 'go');
  try {
    await promisify(execFile)('bash', [join(repoRoot, 'test/fixtures/go/build.sh'), dir], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { executor: join(dir, 'executor_goecho') };
  } catch (err) {
    const text = String(err.stderr || err.message).trim();
    const reason = text.split('\n').find((l) => l.includes('error')) ?? text.split('\n')[0];
    process.stderr.write(`bench: Go fixture not built, Go reference rows will be skipped: ${reason}\n`);
    return { error: reason };
  }
}

async function main() {
  const args = process.argv.slice(2);
  const { quick, selected } = parseArgs(args);
  const t = performance.now();
  const built = await buildAll(selected);
  process.stderr.write(
    `bench: bundles and fixtures ready in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
  );
  const context = {
    repoRoot,
    outDir,
    resultsDir,
    quick,
    selected,
    command: ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' '),
    ...built,
  };
  const contextPath = join(outDir, 'context.json');
  await writeFile(contextPath, `${JSON.stringify(context, null, 2)}\n`);
  const child = spawn(process.execPath, ['--enable-source-maps', join(outDir, 'harness.mjs')], {
    stdio: 'inherit',
    env: { ...process.env, SWITCHBOARD_BENCH_CONTEXT: contextPath },
  });
  const code = await new Promise((resolve) =>
    child.on('exit', (c, signal) => resolve(signal ? 1 : (c ?? 1))),
  );
  process.exit(code);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
  process.exit(1);
});
