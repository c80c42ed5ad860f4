import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, describe, expect } from 'vitest';
import { lockQueueFile } from './queue-lock.js';

const test = base.extend<{ dir: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-queue-lock-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

const startTime = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] as string;
};

describe('delivery queue lock file', () => {
  test('refuses a queue held by another running process, naming the state directory and its pid', async ({
    dir,
  }) => {
    const other = spawn('sleep', ['30']);
    try {
      const queue = join(dir, 'delivery-queue-k.sqlite');
      writeFileSync(
        `${queue}.lock`,
        JSON.stringify({ pid: other.pid, startTime: startTime(other.pid as number) }),
      );
      expect(() => lockQueueFile(queue)).toThrow(
        expect.objectContaining({
          code: 'SB_ERR_QUEUE_LOCKED',
          message: expect.stringContaining(
            `in state directory ${dir} is in use by another agent (pid ${other.pid}`,
          ),
        }),
      );
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
  });

  test('takes over a lock whose holder is gone or whose pid now names another process', async ({ dir }) => {
    const queue = join(dir, 'q.sqlite');
    const gone = spawn('true');
    await once(gone, 'exit');
    writeFileSync(`${queue}.lock`, JSON.stringify({ pid: gone.pid, startTime: '1' }));
    const first = lockQueueFile(queue);
    first.release();
    expect(existsSync(`${queue}.lock`)).toBe(false);
    // A live pid with another start time: the pid was reused by an unrelated process.
    writeFileSync(`${queue}.lock`, JSON.stringify({ pid: 1, startTime: 'not-init' }));
    const second = lockQueueFile(queue);
    expect(JSON.parse(readFileSync(`${queue}.lock`, 'utf8'))).toEqual({
      pid: process.pid,
      startTime: startTime(process.pid),
    });
    second.release();
  });

  test('release leaves a lock that another process has taken since', async ({ dir }) => {
    const queue = join(dir, 'q.sqlite');
    const lock = lockQueueFile(queue);
    writeFileSync(`${queue}.lock`, JSON.stringify({ pid: 1, startTime: startTime(1) }));
    lock.release();
    expect(existsSync(`${queue}.lock`)).toBe(true);
  });
});
