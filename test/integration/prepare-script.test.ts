import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { test } from '../support/temp-dir.js';

const script = fileURLToPath(new URL('../../scripts/prepare.mjs', import.meta.url));

function prepare(root: string): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

/** A checkout whose last complete build (the stamp) is newer than its sources. */
function builtCheckout(dir: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'dist/cli/commands'), { recursive: true });
  writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'dist/cli/commands/start.js'), '');
  writeFileSync(join(dir, 'dist/.build-stamp'), 'x\n');
  const past = (seconds: number) => new Date(Date.now() - seconds * 1000);
  utimesSync(join(dir, 'src/a.ts'), past(60), past(60));
  utimesSync(join(dir, 'dist/.build-stamp'), past(30), past(30));
}

describe('scripts/prepare.mjs (npm prepare, also run by the first npx in a checkout)', () => {
  test('skips the build when the last complete build is newer than every input', ({ dir: { path: dir } }) => {
    builtCheckout(dir);
    expect(prepare(dir)).toEqual({ code: 0, out: expect.stringContaining('dist/ is up to date') });
  });

  test('builds when a source changed since the stamp, or when there is no complete build', ({
    dir: { path: dir },
  }) => {
    builtCheckout(dir);
    writeFileSync(join(dir, 'src/a.ts'), 'export const a = 2;\n');
    // The temp dir has no package.json, so the build it starts fails: what matters is that it starts.
    const changed = prepare(dir);
    expect(changed.out).toContain('prepare: building (src/a.ts changed since the last build)');
    expect(changed.code).not.toBe(0);

    const fresh = join(dir, 'fresh-clone');
    mkdirSync(fresh);
    expect(prepare(fresh).out).toContain('prepare: building (no complete build in dist/)');
  });
});
