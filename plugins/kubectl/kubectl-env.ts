import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a plugin's tool binary may come from: its config key and its environment variable. */
export interface ToolLookup {
  binary: string;
  configKey: string;
  envVar: string;
}

/**
 * Which binary of a tool runs: the configured path, else `$PLUGIN_DEPENDENCY_DIR/<binary>` (the
 * index dependency the host downloaded and checked), else the tool's environment variable.
 * Throws naming every place it looked.
 */
export async function resolveTool(
  tool: ToolLookup,
  configured: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const candidates: [string, string][] = [];
  if (configured) candidates.push([`${tool.configKey} in the config`, configured]);
  if (env.PLUGIN_DEPENDENCY_DIR) {
    candidates.push(['the plugin dependency', join(env.PLUGIN_DEPENDENCY_DIR, tool.binary)]);
  }
  const fromEnv = env[tool.envVar];
  if (fromEnv) candidates.push([`$${tool.envVar}`, fromEnv]);
  const looked: string[] = [];
  for (const [what, file] of candidates) {
    if (await isExecutable(file)) return file;
    looked.push(`${what} (${file})`);
    // A configured path that does not work is an error, not a reason to pick another binary.
    if (file === configured) break;
  }
  throw new Error(
    `${tool.binary} not found: looked at ${looked.join(', ') || `nothing (no ${tool.configKey}, PLUGIN_DEPENDENCY_DIR or ${tool.envVar})`}. Install the plugin from an index with its ${tool.binary} dependency, or set ${tool.configKey}.`,
  );
}

/** Which kubectl runs: `kubectlPath`, the plugin dependency, or `$KUBECTL`. */
export function resolveKubectl(configured: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  return resolveTool({ binary: 'kubectl', configKey: 'kubectlPath', envVar: 'KUBECTL' }, configured, env);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A kubeconfig written for one call; `remove()` deletes it. */
export interface CallKubeconfig {
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes the call's kubeconfig bytes to a fresh 0600 file in a fresh 0700 directory under the
 * plugin's private TMPDIR, so no other call and no other user can read it.
 */
export async function writeCallKubeconfig(bytes: Uint8Array): Promise<CallKubeconfig> {
  const dir = join(tmpdir(), `kubectl-call-${randomBytes(8).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  const path = join(dir, 'kubeconfig');
  await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * kubectl's environment: PATH (exec credential plugins named by the agent's kubeconfig need it),
 * HOME pointing at a directory of the plugin's own that keeps the discovery cache between calls
 * (without one every call re-discovers the API, which Botkube users hit as throttling), and
 * KUBECONFIG. Nothing else of the plugin's environment is passed on.
 */
export async function kubectlEnvironment(
  kubeconfig: string,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, string>> {
  const home = join(tmpdir(), 'kubectl-home');
  await mkdir(home, { recursive: true, mode: 0o700 });
  const out: Record<string, string> = { HOME: home, KUBECONFIG: kubeconfig };
  if (env.PATH) out.PATH = env.PATH;
  for (const name of ['LANG', 'LC_ALL', 'TZ']) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
