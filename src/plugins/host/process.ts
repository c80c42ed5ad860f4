import { type ChildProcess, spawn } from 'node:child_process';
import { PluginError } from '../../errors/switchboard-error.js';
import { type PluginLogLine, parseHclogLine } from '../../log/hclog.js';
import { type Handshake, parseHandshake } from './handshake.js';
import { launchCommand } from './launch-command.js';
import { LineTail, readLines } from './line-reader.js';
import type { LogBudget } from './log-budget.js';

/** How a plugin process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last stderr lines at exit, for crash reports. */
  stderrTail: string[];
}

export interface PluginProcessOptions {
  /** Plugin key, used in every message. */
  name: string;
  binary: string;
  args?: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  startTimeoutMs: number;
  acceptedAppVersions: readonly number[];
  /** Each stderr line, parsed (hclog JSON keeps its level; plain lines are errors). */
  onLog(line: PluginLogLine): void;
  /** Lines it refuses are not passed to onLog (the stderr tail keeps them all the same). */
  logBudget?: LogBudget;
  /** Called once the process exists (before its handshake), with the promise of its exit. */
  onSpawn?(pid: number, exited: Promise<ProcessExit>): void;
}

/** A plugin process that printed a valid handshake. */
export interface PluginProcess {
  pid: number;
  handshake: Handshake;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<ProcessExit>;
  /** Set once the process has exited. */
  exit(): ProcessExit | undefined;
  stderrTail(): string[];
  /** Sends `signal` to the plugin's whole process group (its own children too). */
  signalGroup(signal: NodeJS.Signals): void;
}

/**
 * Starts a plugin binary in its own process group with exactly `env`, stdin
 * closed, and waits for the handshake line on stdout (then keeps draining stdout
 * so a chatty plugin never blocks). Fails, with the tail of stderr in the
 * message, when the process cannot start, exits first, prints a bad handshake or
 * misses the start timeout; the process group is killed in every failure case.
 */
export function startPluginProcess(options: PluginProcessOptions): Promise<PluginProcess> {
  const tail = new LineTail();
  let child: ChildProcess;
  try {
    const launch = launchCommand(options.binary, options.args ?? []);
    child = spawn(launch.command, launch.args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (err) {
    return Promise.reject(spawnError(options, err));
  }

  let exitInfo: ProcessExit | undefined;
  let stderrDone = false;
  let onExitResolved: (exit: ProcessExit) => void = () => {};
  const exited = new Promise<ProcessExit>((resolve) => {
    onExitResolved = resolve;
  });
  let rawExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const finishExit = () => {
    // Report the exit once stderr is read to the end, so the tail holds the panic.
    if (rawExit === undefined || exitInfo !== undefined || !stderrDone) return;
    exitInfo = { ...rawExit, stderrTail: tail.lines() };
    onExitResolved(exitInfo);
  };

  if (child.pid !== undefined) options.onSpawn?.(child.pid, exited);

  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };

  let panicLogged = false;
  readLines(
    child.stderr as NonNullable<typeof child.stderr>,
    (line) => {
      if (line.trim() === '') return;
      tail.push(line);
      // The first panic says why the plugin died: it is logged whatever the flood before it.
      const firstPanic = !panicLogged && /^(panic|fatal error): /.test(line);
      if (firstPanic) panicLogged = true;
      if (!firstPanic && options.logBudget && !options.logBudget.admit(Buffer.byteLength(line) + 1)) return;
      options.onLog(parseHclogLine(line));
    },
    () => {
      stderrDone = true;
      finishExit();
    },
  );
  // A killed child whose grandchildren keep stderr open would delay the exit report forever.
  child.on('exit', (code, signal) => {
    rawExit = { code, signal };
    setTimeout(() => {
      stderrDone = true;
      finishExit();
    }, 250).unref();
    finishExit();
  });

  return new Promise<PluginProcess>((resolve, reject) => {
    let settled = false;
    const fail = (error: PluginError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signalGroup('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => {
      fail(
        new PluginError(
          'SB_ERR_PLUGIN_START_TIMEOUT',
          `plugin ${options.name} printed no handshake within ${options.startTimeoutMs} ms and was killed` +
            `${tail.describe()}`,
          {
            details: {
              plugin: options.name,
              binary: options.binary,
              pid: child.pid,
              stderrTail: tail.lines(),
            },
          },
        ),
      );
    }, options.startTimeoutMs);

    child.on('error', (err) => fail(spawnError(options, err)));

    let first = true;
    readLines(child.stdout as NonNullable<typeof child.stdout>, (line) => {
      if (!first) return; // drained and discarded, as go-plugin does
      first = false;
      try {
        const handshake = parseHandshake(line, options.name, options.acceptedAppVersions);
        settled = true;
        clearTimeout(timer);
        resolve({
          pid: child.pid as number,
          handshake,
          exited,
          exit: () => exitInfo,
          stderrTail: () => tail.lines(),
          signalGroup,
        });
      } catch (err) {
        fail(err as PluginError);
      }
    });

    exited.then((exit) => {
      if (settled) return;
      const refusedCookie = exit.stderrTail.some((l) => l.includes('This binary is a plugin'));
      fail(
        refusedCookie
          ? new PluginError(
              'SB_ERR_PLUGIN_NOT_PLUGIN',
              `plugin ${options.name} refused to start: it says it is "not meant to be executed directly", ` +
                'which means it did not accept the Botkube magic cookie (it is built for a different host)',
              { details: { plugin: options.name, binary: options.binary, stderrTail: exit.stderrTail } },
            )
          : new PluginError(
              'SB_ERR_PLUGIN_EXITED',
              `plugin ${options.name} exited (${describeExit(exit)}) before printing its handshake${tail.describe()}`,
              { details: { plugin: options.name, binary: options.binary, ...exit } },
            ),
      );
    });
  });
}

/** "code 2" or "signal SIGKILL". */
export function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function spawnError(options: PluginProcessOptions, err: unknown): PluginError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOENT'
      ? 'the file does not exist'
      : code === 'EACCES'
        ? 'the file is not executable (chmod 0755?)'
        : code === 'ENOEXEC'
          ? 'the file is not a program for this OS/architecture'
          : String((err as Error).message ?? err);
  return new PluginError(
    'SB_ERR_PLUGIN_SPAWN',
    `could not start plugin ${options.name} from ${options.binary}: ${hint}`,
    {
      cause: err,
      details: { plugin: options.name, binary: options.binary },
    },
  );
}
