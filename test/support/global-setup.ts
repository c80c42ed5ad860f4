import type { TestProject } from 'vitest/node';
import { buildBuiltinPlugins, buildCli, buildGoFixtures, buildTsFixtures } from './build-fixtures.js';
import { buildTestPeers, type TestPeers } from './test-peers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tsFixtures: Record<string, string>;
    goFixtures: { dir: string } | { error: string };
    /** Bundled built-in plugins (each `plugins/<dir>/plugin.json` entry), by `<type>/<name>`. */
    builtinPlugins: Record<string, string>;
    /** Real etcd, kube-apiserver, kubectl and helm (scripts/test-peers), or why they are missing. */
    testPeers: TestPeers;
  }
}

/**
 * Builds every fixture plugin, and dist/ for the CLI tests, once per test run; builds or reuses
 * the Kubernetes test peers (seconds when cached, many minutes the first time on a machine).
 */
export default async function setup(project: TestProject) {
  const [ts, go, , builtin, testPeers] = await Promise.all([
    buildTsFixtures(),
    buildGoFixtures(),
    buildCli(),
    buildBuiltinPlugins(),
    buildTestPeers(),
  ]);
  project.provide('testPeers', testPeers);
  project.provide('tsFixtures', ts);
  project.provide('goFixtures', go);
  project.provide('builtinPlugins', builtin);
}
