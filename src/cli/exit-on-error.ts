import type { Command } from '@oclif/core';
import { SwitchboardError } from '../errors/switchboard-error.js';

/**
 * Ends `command` for an expected failure: a `SwitchboardError`'s message is written to stderr as
 * is (oclif's formatter wraps long lines and would split stderr tails and paths), then the command
 * exits with `usageExitCode` for `SB_ERR_CLI_USAGE` (default 1) and with 1 for any other code. Any
 * other error is rethrown so oclif reports it with its stack.
 */
export function exitOnSwitchboardError(
  command: Command,
  err: unknown,
  options: { usageExitCode?: 1 | 2 } = {},
): never {
  if (!(err instanceof SwitchboardError)) throw err;
  process.stderr.write(`Error: ${err.message}\n`);
  return command.exit(err.code === 'SB_ERR_CLI_USAGE' ? (options.usageExitCode ?? 1) : 1);
}
