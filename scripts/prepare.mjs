// npm's `prepare` hook. `npm ci` runs it to build dist/, and so does the first `npx switchboard`
// in a checkout: npx links the checkout as a package and runs its `prepare` again, which rebuilt
// everything (about a minute) although `npm ci` had just done it. Here the build runs only when
// something it reads changed since the last complete build (the stamp is written after it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const rootAt = process.argv.indexOf('--root');
// --root <dir> is for the test of this script; npm always runs it in the package.
const root = rootAt > 0 ? `${process.argv[rootAt + 1]}/` : fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/.build-stamp`;
const inputs = [
  'src',
  'plugins',
  'proto',
  'scripts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'index.yaml',
  'packages/sdk/build.mjs',
  'packages/sdk/package.json',
  'packages/sdk/tsconfig.json',
];

if (process.argv.includes('--stamp')) {
  // The last step of `npm run build`: what it built is complete.
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

const changed = firstNewer();
if (changed === undefined) {
  console.log('prepare: dist/ is up to date with src/ and plugins/ (npm run build rebuilds anyway)');
  process.exit(0);
}
console.log(`prepare: building (${changed})`);
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(build.status ?? 1);

/** Why a build is needed, or undefined when the last complete build is newer than every input. */
function firstNewer() {
  if (!existsSync(stamp) || !existsSync(`${root}dist/cli/commands/start.js`))
    return 'no complete build in dist/';
  const builtAt = statSync(stamp).mtimeMs;
  const walk = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return undefined;
    if (!stat.isDirectory()) return stat.mtimeMs > builtAt ? path.slice(root.length) : undefined;
    for (const entry of readdirSync(path)) {
      if (entry === 'node_modules') continue;
      const found = walk(`${path}/${entry}`);
      if (found) return found;
    }
    return undefined;
  };
  for (const input of inputs) {
    const found = walk(`${root}${input}`);
    if (found) return `${found} changed since the last build`;
  }
  return undefined;
}
