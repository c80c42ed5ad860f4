import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the agent keeps runtime state (command-made changes, the quickstart config, its
 * plugins): `SWITCHBOARD_STATE_DIR`, else `$XDG_STATE_HOME/switchboard`, else
 * `~/.local/state/switchboard`. The Helm chart sets the variable to a volume.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHBOARD_STATE_DIR) return env.SWITCHBOARD_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'switchboard');
}
