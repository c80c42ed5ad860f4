import { type ConfigIssue, formatIssue } from '../config/issues.js';

/**
 * Writes config errors then warnings to stderr, one per line (`error: <file>:<line>:<col>:
 * <path>: <message>`). Written directly: oclif's formatter wraps long lines, which would split
 * paths and messages.
 */
export function printIssues(errors: readonly ConfigIssue[], warnings: readonly ConfigIssue[]): void {
  for (const issue of errors) process.stderr.write(`error: ${formatIssue(issue)}\n`);
  for (const issue of warnings) process.stderr.write(`warning: ${formatIssue(issue)}\n`);
}
