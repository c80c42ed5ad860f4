import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './build-fixtures.js';

/** What a CLI run ended with. */
export interface CliResult {
  /** Exit status; -1 when killed by a signal (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`bin/run.js`; global setup compiles dist/) as a child process and
 * resolves with its exit status and output, whatever the status. `cwd` defaults to the
 * repository root; the environment is PATH and HOME plus `env`.
 */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin/run.js'), ...args],
      {
        cwd: options.cwd ?? repoRoot,
        timeout: options.timeoutMs ?? 60_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A CLI child process started by {@link spawnCli}, with what it has written so far. */
export interface SpawnedCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
}

/**
 * Spawns the built CLI (`bin/run.js`) with `args` and collects its stdout and stderr as they
 * arrive; stdin is closed. `options` are passed to `spawn` (the environment is inherited unless
 * `env` is given). The caller waits for, and stops, the child.
 */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): SpawnedCli {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}
