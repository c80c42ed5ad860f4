import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexCachePaths } from '../../src/plugins/repository/repository-index.js';
import { publishBuiltins, type RunningAgent, startAgent } from '../support/agent-harness.js';
import { startStaticServer } from '../support/static-server.js';
import { waitFor } from '../support/test-logger.js';

/*
 * A warm start trusts cached plugin files whose install fingerprint is unchanged and hashes them
 * after ready: a file whose bytes changed after start stops its plugin, which is reported and
 * reinstalled from the repository by its retry.
 */

let repo: string;
let cacheDir: string;
const config = (repoUrl = `file://${repo}/index.yaml`, cache = cacheDir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [hooks]}}
executors:
  tools:
    sb/echo: {enabled: true}
sources:
  hooks:
    sb/webhook: {enabled: true}
settings:
  startRetry: {initialBackoff: 500ms, maxBackoff: 1s}
plugins:
  cacheDir: ${cache}
  repositories:
    sb: {url: "${repoUrl}"}
`;
const msgs = (run: RunningAgent) => run.lines.map((l) => String(l.msg));
const echoBinary = async () => {
  const name = (await readdir(join(cacheDir, 'sb'))).find((n) => /^executor_.*_echo$/.test(n));
  if (!name) throw new Error('echo is not in the cache');
  return join(cacheDir, 'sb', name);
};

beforeAll(async () => {
  repo = await publishBuiltins();
  cacheDir = await mkdtemp(join(tmpdir(), 'sb-recheck-cache-'));
  // The cold start downloads and hashes; the starts below find a warm cache.
  const cold = await startAgent(config());
  await cold.agent.stop();
}, 180_000);
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

describe('cached plugin files checked after start', () => {
  it('hashes the trusted files only after ready, and leaves intact plugins running', async () => {
    const run = await startAgent(config());
    try {
      await waitFor(
        () =>
          run.lines.filter((l) => l.msg === 'cached plugin files hashed after start: intact').length === 2,
        10_000,
        'both plugins hashed',
      );
      const order = msgs(run);
      expect(order.indexOf('agent ready')).toBeGreaterThanOrEqual(0);
      expect(order.indexOf('cached plugin files hashed after start: intact')).toBeGreaterThan(
        order.indexOf('agent ready'),
      );
      expect(order).not.toContain('plugin installed and verified');
      const status = run.agent.status();
      expect(status.plugins.map((p) => [p.name, p.state]).sort()).toEqual([
        ['sb/echo', 'running'],
        ['sb/webhook', 'running'],
      ]);
      expect(status.problems).toEqual([]);
    } finally {
      await run.agent.stop();
    }
  }, 60_000);

  it('stops a plugin whose bytes changed after start, reports it, and reinstalls it', async () => {
    const run = await startAgent(config());
    try {
      const binary = await echoBinary();
      // Still a valid program: only the digest can tell.
      await appendFile(binary, '\n// changed after start\n');
      const stoppedLine = await waitFor(
        () =>
          run.lines.find(
            (l) =>
              l.msg ===
              'plugin stopped: its cached files no longer match the digests recorded at install; reinstalling',
          ),
        10_000,
        'the tampered plugin stopped',
      );
      expect(stoppedLine).toMatchObject({ level: 50, plugin: 'sb/echo' });
      expect(String(stoppedLine.problem)).toContain(`${binary} has sha256`);
      // The other plugin was hashed too and keeps running.
      await waitFor(
        () =>
          run.lines.some(
            (l) => l.msg === 'cached plugin files hashed after start: intact' && l.plugin === 'sb/webhook',
          ),
        10_000,
        'webhook hashed',
      );
      // Status says why until the retry has reinstalled it.
      const status = run.agent.status();
      const echo = status.plugins.find((p) => p.name === 'sb/echo');
      if (echo?.state !== 'running') {
        expect(echo).toMatchObject({
          state: 'not installed',
          lastError: expect.stringContaining('cached plugin files changed after start'),
        });
        expect(status.problems).toContainEqual(
          expect.objectContaining({ kind: 'plugin', id: 'sb/echo', state: 'not installed' }),
        );
      }
      expect(status.plugins.find((p) => p.name === 'sb/webhook')?.state).toBe('running');

      await waitFor(
        () => run.agent.status().plugins.find((p) => p.name === 'sb/echo')?.state === 'running',
        20_000,
        'echo reinstalled and running',
      );
      expect(msgs(run)).toContain('cached plugin changed since it was installed; reinstalling');
      expect(await readFile(binary, 'utf8')).not.toContain('changed after start');
      expect(run.agent.status().problems).toEqual([]);
      run.bot.say('echo still here');
      await waitFor(
        () => run.bot.finalTexts('ops').some((t) => t.includes('still here')),
        20_000,
        'an answer from the reinstalled echo',
      );
    } finally {
      await run.agent.stop();
    }
  }, 90_000);
});

describe('plugin index served from the cache at start', () => {
  it('makes no request before ready with an index older than 15 min, and refreshes it after', async () => {
    const server = await startStaticServer(repo);
    const cache = await mkdtemp(join(tmpdir(), 'sb-recheck-http-cache-'));
    const yaml = config(`${server.url}index.yaml`, cache);
    try {
      const cold = await startAgent(yaml);
      await cold.agent.stop();
      const meta = indexCachePaths(cache, 'sb').meta;
      const cached = JSON.parse(await readFile(meta, 'utf8'));
      await writeFile(meta, JSON.stringify({ ...cached, fetchedAt: Date.now() - 20 * 60_000 }));
      server.requests.length = 0;
      const run = await startAgent(yaml);
      try {
        // Nothing on the start path: the stale index and the cached plugins were used as they are.
        expect(server.requests).toEqual([]);
        expect(run.agent.status().plugins.map((p) => p.state)).toEqual(['running', 'running']);
        await waitFor(
          () => server.requests.some((r) => r.path === '/index.yaml'),
          15_000,
          'the index refreshed after ready',
        );
        await waitFor(
          async () => JSON.parse(await readFile(meta, 'utf8')).fetchedAt > Date.now() - 60_000,
          5_000,
          'the refreshed index in the cache',
        );
        // Only the index: the plugins were not downloaded again.
        expect(server.requests.every((r) => r.path === '/index.yaml')).toBe(true);
      } finally {
        await run.agent.stop();
      }
    } finally {
      await server.close();
      await rm(cache, { recursive: true, force: true });
    }
  }, 120_000);
});
