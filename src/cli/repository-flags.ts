import { Flags } from '@oclif/core';
import { Duration } from '../core/duration.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { RepositoryOptions } from '../plugins/repository/options.js';

/**
 * Transport flags of the commands that read repositories (`plugin install`, `pull`,
 * `list`): they override, for every repository, the per-repository settings of a config.
 */
export const repositoryTransportFlags = {
  'index-deadline': Flags.string({
    description:
      'longest the whole fetch of an index may take, retries included, e.g. 30s (default 60s, or the config)',
  }),
  'download-deadline': Flags.string({
    description:
      'longest the whole download of one archive may take, retries included, e.g. 10m (default 5m, or the config)',
  }),
  'max-index-bytes': Flags.integer({
    min: 1024,
    description: 'largest index.yaml accepted, in bytes (default 33554432 = 32 MiB, or the config)',
  }),
};

/** Applies the transport flags given to every repository, in place; SB_ERR_CLI_USAGE names a bad value. */
export function applyTransportFlags(
  repositories: Record<string, RepositoryOptions>,
  flags: { 'index-deadline'?: string; 'download-deadline'?: string; 'max-index-bytes'?: number },
): Record<string, RepositoryOptions> {
  const indexDeadlineMs = durationFlag(flags['index-deadline'], 'index-deadline');
  const downloadDeadlineMs = durationFlag(flags['download-deadline'], 'download-deadline');
  for (const repo of Object.values(repositories)) {
    if (indexDeadlineMs !== undefined) repo.indexDeadlineMs = indexDeadlineMs;
    if (downloadDeadlineMs !== undefined) repo.downloadDeadlineMs = downloadDeadlineMs;
    if (flags['max-index-bytes'] !== undefined) repo.maxIndexBytes = flags['max-index-bytes'];
  }
  return repositories;
}

function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  try {
    ms = Duration.parse(value).ms;
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CLI_USAGE', `--${flag} "${value}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (ms < 100) {
    throw new SwitchboardError(
      'SB_ERR_CLI_USAGE',
      `--${flag} "${value}" is too short; expected at least 100ms`,
    );
  }
  return ms;
}
