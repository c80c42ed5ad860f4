import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipReproducible, type TarEntry, writeTar } from '../../src/plugins/publish/tar-writer.js';
import { type InstallOptions, installPlugins } from '../../src/plugins/repository/index.js';
import {
  generateSigningKeyPair,
  parsePrivateKey,
  signDetached,
} from '../../src/plugins/repository/signature.js';
import { buildOwnRepository } from '../fixtures/repo/build-repo.js';
import { type StaticServer, startStaticServer } from '../support/static-server.js';

let built: string;
const servers: StaticServer[] = [];

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'sb-repo-built-'));
  await buildOwnRepository(built);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(built, { recursive: true, force: true });
});

/** A private copy of the built repository, served on its own port. */
async function repository(): Promise<{ dir: string; server: StaticServer }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-repo-'));
  await cp(built, dir, { recursive: true });
  const server = await startStaticServer(dir);
  servers.push(server);
  return { dir, server };
}

async function options(server: StaticServer, extra: Partial<InstallOptions> = {}): Promise<InstallOptions> {
  return {
    cacheDir: await mkdtemp(join(tmpdir(), 'sb-cache-')),
    repositories: { own: { url: `${server.url}index.yaml` } },
    plugins: ['own/greet'],
    platform: { os: 'linux', arch: 'amd64' },
    http: { retries: 2, retryBaseMs: 10, idleTimeoutMs: 1000, timeoutMs: 2000 },
    ...extra,
  };
}

/** Nothing half-installed: no binary, no record, no temp directory. */
async function expectNothingInstalled(cacheDir: string): Promise<void> {
  const files = await readdir(join(cacheDir, 'own')).catch(() => [] as string[]);
  expect(files.filter((f) => !f.endsWith('.yaml'))).toEqual([]);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Replaces the linux/amd64 greet archive with `archive` and fixes the index checksum so only the archive is wrong. */
async function swapArchive(dir: string, archive: Buffer): Promise<void> {
  const file = join(dir, 'executor_greet_linux_amd64.tar.gz');
  const old = sha256(await readFile(file));
  await writeFile(file, archive);
  const index = await readFile(join(dir, 'index.yaml'), 'utf8');
  await writeFile(join(dir, 'index.yaml'), index.replaceAll(old, sha256(archive)));
}

const tgz = (entries: TarEntry[]) => gzipReproducible(writeTar(entries, { sort: false }));

describe('install failures: a clear error and nothing half-installed', () => {
  it('404: names repository, plugin, version, URL and status, without retrying', async () => {
    const { server } = await repository();
    server.fault('/executor_greet_linux_amd64.tar.gz', { status: 404 });
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toThrow(
      /repository own: executor greet v1\.0\.0 \(linux\/amd64\): download of http:\/\/127\.0\.0\.1:\d+\/executor_greet_linux_amd64\.tar\.gz failed: HTTP 404$/,
    );
    expect(server.requests.filter((r) => r.path === '/executor_greet_linux_amd64.tar.gz')).toHaveLength(1);
    await expectNothingInstalled(opts.cacheDir);
  });

  it('500: retried with backoff, then fails; a transient 500 recovers', async () => {
    const { server } = await repository();
    server.fault('/executor_greet_linux_amd64.tar.gz', { status: 500 });
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toMatchObject({
      code: 'SB_ERR_REPO_FETCH',
      message: expect.stringMatching(/HTTP 500 \(after 3 attempts\)/),
    });
    expect(server.requests.filter((r) => r.path === '/executor_greet_linux_amd64.tar.gz')).toHaveLength(3);
    await expectNothingInstalled(opts.cacheDir);
    server.fault('/executor_greet_linux_amd64.tar.gz', { status: 502, times: 1 });
    expect((await installPlugins(opts)).plugins[0]?.source).toBe('download');
  });

  it('a missing index is an error naming the repository and URL', async () => {
    const { server } = await repository();
    server.fault('/index.yaml', { status: 404 });
    await expect(installPlugins(await options(server))).rejects.toThrow(
      /repository own: index: http:\/\/127\.0\.0\.1:\d+\/index\.yaml not found \(HTTP 404\)/,
    );
  });

  it('a truncated download (connection cut before Content-Length bytes) fails', async () => {
    const { server } = await repository();
    server.fault('/executor_greet_linux_amd64.tar.gz', { truncateAt: 1000 });
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toMatchObject({ code: 'SB_ERR_REPO_FETCH' });
    await expectNothingInstalled(opts.cacheDir);
  });

  it('a stalled server hits the idle timeout', async () => {
    const { server } = await repository();
    server.fault('/executor_greet_linux_amd64.tar.gz', { delayMs: 4000 });
    // Room for the index to arrive on a loaded machine, and still far below the 4 s stall.
    const opts = await options(server, { http: { retries: 0, timeoutMs: 1500 } });
    await expect(installPlugins(opts)).rejects.toThrow(/timed out/);
    await expectNothingInstalled(opts.cacheDir);
  });

  it('a wrong checksum is refused before anything is unpacked', async () => {
    const { dir, server } = await repository();
    await writeFile(
      join(dir, 'executor_greet_linux_amd64.tar.gz'),
      tgz([{ name: 'executor_greet', data: Buffer.from('#!/bin/sh\necho evil\n') }]),
    );
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toMatchObject({
      code: 'SB_ERR_REPO_CHECKSUM',
      message: expect.stringMatching(
        /sha256 of http:.*executor_greet_linux_amd64\.tar\.gz is [0-9a-f]{64}, expected [0-9a-f]{64}; nothing was installed/,
      ),
    });
    await expectNothingInstalled(opts.cacheDir);
  });

  it('a dependency with a wrong checksum fails the whole plugin', async () => {
    const { dir, server } = await repository();
    await writeFile(
      join(dir, 'deps/greeting-1.0.tar.gz'),
      tgz([{ name: 'greeting-1.0/greeting', data: Buffer.from('evil') }]),
    );
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toThrow(/dependency greeting: sha256 of .* expected 4113313e/);
    await expectNothingInstalled(opts.cacheDir);
  });

  it('a corrupt archive is refused', async () => {
    const { dir, server } = await repository();
    await swapArchive(dir, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(200, 7)]));
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toMatchObject({
      code: 'SB_ERR_REPO_ARCHIVE',
      message: expect.stringMatching(/corrupt/),
    });
    await expectNothingInstalled(opts.cacheDir);
  });

  it.each([
    [
      '../ in a name',
      [{ name: '../../escape', data: Buffer.from('x') }],
      /refused entry "\.\.\/\.\.\/escape".*would escape/,
    ],
    [
      'an absolute path',
      [{ name: '/tmp/sb-absolute', data: Buffer.from('x') }],
      /refused entry "\/tmp\/sb-absolute": it is an absolute path/,
    ],
    [
      'a symlink pointing outside',
      [{ name: 'link', type: 'symlink', linkname: '../../../etc' }],
      /link to \.\.\/\.\.\/\.\.\/etc, outside/,
    ],
    [
      'an absolute symlink',
      [{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }],
      /link to the absolute path \/etc\/passwd/,
    ],
    [
      'a write through a symlink',
      [
        { name: 'd', type: 'symlink', linkname: '.' },
        { name: 'd/executor_greet', data: Buffer.from('x') },
      ],
      /written through a symbolic link/,
    ],
    [
      'a hard link to a file outside',
      [{ name: 'h', type: 'hardlink', linkname: '../../etc/passwd' }],
      /would escape/,
    ],
    ['a device file', [{ name: 'dev', type: 'chardev' }], /CharacterDevice entry/],
  ] as Array<[string, TarEntry[], RegExp]>)(
    'an archive with %s is rejected',
    async (_what, entries, message) => {
      const { dir, server } = await repository();
      await swapArchive(dir, tgz([...entries, { name: 'executor_greet', data: Buffer.from('#!/bin/sh\n') }]));
      const opts = await options(server);
      await expect(installPlugins(opts)).rejects.toMatchObject({
        code: 'SB_ERR_REPO_ARCHIVE',
        message: expect.stringMatching(message),
      });
      await expectNothingInstalled(opts.cacheDir);
    },
  );

  it('a file over the size cap is rejected, whether downloaded or extracted', async () => {
    const { dir, server } = await repository();
    const opts = await options(server, { limits: { maxDownloadBytes: 10_000 } });
    await expect(installPlugins(opts)).rejects.toMatchObject({ code: 'SB_ERR_REPO_SIZE_LIMIT' });
    await expectNothingInstalled(opts.cacheDir);
    // A small archive that unpacks to a big file (a "zip bomb" in miniature).
    await swapArchive(dir, tgz([{ name: 'executor_greet', data: Buffer.alloc(3_000_000) }]));
    const opts2 = await options(server, { limits: { maxFileBytes: 1_000_000 } });
    await expect(installPlugins(opts2)).rejects.toThrow(
      /entry "executor_greet" is larger than the cap of 1000000 bytes/,
    );
    await expectNothingInstalled(opts2.cacheDir);
  });

  it('malformed YAML and duplicate entries are refused with the entry named', async () => {
    const { dir, server } = await repository();
    await writeFile(join(dir, 'index.yaml'), 'entries:\n  - name: greet\n    type: [executor\n');
    await expect(installPlugins(await options(server))).rejects.toMatchObject({
      code: 'SB_ERR_REPO_INDEX_INVALID',
      message: expect.stringMatching(/is not valid YAML/),
    });
    const good = await readFile(join(built, 'index.yaml'), 'utf8');
    const entries = good.replace(/^entries:\n/, '');
    await writeFile(join(dir, 'index.yaml'), `entries:\n${entries}${entries.split('  - name: ticker')[0]}`);
    await expect(installPlugins(await options(server))).rejects.toThrow(
      /entries\[2\] \(greet\): duplicates entries\[0\]: executor greet v1\.0\.0 is listed twice/,
    );
  });

  it('no build for this platform lists the platforms there are', async () => {
    const { server } = await repository();
    await expect(
      installPlugins(await options(server, { platform: { os: 'windows', arch: 'amd64' } })),
    ).rejects.toMatchObject({
      code: 'SB_ERR_REPO_PLATFORM',
      message: expect.stringMatching(
        /no windows\/amd64 build of executor greet v1\.0\.0; it has darwin\/amd64, darwin\/arm64, linux\/amd64, linux\/arm64/,
      ),
    });
  });

  it('an entry without a checksum is refused unless the repository allows it', async () => {
    const { dir, server } = await repository();
    const index = await readFile(join(dir, 'index.yaml'), 'utf8');
    await writeFile(join(dir, 'index.yaml'), index.replace(/^ {8}checksum: [0-9a-f]{64}\n/gm, ''));
    const opts = await options(server);
    await expect(installPlugins(opts)).rejects.toThrow(
      /executor_greet_linux_amd64\.tar\.gz has no checksum; refusing it/,
    );
    expect(server.requests.some((r) => r.path.endsWith('.tar.gz'))).toBe(false);
    const allowed = {
      ...opts,
      repositories: {
        own: { ...opts.repositories.own, url: `${server.url}index.yaml`, allowMissingChecksums: true },
      },
    };
    expect((await installPlugins(allowed)).plugins[0]?.source).toBe('download');
  });

  it('signatures: a good one passes, a bad or missing one is refused when keys are configured', async () => {
    const { dir, server } = await repository();
    const signer = generateSigningKeyPair();
    const other = generateSigningKeyPair();
    const index = await readFile(join(dir, 'index.yaml'));
    const url = `${server.url}index.yaml`;
    const withKeys = (keys: string[]) => ({ own: { url, publicKeys: keys } });
    const opts = await options(server);
    await expect(
      installPlugins({ ...opts, repositories: withKeys([signer.publicBase64]) }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_REPO_SIGNATURE',
      message: expect.stringMatching(/index\.yaml\.sig is missing; refusing the unsigned index/),
    });
    await writeFile(join(dir, 'index.yaml.sig'), signDetached(index, parsePrivateKey(other.privatePem)));
    await expect(installPlugins({ ...opts, repositories: withKeys([signer.publicBase64]) })).rejects.toThrow(
      /does not verify against any of the 1 configured public key/,
    );
    await writeFile(join(dir, 'index.yaml.sig'), signDetached(index, parsePrivateKey(signer.privatePem)));
    const ok = await installPlugins({ ...opts, repositories: withKeys([other.publicPem, signer.publicPem]) });
    expect(ok.plugins[0]?.source).toBe('download');
    // The cached copy is re-checked too: a tampered cache is refused.
    await writeFile(join(opts.cacheDir, 'own.yaml'), `${index}\n# changed\n`);
    await expect(
      installPlugins({ ...opts, repositories: withKeys([signer.publicBase64]) }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_REPO_SIGNATURE',
    });
  });
});
