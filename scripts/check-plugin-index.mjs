#!/usr/bin/env node
// Reproducibility check of the built-in plugin repository: rebuilds every
// plugins/*/plugin.json entry with `switchboard plugin build` (dist/ must be
// built: `npm run build`) into a temporary directory and fails when an archive's
// sha256 differs from the committed index.yaml, or when index.yaml and
// plugins/ disagree on which plugins exist.
//
//   node scripts/check-plugin-index.mjs           check
//   node scripts/check-plugin-index.mjs --write   regenerate dist/plugins and index.yaml
//
// The same check runs in `npm test` (test/integration/repo-reproducible.test.ts).
// Built without the V8 code cache: the cache's bytes depend on the V8 version, and the committed
// checksums must hold whichever Node (20, 22, 24) builds dist/plugins.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const cli = (...args) =>
  execFileSync(join(root, 'bin/run.js'), args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

if (process.argv.includes('--write')) {
  cli('plugin', 'build', '--no-code-cache', '--output', 'dist/plugins');
  cli(
    'plugin',
    'index',
    '--binaries-path',
    'dist/plugins',
    '--url-base-path',
    'dist/plugins',
    '--output',
    'index.yaml',
  );
  console.log('index.yaml regenerated from plugins/ (archives in dist/plugins)');
  process.exit(0);
}

const out = mkdtempSync(join(tmpdir(), 'sb-plugin-check-'));
try {
  cli('plugin', 'build', '--no-code-cache', '--output', out);
  const built = new Map(
    readdirSync(out).map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(out, f)))
        .digest('hex'),
    ]),
  );
  const index = parse(readFileSync(join(root, 'index.yaml'), 'utf8')) ?? { entries: [] };
  const problems = [];
  const indexed = new Set();
  for (const entry of index.entries ?? []) {
    for (const u of entry.urls) {
      const file = u.url.split('/').pop();
      indexed.add(file);
      if (!built.has(file))
        problems.push(
          `${entry.type} ${entry.name}: ${file} is in index.yaml but plugins/ no longer builds it`,
        );
      else if (built.get(file) !== u.checksum)
        problems.push(
          `${entry.type} ${entry.name}: ${file} rebuilds to ${built.get(file)}, index.yaml says ${u.checksum}`,
        );
    }
  }
  for (const file of built.keys())
    if (!indexed.has(file)) problems.push(`${file} is built from plugins/ but missing from index.yaml`);
  if (problems.length > 0) {
    console.error(
      `index.yaml does not match plugins/ (run \`node scripts/check-plugin-index.mjs --write\` and commit):\n  ${problems.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`plugin index: ${built.size} archives rebuild to the checksums in index.yaml`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
