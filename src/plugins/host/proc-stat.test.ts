import { describe, expect, it } from 'vitest';
import { parseProcStat, readProcIdentity } from './proc-stat.js';

describe('/proc/<pid>/stat', () => {
  it('counts fields from the last parenthesis, so a command name with blanks and ")" cannot shift them', () => {
    const rest = Array.from({ length: 50 }, (_, i) => String(i + 6)).join(' ');
    const stat = parseProcStat(`4242 (evil) name (x) S 1 4242 ${rest}\n`);
    // Fields 3-5 are state, ppid, pgrp; the list above starts at field 6, so field 22 is "22".
    expect(stat).toEqual({ state: 'S', ppid: 1, pgrp: 4242, startTime: '22' });
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat('1 (short) S 0')).toBeUndefined();
  });

  it('reads this process: its start time is stable and its command line is node', () => {
    const me = readProcIdentity(process.pid);
    expect(me?.startTime).toMatch(/^\d+$/);
    expect(readProcIdentity(process.pid)?.startTime).toBe(me?.startTime);
    expect(me?.cmdline[0]).toBe(process.argv[0]);
    expect(readProcIdentity(2 ** 22 + 1)).toBeUndefined();
  });
});
