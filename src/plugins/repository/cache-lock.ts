import { randomBytes } from 'node:crypto';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';

export interface LockOptions {
  /** How long to wait for another holder (ms); default 5 min. */
  timeoutMs?: number;
  /** A lock whose file was not refreshed for this long is taken over (ms); default 2 min. */
  staleMs?: number;
  /** Poll interval while waiting (ms); default 100. */
  pollMs?: number;
  logger?: Logger;
}

/** A held lock; `release` is idempotent. */
export interface CacheLock {
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  createdAt: string;
}

/**
 * Takes `<dir>/.lock`, created with O_EXCL so exactly one process holds it. The
 * holder refreshes its mtime every staleMs/4. A waiting process takes the lock
 * over when its holder is a dead process on this host, or when it went stale
 * (crashed holder on another host sharing the volume); the takeover itself is
 * serialised by a second O_EXCL file so two waiters cannot both break it.
 * Gives up with SB_ERR_REPO_LOCK after `timeoutMs`.
 */
export async function acquireCacheLock(dir: string, options: LockOptions = {}): Promise<CacheLock> {
  const path = join(dir, '.lock');
  const timeoutMs = options.timeoutMs ?? 300_000;
  const staleMs = options.staleMs ?? 120_000;
  const pollMs = options.pollMs ?? 100;
  const content: LockContent = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    createdAt: new Date().toISOString(),
  };
  const deadline = Date.now() + timeoutMs;
  let logged = false;
  for (;;) {
    if (await tryCreate(path, JSON.stringify(content))) break;
    const holder = await readHolder(path);
    if (holder && (await isStale(path, holder, staleMs))) {
      await breakLock(path, holder, options.logger);
      continue;
    }
    if (!logged) {
      options.logger?.info(
        { lock: path, holder: holder?.pid },
        'waiting for another process to finish with the plugin cache',
      );
      logged = true;
    }
    if (Date.now() > deadline) {
      throw new SwitchboardError(
        'SB_ERR_REPO_LOCK',
        `plugin cache ${dir} is locked by pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'} (${path}); waited ${timeoutMs} ms`,
        { details: { lock: path, holder } },
      );
    }
    await new Promise((r) => setTimeout(r, pollMs * (0.5 + Math.random())));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, staleMs / 4);
  heartbeat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      const holder = await readHolder(path);
      if (holder?.token === content.token) await rm(path, { force: true });
    },
  };
}

async function tryCreate(path: string, text: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readHolder(path: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockContent;
  } catch {
    // Missing, or being written right now: treat as "held, unknown holder".
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string, holder: LockContent, staleMs: number): Promise<boolean> {
  if (holder.host === hostname() && !processAlive(holder.pid)) return true;
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > staleMs;
}

async function breakLock(path: string, holder: LockContent, logger: Logger | undefined): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Someone else is breaking it; a breaker left by a crash is cleared after 10 s.
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 10_000) await rm(breaker, { force: true });
    return;
  }
  try {
    const current = await readHolder(path);
    if (current?.token === holder.token) {
      logger?.warn({ lock: path, holder }, 'taking over a stale plugin cache lock');
      await rm(path, { force: true });
    }
  } finally {
    await rm(breaker, { force: true });
  }
}
