import type { Config } from '../../config/schema.js';
import type { RepositoryOptions } from './index.js';

/** Maps `plugins.repositories` of a loaded config onto installer options (secrets revealed here, at the edge). */
export function repositoriesFromConfig(config: Config): Record<string, RepositoryOptions> {
  const out: Record<string, RepositoryOptions> = {};
  for (const [name, repo] of Object.entries(config.plugins.repositories)) {
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(repo.headers ?? {})) headers[header] = value.reveal();
    out[name] = {
      url: repo.url,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(repo.publicKeys.length > 0 ? { publicKeys: [...repo.publicKeys] } : {}),
      ...(repo.allowMissingChecksums ? { allowMissingChecksums: true } : {}),
      indexDeadlineMs: repo.indexDeadline.ms,
      downloadDeadlineMs: repo.downloadDeadline.ms,
      maxIndexBytes: repo.maxIndexBytes,
    };
  }
  return out;
}
