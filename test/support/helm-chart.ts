import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { repoRoot } from './build-fixtures.js';
import { peer, runTool, type ToolResult } from './kube-cluster.js';

/** The chart under test. */
export const chartDir = join(repoRoot, 'charts/switchboard');

/** One rendered Kubernetes object, loosely typed: tests read the fields they check. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in tests
  [field: string]: any;
}

export type HelmResult = ToolResult;

/** The real helm built for the tests (scripts/test-peers), without a cluster. */
export function helmBinary(): string {
  return peer(inject('testPeers'), 'helm', 'helm');
}

/** Runs helm with its caches in `home`; resolves whatever the exit status. */
export function runHelm(args: string[], home: string): Promise<HelmResult> {
  return runTool(helmBinary(), args, {
    PATH: process.env.PATH,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  });
}

/** Parses a multi-document manifest stream (helm template, helm get manifest). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null && typeof m === 'object' && 'kind' in m);
}

/** The one object of `kind` whose name ends with `suffix`; throws naming what was there. */
export function find(manifests: Manifest[], kind: string, suffix = ''): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name.endsWith(suffix));
  if (found.length !== 1) {
    const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ');
    throw new Error(`expected one ${kind} named *${suffix}, found ${found.length} among ${names}`);
  }
  return found[0] as Manifest;
}

/**
 * Writes the agent's two config files as the pod sees them (the ConfigMap's `config.yaml` and the
 * communications Secret's `comm_config.yaml`) into a fresh directory; returns their paths.
 */
export async function writeAgentConfig(manifests: Manifest[]): Promise<{ config: string; comm: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-chart-config-'));
  const configMap = find(manifests, 'ConfigMap', '-config');
  const secret = find(manifests, 'Secret', '-communications');
  const config = join(dir, 'config.yaml');
  const comm = join(dir, 'comm_config.yaml');
  await writeFile(config, configMap.data['config.yaml']);
  const commText =
    secret.stringData?.['comm_config.yaml'] ??
    Buffer.from(secret.data['comm_config.yaml'], 'base64').toString('utf8');
  await writeFile(comm, commText);
  return { config, comm };
}

/** The agent config a ConfigMap carries, parsed. */
// biome-ignore lint/suspicious/noExplicitAny: the config is read field by field in tests
export function agentConfig(manifests: Manifest[]): any {
  return parseYaml(find(manifests, 'ConfigMap', '-config').data['config.yaml']);
}
