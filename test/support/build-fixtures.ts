import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

export const repoRoot = new URL('../..', import.meta.url).pathname;
export const fixtureDir = join(repoRoot, '.cache', 'fixtures');

/** TypeScript fixture plugins, bundled to single executable files like real plugins. */
export const tsFixtures = ['executor-fixture', 'source-fixture'] as const;

/** Bundles one TypeScript plugin entry into an executable single-file ESM program. */
export async function bundlePlugin(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  await chmod(outfile, 0o755);
  return outfile;
}

export async function buildTsFixtures(): Promise<Record<string, string>> {
  await mkdir(fixtureDir, { recursive: true });
  const paths: Record<string, string> = {};
  await Promise.all(
    tsFixtures.map(async (name) => {
      paths[name] = await bundlePlugin(
        join(repoRoot, 'test/fixtures/plugins', `${name}.ts`),
        join(fixtureDir, `${name}.mjs`),
      );
    }),
  );
  return paths;
}

/** Builds the Go fixtures (plugin binaries and a go-plugin host) from Debian's Go packages. */
export async function buildGoFixtures(): Promise<{ dir: string } | { error: string }> {
  const dir = join(fixtureDir, 'go');
  try {
    await promisify(execFile)('bash', [join(repoRoot, 'test/fixtures/go/build.sh'), dir], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { dir };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { error: `Go fixtures failed to build (run .ci/install-deps.sh): ${e.stderr || e.message}` };
  }
}

/** Compiles src/ to dist/ so CLI tests run the real `bin/run.js` on current code. */
export async function buildCli(): Promise<void> {
  await promisify(execFile)(join(repoRoot, 'node_modules/.bin/tsc'), [
    '-p',
    join(repoRoot, 'tsconfig.build.json'),
  ]);
}
