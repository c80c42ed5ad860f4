// Records, in package-lock.json, the other platforms' optional binary packages
// (esbuild, rollup, biome, buf…) that npm left out because the registry this
// project uses does not serve every version of them. `npm ci` insists on seeing
// an entry for each; these entries carry the package's os/cpu/libc, so npm skips
// them on every platform they are not for and never downloads them.
// Run after changing dependencies:  npm install && node scripts/complete-lockfile.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const lockPath = join(root, 'package-lock.json');

function missingFromLock() {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lock-'));
  try {
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    cpSync(lockPath, join(dir, 'package-lock.json'));
    execFileSync('npm', ['ci', '--ignore-scripts', '--dry-run'], { cwd: dir, stdio: 'pipe' });
    return [];
  } catch (err) {
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    return [...out.matchAll(/Missing: (\S+?)@\S* from lock file/g)].map((m) => m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function platformOf(name, version) {
  for (const spec of [`${name}@${version}`, name]) {
    try {
      const out = execFileSync('npm', ['view', spec, 'os', 'cpu', 'libc', '--json'], {
        stdio: 'pipe',
      }).toString();
      const data = JSON.parse(out || '{}');
      const one = Array.isArray(data) ? data[data.length - 1] : data;
      return { os: one.os, cpu: one.cpu, libc: one.libc };
    } catch {
      // Not served at all (404): derive from the name, which these packages all encode.
    }
  }
  const os = ['darwin', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'linux'].find(
    (o) => name.includes(o),
  );
  const cpu = [
    'arm64',
    'x64',
    'ia32',
    'loong64',
    'ppc64',
    'riscv64',
    's390x',
    'mips64el',
    'armv7',
    'arm',
  ].find((c) => name.includes(c));
  return {
    os: os ? [os] : undefined,
    cpu: cpu ? [cpu === 'armv7' ? 'arm' : cpu] : undefined,
    libc: name.includes('musl') ? ['musl'] : undefined,
  };
}

const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const missing = missingFromLock();
let added = 0;
for (const name of missing) {
  const parent = Object.values(lock.packages).find((p) => p.optionalDependencies?.[name]);
  if (!parent) continue;
  const version = parent.optionalDependencies[name];
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const { os, cpu, libc } = platformOf(name, version);
  if (!os && !cpu) throw new Error(`cannot tell which platform ${name} is for; refusing to record it`);
  lock.packages[key] = {
    version,
    ...(parent.dev ? { dev: true } : {}),
    optional: true,
    ...(os ? { os } : {}),
    ...(cpu ? { cpu } : {}),
    ...(libc ? { libc } : {}),
  };
  added += 1;
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
const left = missingFromLock();
console.log(
  `complete-lockfile: recorded ${added} platform packages; npm ci ${left.length === 0 ? 'accepts the lockfile' : `still misses ${left.join(', ')}`}`,
);
process.exit(left.length === 0 ? 0 : 1);
