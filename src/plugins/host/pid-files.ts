import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { readProcIdentity } from './proc-stat.js';

/** What a pid file records of one plugin process. */
export interface PidRecord {
  plugin: string;
  pid: number;
  /** `/proc/<pid>/stat` field 22 when it was started. */
  startTime: string;
  /** The plugin binary; its command line must still name it. */
  binary: string;
  /** The launch's private directory (`…/sbp-XXXXXX`, its socket), removed with the record. */
  privateDir?: string;
  /** The agent that started it: while that same process runs, the record is its own, not an orphan's. */
  agentPid: number;
  agentStartTime?: string;
}

/** A process a previous agent left running, as found (and stopped) by {@link PluginPidFiles.reapOrphans}. */
export interface ReapedProcess {
  plugin: string;
  pid: number;
  binary: string;
}

/**
 * The directory of one agent's pid files: `<stateDir>/plugin-processes/<key>`, keyed by its
 * config files (resolved, sorted, hashed) so that two agents sharing a state directory with
 * different configs never take each other's plugins for their own.
 */
export function pidFilesDir(stateDir: string, configFiles: readonly string[]): string {
  const paths = configFiles.map((file) => resolve(file)).sort();
  const key = createHash('sha256').update(paths.join('\0')).digest('hex').slice(0, 16);
  return join(stateDir, 'plugin-processes', key);
}

export interface PluginPidFilesOptions {
  dir: string;
  logger: Logger;
  /** Where /proc is (tests of the parser use a fake tree). */
  procRoot?: string;
}

/**
 * One pid file per running plugin process, so an agent killed with SIGKILL (which takes
 * nothing with it: each plugin leads its own process group) can stop what it left on its
 * next start. A file is written, synchronously, as soon as the process exists, and removed
 * when it exits; a recorded process is stopped only while it is the same process (same
 * start time) still running the plugin binary, so a pid reused by anything else is left alone.
 */
export class PluginPidFiles {
  readonly dir: string;
  readonly #log: Logger;
  readonly #procRoot: string;
  readonly #removals = new Set<Promise<void>>();
  readonly #agentStartTime: string | undefined;

  constructor(options: PluginPidFilesOptions) {
    this.dir = options.dir;
    this.#log = options.logger.child({ component: 'plugin-processes' });
    this.#procRoot = options.procRoot ?? '/proc';
    this.#agentStartTime = readProcIdentity(process.pid, this.#procRoot)?.startTime;
  }

  /** Records a process just spawned and removes the record once `exited` settles. */
  track(
    spawned: { plugin: string; binary: string; pid: number; privateDir?: string },
    exited: Promise<unknown>,
  ): void {
    const { plugin, pid } = spawned;
    const identity = readProcIdentity(pid, this.#procRoot);
    // Already gone (or no /proc): there is nothing a later start could stop.
    if (!identity) return;
    const record: PidRecord = {
      ...spawned,
      startTime: identity.startTime,
      agentPid: process.pid,
      ...(this.#agentStartTime ? { agentStartTime: this.#agentStartTime } : {}),
    };
    const file = join(this.dir, `${pid}.json`);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Written aside and renamed: an agent killed mid-write leaves no half record.
      writeFileSync(`${file}.tmp`, `${JSON.stringify(record)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      this.#log.warn(
        { plugin, pid, file, err: (err as Error).message },
        'could not record the plugin process; if the agent is killed it may be left running',
      );
      return;
    }
    const removal = exited
      .catch(() => undefined)
      .then(() => rm(file, { force: true }))
      .catch(() => undefined)
      .finally(() => this.#removals.delete(removal));
    this.#removals.add(removal);
  }

  /** Resolves once the records of every process that has exited are removed. */
  async settled(): Promise<void> {
    while (this.#removals.size > 0) await Promise.all([...this.#removals]);
  }

  /**
   * Stops (SIGKILL of the process group it leads) every recorded process that is still the
   * same process running its plugin binary, logs each, and removes all records. Call it
   * before starting plugins: every record there is from an agent that is gone.
   */
  async reapOrphans(): Promise<ReapedProcess[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const reaped: ReapedProcess[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      const record = name.endsWith('.json') ? await readRecord(file) : undefined;
      if (record && this.#ownerRuns(record)) {
        // Another agent on the same config files and state directory: its plugins are not orphans.
        this.#log.warn(
          { plugin: record.plugin, pid: record.pid, agentPid: record.agentPid },
          'another agent with the same config files and state directory is running; its plugin process is left alone',
        );
        continue;
      }
      if (record) {
        const live = readProcIdentity(record.pid, this.#procRoot);
        const same =
          live !== undefined && live.startTime === record.startTime && live.cmdline.includes(record.binary);
        if (same) {
          // Plugins are spawned detached: the plugin leads its group, and its own children
          // (kubectl, shells) are in it too.
          const target = live.pgrp === record.pid ? -record.pid : record.pid;
          try {
            process.kill(target, 'SIGKILL');
            reaped.push({ plugin: record.plugin, pid: record.pid, binary: record.binary });
            this.#log.warn(
              {
                plugin: record.plugin,
                pid: record.pid,
                binary: record.binary,
                previousAgentPid: record.agentPid,
              },
              'stopped a plugin process left running by a previous agent',
            );
          } catch (err) {
            this.#log.warn(
              { plugin: record.plugin, pid: record.pid, err: (err as Error).message },
              'could not stop a plugin process left running by a previous agent',
            );
          }
        } else if (live) {
          this.#log.debug(
            { plugin: record.plugin, pid: record.pid },
            'a recorded plugin pid now belongs to another process; left alone',
          );
        }
        // The launch's own mkdtemp directory, whether its process was stopped now or died with
        // the agent; the pattern keeps a tampered record from naming anything else.
        if (typeof record.privateDir === 'string' && /^\/.+\/sbp-[A-Za-z0-9]{6}$/.test(record.privateDir)) {
          await rm(record.privateDir, { recursive: true, force: true }).catch(() => undefined);
        }
      }
      await rm(file, { force: true });
    }
    return reaped;
  }

  #ownerRuns(record: PidRecord): boolean {
    if (record.agentStartTime === undefined || record.agentPid === process.pid) return false;
    return readProcIdentity(record.agentPid, this.#procRoot)?.startTime === record.agentStartTime;
  }
}

async function readRecord(file: string): Promise<PidRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<PidRecord>;
    if (
      typeof record.pid !== 'number' ||
      !Number.isInteger(record.pid) ||
      record.pid <= 1 ||
      typeof record.startTime !== 'string' ||
      typeof record.binary !== 'string' ||
      record.binary === ''
    ) {
      return undefined;
    }
    return {
      plugin: String(record.plugin ?? ''),
      agentPid: Number(record.agentPid ?? 0),
      ...record,
    } as PidRecord;
  } catch {
    return undefined;
  }
}
