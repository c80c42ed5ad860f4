import { createReadStream } from 'node:fs';

/**
 * Largest config file read, in bytes. Botkube's chart renders about 30 KiB; a config of many
 * megabytes is generated or a mistake (`-c /dev/zero`, a log file), and reading it whole would
 * make the agent grow with it at start and on every reload.
 */
export const maxConfigFileBytes = 16 * 1024 * 1024;

/** A config file over {@link maxConfigFileBytes}; the reader stopped at the limit. */
export class ConfigFileTooLarge extends Error {
  constructor(
    readonly file: string,
    readonly limit: number,
  ) {
    super(`the file is larger than the ${limit / (1024 * 1024)} MiB limit for config files`);
    this.name = 'ConfigFileTooLarge';
  }
}

/**
 * Reads a config file, never holding more than `limit + 1` bytes of it. Streams rather than
 * stat-then-read so pipes (`-c <(helm template …)`) work and a file that grows, or a device
 * that never ends, stops at the limit. Throws {@link ConfigFileTooLarge} or the fs error.
 */
export async function readConfigBytes(file: string, limit = maxConfigFileBytes): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) {
      length += (chunk as Buffer).length;
      if (length > limit) throw new ConfigFileTooLarge(file, limit);
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, length);
}
