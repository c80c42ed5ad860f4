import { z } from 'zod';

/**
 * The `index.yaml` format: Botkube's (`pkg/plugin/index.go`) read unchanged,
 * plus our optional extensions, which Botkube's Go decoder ignores:
 * `urls[].dependencies.<name>.checksum` (sha256 of the dependency download).
 * Unknown keys are dropped on read so a newer index still loads.
 */

const schemaRef = z.object({
  value: z.string().optional(),
  refURL: z.string().optional(),
});

const dependency = z.object({
  url: z.string().min(1, 'must be a non-empty URL'),
  checksum: z.string().min(1).optional(),
});

const platform = z.object({
  os: z.string().min(1, 'must be a Go OS name such as linux'),
  architecture: z.string().min(1, 'must be a Go architecture name such as amd64'),
});

const artifact = z.object({
  url: z.string().min(1, 'must be a non-empty URL'),
  checksum: z.string().optional(),
  platform,
  dependencies: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'dependency names must be plain file names'),
      dependency,
    )
    .nullish(),
});

const entry = z.object({
  // Names and versions become cache file names (`<type>_<version>_<name>`), so path characters are refused.
  name: z
    .string()
    .min(1, 'is required')
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'must be letters, digits, . and - (no _ / or @)'),
  type: z.enum(['executor', 'source']),
  version: z
    .string()
    .min(1, 'is required')
    .regex(/^[A-Za-z0-9][A-Za-z0-9.+-]*$/, 'must be a version such as v1.2.0'),
  description: z.string().nullish(),
  documentationUrl: z.string().nullish(),
  recommended: z.boolean().nullish(),
  jsonSchema: schemaRef.nullish(),
  externalRequest: z.object({ payload: z.object({ jsonSchema: schemaRef.nullish() }).nullish() }).nullish(),
  urls: z.array(artifact).min(1, 'must list at least one platform build'),
});

/** The zod schema of a whole index document. */
export const repositoryIndex = z.object({ entries: z.array(entry) });

export type RepositoryIndex = z.infer<typeof repositoryIndex>;
export type IndexEntry = z.infer<typeof entry>;
export type IndexArtifact = z.infer<typeof artifact>;
export type IndexDependency = z.infer<typeof dependency>;
export type IndexSchemaRef = z.infer<typeof schemaRef>;
export type PluginType = IndexEntry['type'];

/** An OS/architecture pair in Go's names (`linux`/`amd64`). */
export interface Platform {
  os: string;
  arch: string;
}

/** The platform of this Node process, in Go's names. */
export function currentPlatform(): Platform {
  const archNames: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  const osNames: Record<string, string> = { win32: 'windows' };
  return {
    os: osNames[process.platform] ?? process.platform,
    arch: archNames[process.arch] ?? process.arch,
  };
}

/** `linux/amd64` */
export function platformLabel(p: Platform): string {
  return `${p.os}/${p.arch}`;
}

/** Parses `os/arch`; undefined when it is not of that form. */
export function parsePlatform(text: string): Platform | undefined {
  const [os, arch, extra] = text.trim().split('/');
  if (!os || !arch || extra !== undefined) return undefined;
  return { os, arch };
}
