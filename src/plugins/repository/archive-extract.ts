import {
  closeSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  lstatSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Parser, ReadEntry } from 'tar';
import type { Entry, ZipFile } from 'yauzl';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { checkLinkTarget, entryParts, safeEntryPath, unsafe } from './safe-path.js';

/** How a download is unpacked (go-getter's decompressors we support). */
export type ArchiveFormat = 'tar.gz' | 'tar' | 'zip' | 'gz' | 'none';

/** Caps that keep a hostile archive from filling the disk. */
export interface ExtractLimits {
  /** Largest single extracted file. */
  maxFileBytes: number;
  /** Largest sum of all extracted files. */
  maxTotalBytes: number;
  /** Most entries in one archive; default 10 000. */
  maxEntries?: number;
}

const unsupported = ['.tar.xz', '.txz', '.tar.bz2', '.tbz2', '.bz2', '.xz', '.tar.zst', '.zst'];

/**
 * The format of a download from its file name, or from go-getter's `?archive=`
 * (`false` disables extraction). Formats go-getter knows but Node cannot unpack
 * without extra packages (xz, bzip2) throw SB_ERR_REPO_ARCHIVE instead of being
 * saved as a "binary".
 */
export function detectFormat(fileName: string, forced?: string): ArchiveFormat {
  if (forced === 'false') return 'none';
  const name = forced ? `x.${forced.replace(/^\./, '')}` : fileName.toLowerCase();
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'tar.gz';
  if (name.endsWith('.tar')) return 'tar';
  if (name.endsWith('.zip')) return 'zip';
  if (name.endsWith('.gz')) return 'gz';
  const bad = unsupported.find((ext) => name.endsWith(ext));
  if (bad) {
    throw new SwitchboardError(
      'SB_ERR_REPO_ARCHIVE',
      `archive ${fileName}: ${bad} archives are not supported (use .tar.gz, .tgz, .zip or .gz)`,
    );
  }
  return 'none';
}

/**
 * Unpacks `file` into the existing directory `dest`. Regular files, directories,
 * symlinks and hard links that stay inside `dest` are allowed (hard links become
 * copies); anything else (devices, FIFOs), any escaping name or link, and any
 * file over the caps is refused with nothing left to trust: the caller deletes
 * `dest`. `gz` writes one file named after the download minus `.gz` (or
 * `outputName`); `none` copies the download as `outputName`.
 */
export async function extractArchive(
  file: string,
  format: ArchiveFormat,
  dest: string,
  limits: ExtractLimits,
  outputName: string,
): Promise<void> {
  const label = basename(outputName);
  const unpack = await unpackerFor(format, outputName);
  try {
    await unpack(file, dest, limits, label);
  } catch (err) {
    if (err instanceof SwitchboardError) throw err;
    throw new SwitchboardError(
      'SB_ERR_REPO_ARCHIVE',
      `archive ${label} is corrupt or not a ${format} archive: ${(err as Error).message}`,
      { cause: err, details: { archive: label, format } },
    );
  }
}

type Unpack = (file: string, dest: string, limits: ExtractLimits, archive: string) => Promise<void>;

/**
 * The unpacker of one format, with the modules it needs. They are imported here rather than
 * at start-up: an agent that installs from its cache never unpacks anything, and tar, yauzl
 * and zlib would otherwise stay in its memory for good (docs/benchmarks.md, agent idle memory).
 */
async function unpackerFor(format: ArchiveFormat, outputName: string): Promise<Unpack> {
  switch (format) {
    case 'tar.gz':
    case 'tar': {
      const { Parser } = await import('tar');
      return (file, dest, limits, archive) => extractTar(Parser, file, dest, limits, archive);
    }
    case 'zip': {
      const { default: yauzl } = await import('yauzl');
      return (file, dest, limits, archive) => extractZip(yauzl, file, dest, limits, archive);
    }
    case 'gz': {
      const { createGunzip } = await import('node:zlib');
      return async (file, dest, limits, archive) => {
        const target = join(dest, ...entryParts(outputName.replace(/\.gz$/i, ''), archive));
        await pipeline(
          createReadStream(file),
          createGunzip(),
          capStream(limits.maxFileBytes, archive),
          createWriteStream(target, { mode: 0o755 }),
        );
      };
    }
    case 'none':
      return (file, dest, _limits, archive) => copyFile(file, join(dest, ...entryParts(outputName, archive)));
  }
}

function sizeError(archive: string, name: string, limit: number): SwitchboardError {
  return new SwitchboardError(
    'SB_ERR_REPO_SIZE_LIMIT',
    `archive ${archive}: entry "${name}" is larger than the cap of ${limit} bytes`,
    { details: { archive, entry: name, limit } },
  );
}

function capStream(limit: number, archive: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(sizeError(archive, '(decompressed file)', limit));
      else done(null, chunk);
    },
  });
}

/** Tracks entry count and total size across one archive. */
function budget(limits: ExtractLimits, archive: string) {
  let total = 0;
  let entries = 0;
  return {
    entry(name: string) {
      entries++;
      if (entries > (limits.maxEntries ?? 10_000)) {
        throw new SwitchboardError(
          'SB_ERR_REPO_SIZE_LIMIT',
          `archive ${archive}: more than ${limits.maxEntries ?? 10_000} entries`,
          {
            details: { archive, entry: name },
          },
        );
      }
    },
    bytes(name: string, fileBytes: number, chunk: number) {
      total += chunk;
      if (fileBytes > limits.maxFileBytes) throw sizeError(archive, name, limits.maxFileBytes);
      if (total > limits.maxTotalBytes) {
        throw new SwitchboardError(
          'SB_ERR_REPO_SIZE_LIMIT',
          `archive ${archive}: extracted content exceeds the cap of ${limits.maxTotalBytes} bytes`,
          { details: { archive, entry: name, limit: limits.maxTotalBytes } },
        );
      }
    },
  };
}

function writeDirectory(dest: string, name: string, archive: string): void {
  mkdirSync(safeEntryPath(dest, name, archive), { recursive: true, mode: 0o755 });
}

function parentFor(dest: string, name: string, archive: string): string {
  const target = safeEntryPath(dest, name, archive);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  // mkdir may have created directories through which the path now runs; re-check.
  return safeEntryPath(dest, name, archive);
}

function writeSymlink(dest: string, name: string, target: string, archive: string): void {
  checkLinkTarget(name, target, archive);
  symlinkSync(target, parentFor(dest, name, archive));
}

function writeHardLink(dest: string, name: string, target: string, archive: string): void {
  const source = safeEntryPath(dest, target, archive);
  let isFile = false;
  try {
    isFile = lstatSync(source).isFile();
  } catch {
    // Missing: refused below.
  }
  if (!isFile)
    throw unsafe(archive, name, `it is a hard link to ${target}, which is not a file extracted before it`);
  copyFileSync(source, parentFor(dest, name, archive));
}

const fileMode = (mode: number | undefined) => 0o644 | ((mode ?? 0) & 0o111);

async function extractTar(
  TarParser: typeof Parser,
  file: string,
  dest: string,
  limits: ExtractLimits,
  archive: string,
): Promise<void> {
  const spend = budget(limits, archive);
  let failure: unknown;
  const parser = new TarParser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (failure !== undefined) {
        entry.resume();
        return;
      }
      try {
        handleTarEntry(entry, dest, archive, spend, limits, (err) => {
          failure ??= err;
          parser.abort(err as Error);
        });
      } catch (err) {
        failure ??= err;
        entry.resume();
        parser.abort(err as Error);
      }
    },
  });
  try {
    await pipeline(createReadStream(file), parser);
  } catch (err) {
    throw failure ?? err;
  }
  if (failure !== undefined) throw failure;
}

function handleTarEntry(
  entry: ReadEntry,
  dest: string,
  archive: string,
  spend: ReturnType<typeof budget>,
  limits: ExtractLimits,
  fail: (err: unknown) => void,
): void {
  const name = entry.path;
  spend.entry(name);
  switch (entry.type) {
    case 'Directory':
      writeDirectory(dest, name, archive);
      entry.resume();
      return;
    case 'SymbolicLink':
      writeSymlink(dest, name, entry.linkpath ?? '', archive);
      entry.resume();
      return;
    case 'Link':
      writeHardLink(dest, name, entry.linkpath ?? '', archive);
      entry.resume();
      return;
    case 'File':
    case 'OldFile':
    case 'ContiguousFile': {
      if ((entry.size ?? 0) > limits.maxFileBytes) throw sizeError(archive, name, limits.maxFileBytes);
      const fd = openSync(parentFor(dest, name, archive), 'wx', fileMode(entry.mode));
      let written = 0;
      let closed = false;
      const close = () => {
        if (!closed) closeSync(fd);
        closed = true;
      };
      entry.on('data', (chunk: Buffer) => {
        if (closed) return;
        try {
          written += chunk.length;
          spend.bytes(name, written, chunk.length);
          writeSync(fd, chunk);
        } catch (err) {
          close();
          fail(err);
        }
      });
      entry.on('end', close);
      return;
    }
    default:
      throw unsafe(
        archive,
        name,
        `it is a ${entry.type} entry; only files, directories and links are allowed`,
      );
  }
}

async function extractZip(
  yauzl: typeof import('yauzl'),
  file: string,
  dest: string,
  limits: ExtractLimits,
  archive: string,
): Promise<void> {
  const spend = budget(limits, archive);
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(file, {
      lazyEntries: true,
      strictFileNames: true,
      validateEntrySizes: true,
    });
  } catch (err) {
    throw wrapZipError(err, archive);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err) => reject(wrapZipError(err, archive)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: Entry) => {
        handleZipEntry(zip, entry, dest, archive, spend, limits).then(
          () => zip.readEntry(),
          (err) => reject(err),
        );
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function wrapZipError(err: unknown, archive: string): SwitchboardError {
  const message = (err as Error).message;
  if (/absolute path|invalid relative path|invalid characters/.test(message)) {
    return new SwitchboardError('SB_ERR_REPO_ARCHIVE', `archive ${archive}: refused entry: ${message}`, {
      cause: err,
    });
  }
  return new SwitchboardError(
    'SB_ERR_REPO_ARCHIVE',
    `archive ${archive} is corrupt or not a zip archive: ${message}`,
    {
      cause: err,
    },
  );
}

async function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('symlink target too long');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function handleZipEntry(
  zip: ZipFile,
  entry: Entry,
  dest: string,
  archive: string,
  spend: ReturnType<typeof budget>,
  limits: ExtractLimits,
): Promise<void> {
  const name = entry.fileName;
  spend.entry(name);
  const mode = entry.externalFileAttributes >>> 16;
  const kind = mode & 0o170000;
  if (name.endsWith('/') || kind === 0o040000) {
    writeDirectory(dest, name, archive);
    return;
  }
  if (kind !== 0 && kind !== 0o100000 && kind !== 0o120000) {
    throw unsafe(archive, name, 'it is a special file; only files, directories and links are allowed');
  }
  if (entry.uncompressedSize > limits.maxFileBytes) throw sizeError(archive, name, limits.maxFileBytes);
  const stream = await zip.openReadStreamPromise(entry);
  if (kind === 0o120000) {
    writeSymlink(dest, name, (await readAll(stream, 4096)).toString('utf8'), archive);
    return;
  }
  const target = parentFor(dest, name, archive);
  await mkdir(dirname(target), { recursive: true });
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      try {
        spend.bytes(name, written, chunk.length);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
  await pipeline(stream, counter, createWriteStream(target, { flags: 'wx', mode: fileMode(mode) }));
}
