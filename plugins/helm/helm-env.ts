import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTool } from '../kubectl/kubectl-env.js';
import type { HelmConfig } from './config.js';

/** Which helm runs: `helmPath`, the plugin dependency (helm's index dependency), or `$HELM`. */
export function resolveHelm(configured: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  return resolveTool({ binary: 'helm', configKey: 'helmPath', envVar: 'HELM' }, configured, env);
}

/** An empty directory for one helm run to start in; `remove()` deletes it. */
export interface WorkDir {
  path: string;
  remove(): Promise<void>;
}

/**
 * helm looks for a chart named `a/b` as a local path first. Starting it in a fresh, empty
 * directory means such a name can only ever be a repository reference.
 */
export async function makeWorkDir(): Promise<WorkDir> {
  const path = await mkdtemp(join(tmpdir(), 'helm-run-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * helm's environment: Botkube's HELM_DRIVER, HELM_CACHE_HOME and HELM_CONFIG_HOME; HELM_DATA_HOME
 * and HELM_PLUGINS in the plugin's private temporary directory (so no helm plugin, which could run
 * a local program, is ever found); HOME there too; KUBECONFIG. Nothing else of the plugin's
 * environment is passed on: helm reads HELM_KUBE* variables that would override the identity.
 */
export async function helmEnvironment(
  kubeconfig: string | undefined,
  config: HelmConfig,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, string>> {
  const base = join(tmpdir(), 'helm');
  const home = join(base, 'home');
  const data = join(base, 'data');
  const plugins = join(data, 'no-plugins');
  await mkdir(plugins, { recursive: true, mode: 0o700 });
  await mkdir(home, { recursive: true, mode: 0o700 });
  const out: Record<string, string> = {
    HOME: home,
    HELM_DRIVER: config.helmDriver ?? 'secret',
    HELM_CACHE_HOME: config.helmCacheDir ?? join(base, '.cache'),
    HELM_CONFIG_HOME: config.helmConfigDir ?? base,
    HELM_DATA_HOME: data,
    HELM_PLUGINS: plugins,
  };
  if (kubeconfig !== undefined) out.KUBECONFIG = kubeconfig;
  for (const name of ['PATH', 'LANG', 'LC_ALL', 'TZ']) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
