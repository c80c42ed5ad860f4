import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemaFile } from './json-schema.js';
import { renderConfigDoc } from './reference-doc.js';

const regenerate = 'stale: run `npm run build && node scripts/gen-config-docs.mjs` and commit the result';

function committed(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

describe('files generated from the config schema', () => {
  it('docs/config.md is what the schema renders', () => {
    expect(committed('docs/config.md'), `docs/config.md ${regenerate}`).toBe(renderConfigDoc());
  });

  it('config.schema.json is what the schema renders', () => {
    expect(committed('config.schema.json'), `config.schema.json ${regenerate}`).toBe(renderJsonSchemaFile());
  });

  it('documents every top-level key and every Botkube key that is ignored', () => {
    const doc = renderConfigDoc();
    for (const key of [
      'communications',
      'sources',
      'executors',
      'actions',
      'aliases',
      'settings',
      'plugins',
    ]) {
      expect(doc).toContain(`## \`${key}\``);
    }
    expect(doc).toContain('`settings.upgradeNotifier`');
    expect(doc).toContain('`communications.<group>.mattermost`');
    expect(doc).toMatch(/\| `plugins\.runtime\.callDeadline` +\| duration +\| `30s` +\|/);
  });
});
