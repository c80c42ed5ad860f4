import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Largest secret file read, in bytes. Tokens, passwords and webhook URLs are well under 1 KiB;
 * a PEM certificate chain is a few KiB. A larger "secret" is a mistake (a log file, a device)
 * and reading it whole would make the agent grow with it.
 */
export const maxSecretFileBytes = 64 * 1024;

/** Why a secret file could not be used; `reason` is safe to print (never the contents). */
export class SecretFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot read secret file ${file}: ${reason}`);
    this.name = 'SecretFileError';
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a `{fromFile}` secret. Symlinks are followed (Kubernetes mounts Secrets as symlinks into
 * `..data`), but what they lead to must be a regular file of at most `limit` bytes. The file is
 * opened non-blocking, so a FIFO with no writer is refused instead of hanging the loader, and
 * never more than `limit + 1` bytes are read, so a file that grows after the size check (or
 * lies about its size, like `/proc` files) cannot make the agent buffer it.
 * Throws {@link SecretFileError}.
 */
export function readSecretFile(file: string, limit = maxSecretFileBytes): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'ELOOP'
            ? 'too many levels of symbolic links'
            : code === 'ENXIO'
              ? 'it is a socket; a secret must be a regular file'
              : (err as Error).message;
    throw new SecretFileError(file, reason);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new SecretFileError(file, `it is ${kindOf(stats)}; a secret must be a regular file`);
    }
    const tooLarge = () =>
      new SecretFileError(
        file,
        `it is larger than the ${limit / 1024} KiB limit for secret files (a secret file holds one token, password or URL)`,
      );
    if (stats.size > limit) throw tooLarge();
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > limit) throw tooLarge();
    }
    // A copy, so a short token does not keep the whole read buffer alive.
    return Buffer.from(buffer.subarray(0, length));
  } catch (err) {
    if (err instanceof SecretFileError) throw err;
    throw new SecretFileError(file, (err as Error).message);
  } finally {
    closeSync(fd);
  }
}
