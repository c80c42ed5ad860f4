#!/usr/bin/env node
// In a source checkout the CLI runs from dist/bundle/, which `npm ci` builds (its `prepare` step). Say
// so instead of failing on a missing module, and tell a person at a terminal when dist/ is older
// than src/ (after a pull or an edit), since it would run the old code without a word.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/bundle/commands/start.js`;

if (!existsSync(built)) fail('it is not built (dist/ is missing)');
if (process.stderr.isTTY && existsSync(`${root}src`)) warnIfStale();

// The bundle carries most dependencies inside; better-sqlite3 (a native addon) is one it loads
// from node_modules, so its absence is what says that `npm ci` has not run.
try {
  import.meta.resolve('better-sqlite3');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND') fail('its dependencies are not installed');
  throw err;
}
const oclif = await import('../dist/bundle/cli.js');
await oclif.execute({ dir: import.meta.url });

function fail(what) {
  process.stderr.write(
    `switchboard: this checkout (${root}) cannot run yet: ${what}.\n` +
      'Run `npm ci` in it first: it installs the dependencies and builds dist/, the CLI and the\n' +
      'built-in plugins (about a minute; `npm run build` rebuilds after a change).\n',
  );
  process.exit(1);
}

function warnIfStale() {
  const builtAt = statSync(built).mtimeMs;
  const newer = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts') && statSync(path).mtimeMs > builtAt) newer.push(path);
    }
  };
  walk(`${root}src`);
  if (newer.length === 0) return;
  const first = newer[0].slice(root.length);
  process.stderr.write(
    `switchboard: warning: dist/ is older than ${newer.length === 1 ? first : `${first} and ${newer.length - 1} more file${newer.length === 2 ? '' : 's'} in src/`}; ` +
      'this runs the code of the last build. Run `npm run build` to use your changes.\n',
  );
}
