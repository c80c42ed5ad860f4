import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwitchboardError } from '../../errors/switchboard-error.js';

/** One file of the page, held in memory. */
export interface PageAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** Where the page lives: next to the compiled console module (`npm run build` copies it). */
export const defaultPageDir = new URL('./page/', import.meta.url);

/**
 * Modules the page imports that live outside its directory, by the name the page imports them
 * under. The console protocol is shared with the agent and `switchboard chat`, so it lives in
 * core/ and is served from there rather than copied into the page.
 */
export const sharedPageModules: Readonly<Record<string, URL>> = {
  'console-protocol.js': new URL('../../core/console-protocol.js', import.meta.url),
};

/**
 * Loads the page's files (one flat directory) plus the `shared` modules into memory, keyed by URL
 * path (`/app.js`; `index.html` is also `/`). Only known web types are served; type declarations
 * and anything else in the directory are not.
 *
 * @throws SwitchboardError SB_ERR_CONSOLE_START when the directory, index.html or a shared module
 * is missing.
 */
export async function loadPageAssets(
  dir: URL | string = defaultPageDir,
  shared: Readonly<Record<string, URL | string>> = sharedPageModules,
): Promise<Map<string, PageAsset>> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  let names: string[];
  try {
    names = (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_CONSOLE_START',
      `the console's page files are missing at ${path}; reinstall Switchboard (from source: npm run build)`,
      { cause: err },
    );
  }
  const assets = new Map<string, PageAsset>();
  for (const name of names) {
    const type = contentTypes[extname(name)];
    if (!type || name.endsWith('.d.ts')) continue;
    assets.set(`/${name}`, asset(await readFile(`${path.replace(/\/$/, '')}/${name}`), type));
  }
  for (const [name, file] of Object.entries(shared)) {
    const filePath = typeof file === 'string' ? file : fileURLToPath(file);
    let body: Buffer;
    try {
      body = await readFile(filePath);
    } catch (err) {
      throw new SwitchboardError(
        'SB_ERR_CONSOLE_START',
        `the console's page module ${name} is missing at ${filePath}; reinstall Switchboard (from source: npm run build)`,
        { cause: err },
      );
    }
    assets.set(`/${name}`, asset(body, contentTypes[extname(name)] ?? 'application/octet-stream'));
  }
  const index = assets.get('/index.html');
  if (!index) {
    throw new SwitchboardError('SB_ERR_CONSOLE_START', `the console's page has no index.html in ${path}`);
  }
  assets.set('/', index);
  return assets;
}

function asset(body: Buffer, contentType: string): PageAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType, etag };
}
