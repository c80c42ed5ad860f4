import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { readPluginManifests } from '../../src/plugins/publish/plugin-manifest.js';
import { parseIndex } from '../../src/plugins/repository/index-parse.js';
import { repoRoot } from '../support/build-fixtures.js';

/**
 * CI's reproducibility check of the built-in repository: the committed
 * index.yaml lists a sha256 per archive; rebuilding plugins/ must give exactly
 * those bytes. (scripts/check-plugin-index.mjs --write regenerates it.)
 */
describe('the committed index.yaml', () => {
  it('matches what plugins/ rebuilds to, archive for archive', async () => {
    const manifests = await readPluginManifests(join(repoRoot, 'plugins'));
    const indexText = await readFile(join(repoRoot, 'index.yaml'), 'utf8').catch(() => undefined);
    if (manifests.length === 0) {
      // No built-in plugins yet: nothing is published, so there must be nothing indexed either.
      expect(indexText === undefined || parseIndex(indexText, 'index.yaml').entries.length === 0).toBe(true);
      return;
    }
    expect(indexText, 'index.yaml is missing: run node scripts/check-plugin-index.mjs --write').toBeDefined();
    const index = parseIndex(indexText as string, 'index.yaml');
    const out = await mkdtemp(join(tmpdir(), 'sb-repro-'));
    try {
      const built = await buildPlugins({
        pluginsDir: join(repoRoot, 'plugins'),
        outputDir: out,
        rootDir: repoRoot,
        // The built-in repository ships no code cache: its bytes would depend on the V8 version.
        codeCache: false,
      });
      const rebuilt = Object.fromEntries(
        built.map((b) => [`${b.type}_${b.name}_${b.platform.os}_${b.platform.arch}.tar.gz`, b.sha256]),
      );
      const committed = Object.fromEntries(
        index.entries.flatMap((e) => e.urls.map((u) => [u.url.split('/').pop() as string, u.checksum])),
      );
      // On failure: plugin sources changed without `node scripts/check-plugin-index.mjs --write`.
      expect(committed).toEqual(rebuilt);
      for (const b of built)
        expect(
          createHash('sha256')
            .update(await readFile(b.path))
            .digest('hex'),
        ).toBe(b.sha256);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    // Bundles every built-in plugin: ~16 s on a loaded 2-core machine, more on a slower one.
  }, 90_000);
});
