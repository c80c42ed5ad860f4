import type { TestProject } from 'vitest/node';
import { buildCli, buildGoFixtures, buildTsFixtures } from './build-fixtures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tsFixtures: Record<string, string>;
    goFixtures: { dir: string } | { error: string };
  }
}

/** Builds every fixture plugin, and dist/ for the CLI tests, once per test run. */
export default async function setup(project: TestProject) {
  const [ts, go] = await Promise.all([buildTsFixtures(), buildGoFixtures(), buildCli()]);
  project.provide('tsFixtures', ts);
  project.provide('goFixtures', go);
}
