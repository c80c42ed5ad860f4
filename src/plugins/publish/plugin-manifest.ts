import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { PluginType } from '../repository/index-format.js';

/** One entry of `plugins/<dir>/plugin.json` (plugins/README.md). */
export interface PluginManifestEntry {
  type: PluginType;
  name: string;
  /** Entry file, relative to the plugin directory. */
  entry: string;
  /** Absolute path of the plugin directory. */
  dir: string;
}

/**
 * Every entry of every `<pluginsDir>/<dir>/plugin.json`, sorted by type and name.
 * A malformed manifest, a name with `_`, or a (type, name) published twice is
 * an SB_ERR_PUBLISH error naming the file.
 */
export async function readPluginManifests(pluginsDir: string): Promise<PluginManifestEntry[]> {
  const dirs = (await readdir(pluginsDir, { withFileTypes: true })).filter((d) => d.isDirectory());
  const entries: PluginManifestEntry[] = [];
  for (const d of dirs.sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(pluginsDir, d.name, 'plugin.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new SwitchboardError('SB_ERR_PUBLISH', `${file} is not JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!Array.isArray(parsed))
      throw new SwitchboardError('SB_ERR_PUBLISH', `${file} must be a JSON array of {type, name, entry}`);
    parsed.forEach((item: unknown, i) => {
      const e = item as Partial<PluginManifestEntry>;
      const problem =
        e.type !== 'executor' && e.type !== 'source'
          ? 'type must be executor or source'
          : typeof e.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(e.name)
            ? 'name must be letters, digits, . and - (no _)'
            : typeof e.entry !== 'string' || e.entry === ''
              ? 'entry must name the entry file'
              : undefined;
      if (problem) throw new SwitchboardError('SB_ERR_PUBLISH', `${file}[${i}]: ${problem}`);
      entries.push({
        type: e.type as PluginType,
        name: e.name as string,
        entry: e.entry as string,
        dir: join(pluginsDir, d.name),
      });
    });
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const key = `${e.type}/${e.name}`;
    if (seen.has(key))
      throw new SwitchboardError('SB_ERR_PUBLISH', `${key} is published by two plugin.json files`);
    seen.add(key);
  }
  return entries.sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));
}
