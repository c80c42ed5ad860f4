import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test as base } from 'vitest';

/** A private temporary directory for one test, removed afterwards. */
export interface TempDir {
  path: string;
  /** Writes `text` to `name` (sub-directories created) and returns the full path. */
  write(name: string, text: string): Promise<string>;
}

/** `test` with a `dir` fixture: `test('…', async ({ dir }) => { await dir.write('a.yaml', '…') })`. */
export const test = base.extend<{ dir: TempDir }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest requires the destructuring form.
  dir: async ({}, use) => {
    const path = await mkdtemp(join(tmpdir(), 'sb-config-'));
    await use({
      path,
      async write(name, text) {
        const file = join(path, name);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text);
        return file;
      },
    });
    await rm(path, { recursive: true, force: true });
  },
});
