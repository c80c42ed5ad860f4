#!/usr/bin/env node
// Builds the real Kubernetes test peers (etcd, kube-apiserver, kubectl, helm) from the Go modules
// in scripts/test-peers/<peer>/ into a per-machine cache outside the repository. Each peer lands in
// <cache>/<name>-<version>-<key>/ where <key> hashes its go.mod, go.sum, the Go version and the
// build flags, so a changed pin or toolchain builds a fresh directory and a second run only stats
// files. A build goes to a temporary directory first and is renamed into place, so an interrupted
// build never leaves a half-filled peer directory behind; a lock directory keeps two test runs on
// one machine from building the same peer at once.
//
// Usage: node scripts/test-peers/build.mjs [--json] [peer...]
//   --json   print one JSON line {peers: {name: {dir, binaries: {binary: path}}}} on stdout last
// Env:     SWITCHBOARD_TEST_PEERS  cache root (default ~/.cache/switchboard/test-peers)
//          SWITCHBOARD_GO          go binary (default /usr/local/go/bin/go, then go on PATH)
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Every peer: its module directory, the version it builds and the binaries it yields. */
export const peers = [
  {
    name: 'etcd',
    module: 'etcd',
    version: 'v3.6.16',
    binaries: { etcd: 'go.etcd.io/etcd/server/v3' },
  },
  {
    name: 'kubernetes',
    module: 'kubernetes',
    version: 'v1.37.2',
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
    },
    // Kubernetes' own release build stamps its version this way; unstamped binaries report
    // v0.0.0-master+$Format:%H$, which `kubectl version` cannot parse and helm's kubeVersion
    // checks reject.
    ldflags: ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
      `-X ${pkg}.gitVersion=v1.37.2`,
      `-X ${pkg}.gitMajor=1`,
      `-X ${pkg}.gitMinor=37`,
      `-X ${pkg}.gitTreeState=clean`,
    ]),
  },
  {
    name: 'helm',
    module: 'helm',
    version: 'v4.3.2',
    binaries: { helm: 'helm.sh/helm/v4/cmd/helm' },
    // As helm's Makefile does for a tagged release (no "+unreleased" metadata).
    ldflags: [
      '-X helm.sh/helm/v4/internal/version.version=v4.3.2',
      '-X helm.sh/helm/v4/internal/version.metadata=',
    ],
  },
];

// Static binaries without debug info: the peers only need to run here, and -s -w halves their size.
const ldflags = '-s -w';
const buildEnv = { CGO_ENABLED: '0', GOFLAGS: '-trimpath -buildvcs=false' };

/** The cache root, from SWITCHBOARD_TEST_PEERS or the per-user default. */
export function cacheRoot() {
  return process.env.SWITCHBOARD_TEST_PEERS || join(homedir(), '.cache', 'switchboard', 'test-peers');
}

/** The Go 1.26 toolchain: Debian's older go may come first on PATH and cannot build these modules. */
export function goBinary() {
  if (process.env.SWITCHBOARD_GO) return process.env.SWITCHBOARD_GO;
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

function goVersion(go) {
  try {
    return execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(
      `test peers: cannot run Go (${go}): ${err.message}. Install Go 1.26 at /usr/local/go or set SWITCHBOARD_GO.`,
    );
  }
}

function peerLdflags(peer) {
  return [ldflags, ...(peer.ldflags ?? [])].join(' ');
}

function peerDir(peer, version) {
  const moduleDir = join(here, peer.module);
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  hash.update(JSON.stringify({ version, ldflags: peerLdflags(peer), buildEnv, binaries: peer.binaries }));
  return join(cacheRoot(), `${peer.name}-${peer.version}-${hash.digest('hex').slice(0, 12)}`);
}

function isComplete(dir, peer) {
  return Object.keys(peer.binaries).every((b) => existsSync(join(dir, b)));
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Paths to remove if this process is interrupted (Ctrl-C, a killed test run) mid-build.
const cleanup = new Set();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const path of cleanup) rmSync(path, { recursive: true, force: true });
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

// Temporary directories left by a build that was killed outright (SIGKILL) before renaming.
function removeStaleTemporaries(dir) {
  const prefix = `${basename(dir)}.tmp-`;
  for (const name of readdirSync(dirname(dir))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
}

// mkdir is atomic, so the lock is a directory holding the owner's pid; a lock whose owner died
// (killed test run) is taken over instead of waited on forever.
async function withLock(lockDir, fn) {
  for (;;) {
    try {
      mkdirSync(lockDir);
      cleanup.add(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // The owner has created the directory but not yet written its pid.
      }
      if (owner && !processAlive(owner)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
    cleanup.delete(lockDir);
  }
}

function run(cmd, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.slice(-2000)}`,
            ),
          ),
    );
  });
}

function log(line) {
  process.stderr.write(`test-peers: ${line}\n`);
}

function dirSize(dir, peer) {
  return Object.keys(peer.binaries).reduce((sum, b) => sum + statSync(join(dir, b)).size, 0);
}

async function buildPeer(peer, go, version) {
  const dir = peerDir(peer, version);
  if (isComplete(dir, peer)) return dir;
  mkdirSync(cacheRoot(), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    // Another run may have finished it while this one waited for the lock.
    if (isComplete(dir, peer)) return dir;
    removeStaleTemporaries(dir);
    const temporary = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    mkdirSync(temporary, { recursive: true });
    cleanup.add(temporary);
    const started = Date.now();
    log(
      `building ${peer.name} ${peer.version} (${Object.keys(peer.binaries).join(', ')}) with ${version} into ${dir}; ` +
        'only the first run on a machine builds (minutes; kube-apiserver the longest), later runs reuse the cache',
    );
    try {
      for (const [binary, pkg] of Object.entries(peer.binaries)) {
        const t0 = Date.now();
        await run(go, ['build', `-ldflags=${peerLdflags(peer)}`, '-o', join(temporary, binary), pkg], {
          cwd: join(here, peer.module),
          env: { ...process.env, ...buildEnv },
        });
        log(`  ${binary} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      rmSync(dir, { recursive: true, force: true });
      renameSync(temporary, dir);
    } catch (err) {
      rmSync(temporary, { recursive: true, force: true });
      throw err;
    } finally {
      cleanup.delete(temporary);
    }
    const mib = (dirSize(dir, peer) / 1024 / 1024).toFixed(0);
    log(`${peer.name} ready in ${((Date.now() - started) / 1000).toFixed(0)} s (${mib} MiB)`);
    return dir;
  });
}

/**
 * Builds every missing peer (all of them unless `names` picks some) and returns, per peer, its
 * cache directory and the absolute path of each binary. Cached peers cost a few file stats.
 */
export async function ensureTestPeers(names = []) {
  const unknown = names.filter((n) => !peers.some((p) => p.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `test peers: unknown peer ${unknown.join(', ')}; expected ${peers.map((p) => p.name).join(', ')}`,
    );
  }
  const chosen = names.length === 0 ? peers : peers.filter((p) => names.includes(p.name));
  const go = goBinary();
  const version = goVersion(go);
  const started = Date.now();
  const result = {};
  for (const peer of chosen) {
    const dir = await buildPeer(peer, go, version);
    result[peer.name] = {
      dir,
      binaries: Object.fromEntries(Object.keys(peer.binaries).map((b) => [b, join(dir, b)])),
    };
  }
  log(`${chosen.map((p) => p.name).join(', ')} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  try {
    const result = await ensureTestPeers(args.filter((a) => a !== '--json'));
    if (json) process.stdout.write(`${JSON.stringify({ peers: result })}\n`);
  } catch (err) {
    log(err.message);
    process.exit(1);
  }
}
