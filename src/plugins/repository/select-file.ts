import { lstat, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { entryParts } from './safe-path.js';

/** The directory selected by a go-getter `//subdir` (validated like an archive entry name). */
export async function selectSubdir(root: string, subdir: string | undefined, what: string): Promise<string> {
  if (!subdir) return root;
  const dir = join(root, ...entryParts(subdir, what));
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new SwitchboardError(
      'SB_ERR_REPO_ARCHIVE',
      `${what}: the archive has no directory "${subdir}" (from //${subdir})`,
      {
        details: { subdir },
      },
    );
  }
  return dir;
}

/**
 * Botkube's rule for plugin archives: the first regular file in a lexical,
 * depth-first walk, skipping dotfiles and files whose extension is neither empty
 * nor `.exe`/`.sh`. Symlinks are never chosen.
 */
export async function findPluginFile(dir: string, what: string): Promise<string> {
  const found = await walk(dir);
  if (found) return found;
  throw new SwitchboardError(
    'SB_ERR_REPO_ARCHIVE',
    `${what}: the archive holds no plugin file (a regular file without extension, or .exe/.sh)`,
  );
}

async function walk(dir: string): Promise<string | undefined> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (info.isDirectory()) {
      const inner = await walk(path);
      if (inner) return inner;
    } else if (info.isFile() && !name.startsWith('.') && ['', '.exe', '.sh'].includes(extname(name))) {
      return path;
    }
  }
  return undefined;
}

/** The dependency convention: a regular file named `<name>` at the root of the (sub)directory. */
export async function findDependencyFile(dir: string, name: string, what: string): Promise<string> {
  const path = join(dir, name);
  const info = await lstat(path).catch(() => undefined);
  if (info?.isFile()) return path;
  const present = (await readdir(dir)).slice(0, 10).join(', ');
  throw new SwitchboardError(
    'SB_ERR_REPO_ARCHIVE',
    `${what}: no file named "${name}" at the root of the download (found: ${present || 'nothing'}); point the URL's //subdir at the directory holding it`,
    { details: { dependency: name } },
  );
}
