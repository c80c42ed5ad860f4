import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigFileTooLarge, readConfigBytes } from './config-file-read.js';
import { readConfigFile } from './yaml-file.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-config-read-'));
  dirs.push(dir);
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

describe('readConfigBytes', () => {
  it('reads a file within the limit whole', async () => {
    const file = await tempFile('c.yaml', 'settings:\n  clusterName: a\n');
    expect((await readConfigBytes(file, 64)).toString()).toBe('settings:\n  clusterName: a\n');
  });

  it('stops at the limit on a file one byte over it', async () => {
    const file = await tempFile('big.yaml', 'x'.repeat(65));
    await expect(readConfigBytes(file, 64)).rejects.toBeInstanceOf(ConfigFileTooLarge);
  });

  it('stops at the limit on a device that never ends, holding no more than the limit', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const err = await readConfigBytes('/dev/zero', 4 * 1024 * 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigFileTooLarge);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('reads a named pipe (what `-c <(helm template …)` hands over)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-config-fifo-'));
    dirs.push(dir);
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `printf 'settings:\\n  clusterName: piped\\n' > "$0"`, fifo], {
      stdio: 'ignore',
    });
    // Listen before reading: the writer may be gone by the time the read resolves.
    const exited = new Promise((resolve) => writer.once('close', resolve));
    const text = (await readConfigBytes(fifo)).toString();
    expect(await exited).toBe(0);
    expect(text).toBe('settings:\n  clusterName: piped\n');
  });
});

describe('readConfigFile', () => {
  it('names the file and the limit for /dev/zero instead of growing without bound', async () => {
    const { file, issues } = await readConfigFile('/dev/zero');
    expect(file).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/larger than the 16 MiB limit for config files/);
    expect(issues[0]?.source).toEqual({ kind: 'file', file: '/dev/zero' });
  });
});
