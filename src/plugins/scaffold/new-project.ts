import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { PluginType } from '../repository/index-format.js';
import { projectFiles, type ScaffoldVersions } from './project-files.js';

export interface NewProjectOptions {
  name: string;
  type: string;
  /** Folder to create; it may exist if it is empty. */
  dir: string;
  versions: ScaffoldVersions;
}

/** Botkube's rule for plugin names (no `_`: it separates the parts of archive names), kept simple. */
const namePattern = /^[a-z][a-z0-9-]{0,62}$/;

/** Writes a new plugin project and returns the absolute paths written, in order. */
export async function writeNewProject(options: NewProjectOptions): Promise<string[]> {
  if (!namePattern.test(options.name)) {
    throw usage(
      `plugin name "${options.name}" is not valid: expected lowercase letters, digits and "-", starting with a letter (at most 63 characters; "_" is reserved by the archive names), e.g. "hello" or "disk-usage"`,
    );
  }
  if (options.type !== 'executor' && options.type !== 'source') {
    throw usage(`--type "${options.type}" is not valid: expected executor or source`);
  }
  const dir = resolve(options.dir);
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw usage(`cannot use ${dir} for the new project: ${err.message}`);
  });
  if (existing.length > 0) {
    throw usage(
      `${dir} already exists and is not empty: plugin new writes into a new or empty folder (pass --dir)`,
    );
  }
  const written: string[] = [];
  for (const [path, text] of projectFiles(options.type as PluginType, options.name, options.versions)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
    written.push(file);
  }
  return written;
}

function usage(message: string): SwitchboardError {
  return new SwitchboardError('SB_ERR_CLI_USAGE', message);
}
