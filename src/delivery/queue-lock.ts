import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SwitchboardError } from '../errors/switchboard-error.js';

/** What a lock file records: the holder, identified by pid and /proc start time (pids are reused). */
interface Holder {
  pid: number;
  startTime: string;
}

/** A held lock; `release` removes the file if it is still this process's. */
export interface QueueLock {
  readonly file: string;
  release(): void;
}

/** Field 22 of `/proc/<pid>/stat` (start time in clock ticks), or undefined when no such process runs. */
function startTimeOf(pid: number, procRoot: string): string | undefined {
  try {
    const text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold blanks and parentheses: count from the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid === 'number' && typeof parsed.startTime === 'string')
      return { pid: parsed.pid, startTime: parsed.startTime };
  } catch {
    // Unreadable or half-written: nobody can be shown to hold it.
  }
  return undefined;
}

/**
 * Takes `<queue file>.lock` for this process: two agents writing one SQLite queue would each
 * deliver the other's items (and ack them from under it). A lock whose holder is gone (killed,
 * or its pid now names another process) is taken over. Throws SB_ERR_QUEUE_LOCKED naming the
 * state directory and the other agent's pid while that agent runs.
 */
export function lockQueueFile(queueFile: string, procRoot = '/proc'): QueueLock {
  const file = `${queueFile}.lock`;
  const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid, procRoot) ?? '' };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return {
        file,
        release() {
          const holder = readHolder(file);
          if (holder?.pid === me.pid && holder.startTime === me.startTime) unlinkSync(file);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder && holder.pid !== me.pid && startTimeOf(holder.pid, procRoot) === holder.startTime)
      throw new SwitchboardError(
        'SB_ERR_QUEUE_LOCKED',
        `the delivery queue ${queueFile} in state directory ${dirname(queueFile)} is in use by another agent (pid ${holder.pid}, lock file ${file}); two agents cannot share one queue: stop that agent, or give this one its own --state-dir (or settings.delivery.store.type: jetstream with its own consumer)`,
        { details: { stateDir: dirname(queueFile), pid: holder.pid, lockFile: file } },
      );
    // The holder is gone (or it is this very process, reopening): take the lock over.
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new SwitchboardError(
    'SB_ERR_QUEUE_LOCKED',
    `could not take the lock file ${file}: it keeps reappearing`,
  );
}
