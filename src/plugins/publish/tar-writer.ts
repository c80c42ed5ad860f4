import { gzipSync } from 'node:zlib';

/** One entry of a tar archive written by {@link writeTar}. */
export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';
  /** File content (files only). */
  data?: Uint8Array;
  /** Defaults: 0o755 for files and directories. */
  mode?: number;
  /** Link target (symlink, hardlink). */
  linkname?: string;
  /** Seconds since the epoch; defaults to the fixed {@link reproducibleMtime}. */
  mtime?: number;
}

/** 2000-01-01T00:00:00Z: a fixed mtime (0 upsets some tools). */
export const reproducibleMtime = 946_684_800;

const typeFlags: Record<NonNullable<TarEntry['type']>, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  chardev: '3',
  directory: '5',
  fifo: '6',
};

/**
 * Writes a ustar archive byte for byte the same for the same input: entries
 * sorted by name, uid/gid 0, no user/group names, a fixed mtime. Names are
 * written as given (no normalisation), so tests can also build hostile archives
 * (`../x`, absolute paths, links, devices) with it.
 */
export function writeTar(entries: readonly TarEntry[], options: { sort?: boolean } = {}): Buffer {
  const list =
    options.sort === false
      ? [...entries]
      : [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blocks: Buffer[] = [];
  for (const entry of list) {
    const data =
      entry.type === undefined || entry.type === 'file'
        ? Buffer.from(entry.data ?? new Uint8Array())
        : Buffer.alloc(0);
    blocks.push(header(entry, data.length));
    if (data.length > 0) {
      blocks.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad > 0) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/**
 * gzip with fixed settings (level 9) and a fixed header: no file name, mtime 0,
 * OS byte forced to 3 (Unix) because zlib derives it from the build platform.
 * The deflate stream itself is deterministic for one zlib version.
 */
export function gzipReproducible(data: Uint8Array): Buffer {
  const out = gzipSync(data, { level: 9, memLevel: 8, windowBits: 15, strategy: 0 });
  out[9] = 3;
  return out;
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  const name = Buffer.from(entry.name, 'utf8');
  let prefix = Buffer.alloc(0);
  let short = name;
  if (name.length > 100) {
    const cut = entry.name.lastIndexOf('/', 155);
    if (cut <= 0 || name.length - cut - 1 > 100) throw new Error(`tar entry name too long: ${entry.name}`);
    prefix = Buffer.from(entry.name.slice(0, cut), 'utf8');
    short = Buffer.from(entry.name.slice(cut + 1), 'utf8');
  }
  short.copy(block, 0);
  octal(block, 100, 8, entry.mode ?? 0o755);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, entry.mtime ?? reproducibleMtime);
  block.write('        ', 148, 'ascii');
  block.write(typeFlags[entry.type ?? 'file'], 156, 'ascii');
  if (entry.linkname) Buffer.from(entry.linkname, 'utf8').copy(block, 157, 0, 100);
  block.write('ustar\u000000', 257, 'binary');
  octal(block, 329, 8, 0);
  octal(block, 337, 8, 0);
  prefix.copy(block, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'ascii');
}
