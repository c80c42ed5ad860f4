import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

describe('the published SDK entry point', () => {
  it('is importable as switchboard/sdk from the built package, with the documented exports', async () => {
    const script = `
      const sdk = await import('switchboard/sdk');
      console.log(JSON.stringify(Object.keys(sdk).sort()));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
    });
    const names: string[] = JSON.parse(stdout);
    for (const name of [
      'serveExecutor',
      'serveSource',
      'codeBlockMessage',
      'plaintextMessage',
      'commandButton',
      'urlButton',
      'encodeMessage',
      'parseMessage',
      'encodeEvent',
      'parseEvent',
      'mergeConfigs',
      'botNamePlaceholder',
    ]) {
      expect(names).toContain(name);
    }
  });
});
