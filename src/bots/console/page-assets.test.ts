import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../../../test/support/temp-dir.js';
import { loadPageAssets } from './page-assets.js';

describe('loadPageAssets', () => {
  test('serves the page directory and the shared protocol module, not type declarations', async () => {
    const assets = await loadPageAssets();
    expect(assets.get('/')).toBe(assets.get('/index.html'));
    const protocol = assets.get('/console-protocol.js');
    expect(protocol?.contentType).toBe('text/javascript; charset=utf-8');
    expect(protocol?.body.toString()).toContain('export function readServerFrame');
    expect(assets.has('/console-protocol.d.ts')).toBe(false);
  });

  test('names a shared module that is missing', async ({ dir }) => {
    await dir.write('page/index.html', '<!doctype html>');
    const missing = join(dir.path, 'core', 'console-protocol.js');
    await expect(
      loadPageAssets(join(dir.path, 'page'), { 'console-protocol.js': missing }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_CONSOLE_START',
      message: expect.stringContaining(`page module console-protocol.js is missing at ${missing}`),
    });
  });

  test('names a page directory that is missing or has no index.html', async ({ dir }) => {
    await expect(loadPageAssets(join(dir.path, 'nowhere'), {})).rejects.toMatchObject({
      code: 'SB_ERR_CONSOLE_START',
      message: expect.stringContaining('page files are missing'),
    });
    await dir.write('page/app.js', '');
    await expect(loadPageAssets(join(dir.path, 'page'), {})).rejects.toMatchObject({
      code: 'SB_ERR_CONSOLE_START',
      message: expect.stringContaining('has no index.html'),
    });
  });
});
