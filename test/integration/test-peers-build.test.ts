import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

/*
 * scripts/test-peers/build.mjs as CI and the global setup run it. The peers are already built
 * by the global setup, so these runs check the cached path and the refusals, not a cold build.
 */

const script = join(repoRoot, 'scripts/test-peers/build.mjs');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, [script, ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
const emptyRoots: string[] = [];

afterAll(async () => {
  for (const dir of emptyRoots) await rm(dir, { recursive: true, force: true });
});

describe('test peers build script', () => {
  it('returns the cached binaries, the same the global setup provided, in about a second', async () => {
    const provided = inject('testPeers');
    if ('error' in provided) throw new Error(provided.error);
    const t0 = Date.now();
    const result = await run(['--json']);
    expect(result.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const { peers } = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
    expect(peers).toEqual(provided.peers);
    for (const name of ['etcd', 'kube-apiserver', 'kubectl', 'helm']) {
      const path = Object.values(peers as Record<string, { binaries: Record<string, string> }>).find(
        (p) => p.binaries[name],
      )?.binaries[name];
      expect(path && existsSync(path), name).toBe(true);
    }
  });

  it('refuses an unknown peer name, naming the known ones', async () => {
    const result = await run(['kind']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown peer kind; expected etcd, kubernetes, helm');
  });

  it('says which Go it could not run, and leaves no half-built directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sb-peers-'));
    emptyRoots.push(root);
    const result = await run(['etcd'], { SWITCHBOARD_TEST_PEERS: root, SWITCHBOARD_GO: '/nonexistent/go' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot run Go (/nonexistent/go)');
    expect(await readdir(root)).toEqual([]);
  });
});
