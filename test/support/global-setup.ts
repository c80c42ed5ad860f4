import type { TestProject } from 'vitest/node';
import { buildBuiltinPlugins, buildCli, buildGoFixtures, buildTsFixtures } from './build-fixtures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tsFixtures: Record<string, string>;
    goFixtures: { dir: string } | { error: string };
    /** Bundled built-in plugins (each `plugins/<dir>/plugin.json` entry), by `<type>/<name>`. */
    builtinPlugins: Record<string, string>;
  }
}

/** Builds every fixture plugin, and dist/ for the CLI tests, once per test run. */
export default async function setup(project: TestProject) {
  const [ts, go, , builtin] = await Promise.all([
    buildTsFixtures(),
    buildGoFixtures(),
    buildCli(),
    buildBuiltinPlugins(),
  ]);
  project.provide('tsFixtures', ts);
  project.provide('goFixtures', go);
  project.provide('builtinPlugins', builtin);
}
