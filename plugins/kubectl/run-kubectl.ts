import { spawn } from 'node:child_process';

/** How one kubectl run ended, with what it printed. */
export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** Why it ended other than by itself: the time limit, the output limit, or the host cancelling. */
  stopped?: 'timeout' | 'output-limit' | 'cancelled';
  /** Set when kubectl could not be started at all. */
  startError?: string;
}

export interface RunKubectlOptions {
  file: string;
  args: string[];
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal;
  /** Working directory; default the plugin's own. */
  cwd?: string;
}

// kubectl colours nothing by default, but a kubeconfig or plugin might; chat shows escapes raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ansi = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * Runs kubectl with an argv array (never a shell), no stdin, in its own process group, and
 * collects stdout and stderr. It is stopped (SIGTERM to the group, SIGKILL 2 s later) at the
 * time limit, when stdout and stderr together pass `maxOutputBytes`, or when `signal` aborts.
 */
export function runKubectl(options: RunKubectlOptions): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let stopped: KubectlResult['stopped'];
    const child = spawn(options.file, options.args, {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: NonNullable<KubectlResult['stopped']>) => {
      if (stopped || child.exitCode !== null || child.pid === undefined) return;
      stopped = why;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), 2000);
    };
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      const room = options.maxOutputBytes - bytes;
      if (room <= 0) return;
      into.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      bytes += Math.min(chunk.length, room);
      if (bytes >= options.maxOutputBytes) stop('output-limit');
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('cancelled');
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    const finish = (result: Omit<KubectlResult, 'stdout' | 'stderr'>) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      resolve({
        stdout: Buffer.concat(out).toString('utf8').replace(ansi, ''),
        stderr: Buffer.concat(err).toString('utf8').replace(ansi, ''),
        ...result,
      });
    };
    child.on('error', (e) => finish({ exitCode: null, startError: e.message }));
    child.on('close', (code) => {
      // Whatever kubectl left running in its group goes with it.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      finish({ exitCode: code, ...(stopped ? { stopped } : {}) });
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
