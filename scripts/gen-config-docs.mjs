#!/usr/bin/env node
// Regenerates docs/config.md and config.schema.json from the config schema (src/config/schema.ts,
// through the compiled dist/). Usage: npm run build && node scripts/gen-config-docs.mjs [--check]
// With --check it writes nothing and exits 1 when a file is stale (the vitest drift test does the same).
import { readFile, writeFile } from 'node:fs/promises';

const root = new URL('..', import.meta.url);
const { renderConfigDoc } = await import(new URL('dist/config/reference-doc.js', root).href);
const { renderJsonSchemaFile } = await import(new URL('dist/config/json-schema.js', root).href);

const outputs = [
  ['docs/config.md', renderConfigDoc()],
  ['config.schema.json', renderJsonSchemaFile()],
];
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of outputs) {
  const url = new URL(path, root);
  const current = await readFile(url, 'utf8').catch(() => '');
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run npm run build && node scripts/gen-config-docs.mjs`);
    stale += 1;
  } else {
    await writeFile(url, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale === 0 ? 0 : 1);
