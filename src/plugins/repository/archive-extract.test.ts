import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipReproducible, writeTar } from '../publish/tar-writer.js';
import { extractArchive } from './archive-extract.js';

const limits = { maxFileBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 };

/** A zip of stored (uncompressed) entries, made by Unix (so the mode is in the external attributes). */
function writeZip(entries: { name: string; data?: Buffer; mode: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = e.data ?? Buffer.alloc(0);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((e.mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('extractArchive, every format', () => {
  let dir: string;
  let dest: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-extract-'));
    dest = join(dir, 'out');
    await mkdir(dest);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const download = async (name: string, content: Uint8Array) => {
    const file = join(dir, name);
    await writeFile(file, content);
    return file;
  };

  it('unpacks a tar.gz', async () => {
    const file = await download(
      'p.tar.gz',
      gzipReproducible(writeTar([{ name: 'bin/plugin', data: Buffer.from('#!/bin/sh\n') }])),
    );
    await extractArchive(file, 'tar.gz', dest, limits, 'p.tar.gz');
    expect(await readFile(join(dest, 'bin/plugin'), 'utf8')).toBe('#!/bin/sh\n');
  });

  it('unpacks a zip: directories, files, and the executable bit from the entry mode', async () => {
    const file = await download(
      'p.zip',
      writeZip([
        { name: 'bin/', mode: 0o040755 },
        { name: 'bin/plugin', data: Buffer.from('#!/bin/sh\n'), mode: 0o100755 },
        { name: 'README', data: Buffer.from('hello'), mode: 0o100644 },
      ]),
    );
    await extractArchive(file, 'zip', dest, limits, 'p.zip');
    expect(await readFile(join(dest, 'bin/plugin'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await stat(join(dest, 'bin/plugin'))).mode & 0o111).not.toBe(0);
    expect((await stat(join(dest, 'README'))).mode & 0o111).toBe(0);
  });

  it('refuses a file that is not a zip, naming the archive', async () => {
    const file = await download('p.zip', Buffer.from('not a zip at all'));
    await expect(extractArchive(file, 'zip', dest, limits, 'p.zip')).rejects.toMatchObject({
      code: 'SB_ERR_REPO_ARCHIVE',
      message: expect.stringMatching(/^archive p\.zip is corrupt or not a zip archive: /),
    });
  });

  it('decompresses a .gz into the file named without .gz', async () => {
    const file = await download('plugin.gz', gzipSync(Buffer.from('binary')));
    await extractArchive(file, 'gz', dest, limits, 'plugin.gz');
    expect(await readFile(join(dest, 'plugin'), 'utf8')).toBe('binary');
  });

  it('stops a .gz that decompresses past the file cap', async () => {
    const file = await download('plugin.gz', gzipSync(Buffer.alloc(2 * 1024 * 1024)));
    await expect(extractArchive(file, 'gz', dest, limits, 'plugin.gz')).rejects.toMatchObject({
      code: 'SB_ERR_REPO_SIZE_LIMIT',
    });
  });

  it('refuses a .gz that is not gzip', async () => {
    const file = await download('plugin.gz', Buffer.from('plain'));
    await expect(extractArchive(file, 'gz', dest, limits, 'plugin.gz')).rejects.toMatchObject({
      code: 'SB_ERR_REPO_ARCHIVE',
      message: expect.stringMatching(/^archive plugin\.gz is corrupt or not a gz archive: /),
    });
  });

  it('copies a download that is not an archive under its output name', async () => {
    const file = await download('download', Buffer.from('raw'));
    await extractArchive(file, 'none', dest, limits, 'executor_echo');
    expect(await readFile(join(dest, 'executor_echo'), 'utf8')).toBe('raw');
  });
});
