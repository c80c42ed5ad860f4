import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutorClient } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin } from '../../src/plugins/host/plugin-instance.js';
import { unpackProgram } from '../../src/plugins/publish/program-pack.js';
import { type InstallOptions, installPlugins } from '../../src/plugins/repository/index.js';
import { buildBotkubeStyleRepository } from '../fixtures/repo/build-repo.js';
import { repoRoot } from '../support/build-fixtures.js';
import { type StaticServer, startStaticServer } from '../support/static-server.js';
import { createTestLogger } from '../support/test-logger.js';

const plugins = join(repoRoot, 'test/fixtures/plugins');

/** The code of an installed program: `plugin build` packs it (base64) after a small loader. */
async function programCode(binary: string | undefined): Promise<string> {
  return unpackProgram(await readFile(binary as string, 'utf8')).functionSource;
}
let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-botkube-repo-'));
  await buildBotkubeStyleRepository(dir, {
    executor: join(plugins, 'executor-fixture.ts'),
    source: join(plugins, 'source-fixture.ts'),
  });
  server = await startStaticServer(dir);
  server.vars.base = server.url;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function options(extra: Partial<InstallOptions>): Promise<InstallOptions> {
  return {
    cacheDir: await mkdtemp(join(tmpdir(), 'sb-cache-')),
    repositories: { botkube: { url: `${server.url}index.yaml` } },
    plugins: [],
    platform: { os: 'linux', arch: 'amd64' },
    ...extra,
  };
}

describe('a hand-written Botkube-format index with go-getter URLs', () => {
  it('installs the latest stable version (not the pre-release) from a tar.gz by the first-regular-file rule, with dependencies', async () => {
    const [shout] = (await installPlugins(await options({ plugins: ['botkube/shout'] }))).plugins;
    expect(shout).toMatchObject({ version: 'v1.14.0', type: 'executor' });
    expect(shout?.binary).toMatch(/botkube\/executor_v1\.14\.0_shout$/);
    expect(shout?.entry).toMatchObject({
      recommended: true,
      documentationUrl: 'https://example.invalid/docs/shout',
    });
    expect(await programCode(shout?.binary)).toContain('Executor fixture for host tests');
    expect((await stat(shout?.binary as string)).mode & 0o777).toBe(0o755);
    // //subdir selects helper-linux-amd64/bin; the file named like the dependency is taken from there.
    expect(await readFile(shout?.dependencies.helper as string, 'utf8')).toBe('#!/bin/sh\necho helper\n');
    // A raw dependency is saved under its dependency name (whatever ?filename= says); checksum without a type prefix.
    expect(await readFile(shout?.dependencies.rawtool as string, 'utf8')).toBe('#!/bin/sh\necho rawtool\n');
    expect((await stat(shout?.dependencies.rawtool as string)).mode & 0o777).toBe(0o755);
    // go-getter's magic parameters never reach the server.
    expect(server.requests.every((r) => !/checksum|filename/.test(r.url))).toBe(true);

    const { logger } = createTestLogger();
    const instance = await launchPlugin({
      name: 'botkube/shout',
      binary: shout?.binary as string,
      logger,
      dependencyDir: shout?.dependencyDir,
    });
    try {
      const answer = await createExecutorClient(instanceHandle(instance)).execute({
        command: 'fixture env',
        configs: [],
        context: { interactive: false, incomingWebhookBaseUrl: '' },
      });
      const env = JSON.parse(JSON.parse(new TextDecoder().decode(answer.message)).baseBody.codeBlock);
      expect(env.PLUGIN_DEPENDENCY_DIR).toBe(shout?.dependencyDir);
    } finally {
      await instance.stop();
    }
  });

  it('a pin downloads exactly that version (a zip), accepting 1.13.0 for the index`s 1.13.0 and v-prefixed pins', async () => {
    server.requests.length = 0;
    const [old] = (await installPlugins(await options({ plugins: ['botkube/shout@v1.13.0'] }))).plugins;
    expect(old?.version).toBe('1.13.0');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/index.yaml',
      '/v1.13.0/executor_shout_linux_amd64.zip',
    ]);
    expect(await programCode(old?.binary)).toContain('Executor fixture for host tests');
    const [rc] = (await installPlugins(await options({ plugins: ['botkube/shout@1.15.0-rc.1'] }))).plugins;
    expect(rc?.version).toBe('v1.15.0-rc.1');
    const [range] = (await installPlugins(await options({ plugins: ['botkube/shout@~1.13'] }))).plugins;
    expect(range?.version).toBe('1.13.0');
  });

  it('handles raw binaries (keeping other query parameters) and .gz downloads', async () => {
    server.requests.length = 0;
    const [raw] = (
      await installPlugins(
        await options({ plugins: ['botkube/shout'], platform: { os: 'linux', arch: 'arm64' } }),
      )
    ).plugins;
    expect(await programCode(raw?.binary)).toContain('Executor fixture for host tests');
    expect(server.requests.find((r) => r.path.endsWith('linux_arm64'))?.url).toBe(
      '/v1.14.0/executor_shout_linux_arm64?token=abc',
    );
    const [gz] = (
      await installPlugins(
        await options({ plugins: ['botkube/shout'], platform: { os: 'darwin', arch: 'arm64' } }),
      )
    ).plugins;
    expect(await programCode(gz?.binary)).toContain('Executor fixture for host tests');
  });

  it('a source entry installs; a missing platform and unknown versions are explained', async () => {
    const [ticks] = (
      await installPlugins(await options({ plugins: [{ key: 'botkube/ticks', type: 'source' }] }))
    ).plugins;
    expect(ticks).toMatchObject({ type: 'source', version: '1.2.3' });
    expect(ticks?.entry.externalRequest?.payload?.jsonSchema?.value).toBe('{"type":"object"}');
    await expect(
      installPlugins(
        await options({ plugins: ['botkube/ticks'], platform: { os: 'darwin', arch: 'arm64' } }),
      ),
    ).rejects.toThrow(/has no darwin\/arm64 build of source ticks 1\.2\.3; it has linux\/amd64/);
    await expect(installPlugins(await options({ plugins: ['botkube/shout@2.0.0'] }))).rejects.toThrow(
      /has no version 2\.0\.0 of shout; it offers executor v1\.15\.0-rc\.1, executor v1\.14\.0, executor 1\.13\.0/,
    );
  });
});
