import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { PluginType } from './index-format.js';

/** A parsed `repo/name[@version]` key (Botkube's `config.DecomposePluginKey`). */
export interface PluginKey {
  /** The key as written. */
  key: string;
  repo: string;
  name: string;
  /** An exact version (`1.2.0` or `v1.2.0`) or a semver range; absent means the latest. */
  version?: string;
}

/** What the caller asks to install: a key, optionally restricted to one plugin type. */
export type PluginRequest = string | { key: string; type?: PluginType };

/** Parses `repo/name[@version]`; throws SB_ERR_REPO_KEY quoting the key when it is malformed. */
export function parsePluginKey(key: string): PluginKey {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9.-]*)(?:@([^/@\s]+))?$/.exec(
    key.trim(),
  );
  if (!match) {
    throw new SwitchboardError(
      'SB_ERR_REPO_KEY',
      `plugin key "${key}" is not of the form repo/name[@version] (e.g. botkube/kubectl@v1.14.0)`,
      { details: { key } },
    );
  }
  const [, repo = '', name = '', version] = match;
  return version === undefined ? { key: key.trim(), repo, name } : { key: key.trim(), repo, name, version };
}

/** Normalises a request to its parsed key and optional type. */
export function parseRequest(request: PluginRequest): PluginKey & { type?: PluginType } {
  if (typeof request === 'string') return parsePluginKey(request);
  const parsed = parsePluginKey(request.key);
  return request.type ? { ...parsed, type: request.type } : parsed;
}
