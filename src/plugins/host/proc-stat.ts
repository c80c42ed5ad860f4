import { readFileSync } from 'node:fs';

/** The fields of `/proc/<pid>/stat` that identify a process and its group. */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: clock ticks after boot at which the process started; with the pid, it names one process. */
  startTime: string;
}

/**
 * Parses `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may itself hold
 * blanks and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  // After the name: field 3 (state) onwards.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const [state, ppid, pgrp] = fields;
  const startTime = fields[22 - 3];
  if (state === undefined || ppid === undefined || pgrp === undefined || startTime === undefined)
    return undefined;
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), startTime };
}

/** What /proc says of a live process (zombies count as gone), or undefined. */
export interface ProcIdentity extends ProcStat {
  cmdline: string[];
}

export function readProcIdentity(pid: number, procRoot = '/proc'): ProcIdentity | undefined {
  try {
    const stat = parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
    const cmdline = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
    return { ...stat, cmdline };
  } catch {
    return undefined;
  }
}
