// Builds the publishable SDK from the one source of the plugin contract in this repository
// (src/sdk, src/contract, src/gen): one ESM bundle plus declaration files. Only the protobuf
// runtime stays external (the package's one dependency; the gRPC server is node:http2);
// the YAML parser used to merge configs is bundled, so installing the SDK pulls nothing else.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);
const { dependencies } = require('./package.json');

// Built beside dist/ and swapped in at the end: the agent loads the SDK from dist/ (through the
// workspace link), so a rebuild while tests or an agent run must never leave it half-written.
const staging = `${here}dist.build-${process.pid}`;
rmSync(staging, { recursive: true, force: true });

const { build } = await import('esbuild');
await build({
  entryPoints: [`${here}../../src/sdk/index.ts`],
  outdir: staging,
  // Split: the protobuf descriptors the SDK loads with import() on a plugin's first calls go to
  // chunks of their own, so their imports of @bufbuild/protobuf stay lazy in a plugin's bundle
  // too (one file would hoist them to its top, building descriptors before the handshake).
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  absWorkingDir: `${here}../..`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // A package name and its subpaths (@bufbuild/protobuf/wkt) are both the dependency.
  external: Object.keys(dependencies).flatMap((name) => [name, `${name}/*`]),
  legalComments: 'linked',
  // The bundled YAML parser is CommonJS and requires Node built-ins at load time.
  banner: {
    js: "import { createRequire as sbCreateRequire } from 'node:module';\nconst require = sbCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The package carries the repository's licence and the bundled parser's notice (ISC asks for it).
copyFileSync(`${here}../../LICENSE`, `${here}LICENSE`);
const yamlDir = require.resolve('yaml/package.json').replace(/package\.json$/, '');
const yamlVersion = require('yaml/package.json').version;
writeFileSync(
  `${here}THIRD-PARTY.md`,
  `# Bundled third-party code\n\ndist/index.js includes yaml ${yamlVersion} (https://eemeli.org/yaml/), under this licence:\n\n\`\`\`\n${readFileSync(`${yamlDir}LICENSE`, 'utf8').trim()}\n\`\`\`\n`,
);

const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', `${here}tsconfig.json`, '--outDir', `${staging}/types`],
  {
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  process.exit(tsc.status ?? 1);
}
const previous = `${here}dist.old-${process.pid}`;
if (existsSync(`${here}dist`)) renameSync(`${here}dist`, previous);
renameSync(staging, `${here}dist`);
rmSync(previous, { recursive: true, force: true });
