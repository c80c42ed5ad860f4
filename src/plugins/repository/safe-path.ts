import { lstatSync } from 'node:fs';
import { join, posix } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';

/**
 * Maps an archive entry name to a path under `root`, refusing (SB_ERR_REPO_ARCHIVE)
 * absolute names, drive letters, NUL bytes, any `..` segment, and names whose
 * parent directories (already extracted) include a symlink: writing through a
 * link is how "safe-looking" entries escape.
 */
export function safeEntryPath(root: string, name: string, archive: string): string {
  const parts = entryParts(name, archive);
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    let isLink = false;
    try {
      isLink = lstatSync(dir).isSymbolicLink();
    } catch {
      // Not created yet: nothing to follow.
    }
    if (isLink) throw unsafe(archive, name, 'it would be written through a symbolic link');
  }
  return join(root, ...parts);
}

/** The normalised segments of an entry name (no `.`, no empty ones); throws on unsafe names. */
export function entryParts(name: string, archive: string): string[] {
  if (name.includes('\0')) throw unsafe(archive, name, 'it contains a NUL byte');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) throw unsafe(archive, name, 'it is an absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw unsafe(archive, name, 'it contains ".." and would escape the target directory');
  if (parts.length === 0) throw unsafe(archive, name, 'it has an empty name');
  return parts;
}

/** Refuses a symlink whose target is absolute or resolves outside the archive root. */
export function checkLinkTarget(entryName: string, target: string, archive: string): void {
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target)) {
    throw unsafe(archive, entryName, `it is a link to the absolute path ${target}`);
  }
  const resolved = posix.normalize(posix.join(posix.dirname(entryName), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw unsafe(archive, entryName, `it is a link to ${target}, outside the target directory`);
  }
}

export function unsafe(archive: string, name: string, why: string): SwitchboardError {
  return new SwitchboardError('SB_ERR_REPO_ARCHIVE', `archive ${archive}: refused entry "${name}": ${why}`, {
    details: { archive, entry: name },
  });
}
