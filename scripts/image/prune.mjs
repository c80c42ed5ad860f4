#!/usr/bin/env node
// Removes from the staged application what the agent never loads at run time, so the image
// carries code and licences only: type declarations, source maps, TypeScript sources, docs and
// changelogs, native build trees, and the emoji data of languages the agent does not read.
// Usage: node scripts/image/prune.mjs <staged app dir>. Prints what it removed.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const app = process.argv[2];
if (!app || !existsSync(join(app, 'package.json'))) {
  process.stderr.write(
    `prune: "${app ?? ''}" is not a staged application directory (no package.json in it)\n`,
  );
  process.exit(2);
}

// Licence texts stay even when they end in .md: the image redistributes these packages.
const keepName = /^(licen[cs]e|copying|notice|third-party)/i;
const dropFile =
  /(\.d\.[cm]?ts|\.[cm]?ts|\.map|\.md|\.markdown|\.tsbuildinfo|\.flow|\.gypi?|\.orig)$|^(changelog|history|contributing|authors|\.npmignore|\.eslintrc.*|\.prettierrc.*|\.editorconfig|\.travis\.yml|tsconfig(\..*)?\.json|binding\.gyp)$/i;
const dropDir = /^(\.github|__tests__|\.vscode)$/;

/**
 * Whole trees the agent does not load, with the files inside them it does. better-sqlite3 loads
 * build/Release/better_sqlite3.node (the SQLite sources and the compiler's objects are 10 MB);
 * emoji-shortcodes.ts reads emojibase-data/en/shortcodes/iamcal.json and no other locale (49 MB).
 */
const trees = [
  { dir: 'node_modules/better-sqlite3/deps' },
  { dir: 'node_modules/better-sqlite3/src' },
  { dir: 'node_modules/better-sqlite3/build', keep: ['Release/better_sqlite3.node'] },
  { dir: 'node_modules/emojibase-data', keep: ['package.json', 'LICENSE', 'en/shortcodes/iamcal.json'] },
];

let files = 0;
let bytes = 0;

function remove(path) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const entry of readdirSync(path)) remove(join(path, entry));
    rmSync(path, { recursive: true, force: true });
    return;
  }
  files += 1;
  bytes += st.size;
  rmSync(path);
}

function pruneTree(base, dir, keep) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(base, path);
    const kept = keep.some((k) => k === rel || k.startsWith(`${rel}/`));
    if (kept && entry.isDirectory()) pruneTree(base, path, keep);
    else if (!kept) remove(path);
  }
}

for (const tree of trees) {
  const root = join(app, tree.dir);
  if (!existsSync(root)) {
    process.stderr.write(
      `prune: ${tree.dir} is missing from ${app}; the prune list no longer matches the dependencies\n`,
    );
    process.exit(1);
  }
  if (!tree.keep) remove(root);
  else pruneTree(root, root, tree.keep);
  for (const k of tree.keep ?? []) {
    if (!existsSync(join(root, k))) {
      process.stderr.write(`prune: ${tree.dir}/${k}, which the agent loads, is missing\n`);
      process.exit(1);
    }
  }
}

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // @types packages hold declarations only; some production packages list them anyway.
      if (dropDir.test(entry.name) || (entry.name === '@types' && dir.endsWith('node_modules'))) remove(path);
      else walk(path);
    } else if (entry.isFile() && !keepName.test(entry.name) && dropFile.test(entry.name)) {
      remove(path);
    }
  }
}

walk(app);
process.stdout.write(`prune: removed ${files} files, ${(bytes / 1048576).toFixed(1)} MiB\n`);
