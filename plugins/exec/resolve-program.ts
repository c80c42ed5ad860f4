import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AllowedCommand } from './config.js';

/**
 * The absolute path of the program an allowed command runs: its configured `path`, else the
 * first executable file named `name` in the plugin's own PATH (relative PATH entries are
 * skipped, so the working directory can never supply the program). The name comes from the
 * config's keys, never from user text. Throws with what to fix when nothing is found.
 */
export async function resolveProgram(
  name: string,
  command: AllowedCommand,
  pathEnv: string,
): Promise<string> {
  if (command.path !== undefined) {
    if (await isExecutableFile(command.path)) return command.path;
    throw new Error(
      `${command.path} (configured for ${name}) is not an executable file; fix commands.${name}.path`,
    );
  }
  for (const dir of pathEnv.split(':')) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new Error(
    `${name} was not found in PATH (${pathEnv}); set commands.${name}.path to its absolute path`,
  );
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
