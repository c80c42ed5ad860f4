import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './build-fixtures.js';

/** One built peer: its cache directory and the absolute path of each of its binaries. */
export interface TestPeer {
  dir: string;
  binaries: Record<string, string>;
}

/** The Kubernetes test peers by name (etcd, kubernetes, helm), or why they could not be built. */
export type TestPeers = { peers: Record<string, TestPeer> } | { error: string };

/**
 * Runs scripts/test-peers/build.mjs, which builds the missing real peers (etcd, kube-apiserver,
 * kubectl, helm) into the per-machine cache and returns in about a second when all are cached.
 * Its progress goes to this process's stderr, so a first, long build says what it is doing.
 */
export function buildTestPeers(): Promise<TestPeers> {
  // While a cold build (most of an hour) runs elsewhere on the machine, a developer running
  // unrelated tests can skip the wait; the Kubernetes tests then fail naming this variable.
  if (process.env.SWITCHBOARD_SKIP_TEST_PEERS === '1') {
    return Promise.resolve({ error: 'test peers skipped: SWITCHBOARD_SKIP_TEST_PEERS=1 is set' });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/test-peers/build.mjs'), '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', (err) => resolve({ error: `test peers: cannot run build.mjs: ${err.message}` }));
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        resolve({
          error: `test peers failed to build (exit ${code}); run node scripts/test-peers/build.mjs to see why`,
        });
        return;
      }
      resolve(JSON.parse(last) as { peers: Record<string, TestPeer> });
    });
  });
}
