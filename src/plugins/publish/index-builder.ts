import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';
import { createExecutorClient } from '../host/executor-client.js';
import type { PluginMetadataInfo } from '../host/metadata.js';
import { instanceHandle } from '../host/plugin-handle.js';
import { launchPlugin } from '../host/plugin-instance.js';
import { createSourceClient } from '../host/source-client.js';
import { detectFormat, extractArchive } from '../repository/archive-extract.js';
import { writeFileAtomic } from '../repository/atomic-file.js';
import { parseChecksum } from '../repository/getter-url.js';
import {
  currentPlatform,
  type IndexArtifact,
  type IndexEntry,
  type Platform,
  type PluginType,
  type RepositoryIndex,
} from '../repository/index-format.js';
import { parseIndex, stringifyIndex } from '../repository/index-parse.js';
import { findPluginFile } from '../repository/select-file.js';
import { parsePrivateKey, signDetached } from '../repository/signature.js';
import { draft07Problems } from './schema-check.js';

export interface BuildIndexOptions {
  /** Directory of `<type>_<name>_<os>_<arch>[.tar.gz|.tgz|.zip|.gz]` files. */
  binariesPath: string;
  /** Prefix of every URL; `''` or `'.'` writes bare file names (relative to the index). */
  urlBasePath: string;
  /** Where index.yaml goes; the signature is written next to it as `<file>.sig`. */
  outputFile: string;
  /** Ed25519 private key (PKCS#8 PEM text) to sign the index with. */
  signKeyPem?: string;
  /** Only plugins whose name matches. */
  nameFilter?: RegExp;
  /** The platform whose build is run to read metadata; default this machine's. */
  platform?: Platform;
  logger: Logger;
  /** Plugin start timeout (ms); default 20 s. */
  startTimeoutMs?: number;
}

interface Artifact {
  type: PluginType;
  name: string;
  platform: Platform;
  file: string;
  path: string;
}

const artifactName = /^(executor|source)_([^_]+)_([^_]+)_([^_.]+)(\.tar\.gz|\.tgz|\.zip|\.gz)?$/;

/**
 * Botkube's index generator, as a library: scans the binaries, runs each
 * plugin's build for the current platform through our host to read Metadata,
 * validates it (version, description, draft-07 schemas, dependency URLs),
 * checksums every file, and writes a Botkube-compatible index (plus dependency
 * checksums taken from go-getter `?checksum=` in the metadata) atomically, and
 * `<file>.sig` when a signing key is given. Returns the index and its text.
 */
export async function buildIndex(
  options: BuildIndexOptions,
): Promise<{ index: RepositoryIndex; text: string }> {
  const artifacts = await scan(options.binariesPath, options.nameFilter);
  const groups = new Map<string, Artifact[]>();
  for (const a of artifacts)
    groups.set(`${a.type}/${a.name}`, [...(groups.get(`${a.type}/${a.name}`) ?? []), a]);
  if (groups.size === 0) {
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `no <type>_<name>_<os>_<arch> archives in ${options.binariesPath}`,
    );
  }
  const platform = options.platform ?? currentPlatform();
  const entries: IndexEntry[] = [];
  for (const [id, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const runnable = group.find((a) => a.platform.os === platform.os && a.platform.arch === platform.arch);
    if (!runnable) {
      throw new SwitchboardError(
        'SB_ERR_PUBLISH',
        `${id}: no ${platform.os}/${platform.arch} build to read its metadata from (have ${group.map((a) => `${a.platform.os}/${a.platform.arch}`).join(', ')})`,
      );
    }
    const metadata = await readMetadata(runnable, options);
    validateMetadata(id, metadata);
    const urls: IndexArtifact[] = [];
    for (const a of group.sort((x, y) => x.file.localeCompare(y.file))) {
      const artifact: IndexArtifact = {
        url: joinUrl(options.urlBasePath, a.file),
        checksum: await sha256File(a.path),
        platform: { os: a.platform.os, architecture: a.platform.arch },
      };
      const deps = dependenciesFor(id, metadata, `${a.platform.os}/${a.platform.arch}`);
      if (Object.keys(deps).length > 0) artifact.dependencies = deps;
      urls.push(artifact);
    }
    entries.push(toEntry(runnable, metadata, urls));
  }
  const index: RepositoryIndex = { entries };
  const text = stringifyIndex(index);
  // Round-trip through our own reader, so we never publish what we would refuse.
  parseIndex(text, options.outputFile);
  const signKey = options.signKeyPem === undefined ? undefined : parsePrivateKey(options.signKeyPem);
  await writeFileAtomic(options.outputFile, text);
  if (signKey) await writeFileAtomic(`${options.outputFile}.sig`, signDetached(Buffer.from(text), signKey));
  else await rm(`${options.outputFile}.sig`, { force: true });
  return { index, text };
}

async function scan(dir: string, filter: RegExp | undefined): Promise<Artifact[]> {
  const names = await readdir(dir).catch((err: unknown) => {
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `cannot read binaries directory ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  });
  const out: Artifact[] = [];
  for (const file of names.sort()) {
    const m = artifactName.exec(file);
    if (!m) continue;
    const [, type, name = '', os = '', arch = ''] = m;
    if (filter && !filter.test(name)) continue;
    out.push({ type: type as PluginType, name, platform: { os, arch }, file, path: join(dir, file) });
  }
  return out;
}

function joinUrl(base: string, file: string): string {
  const trimmed = base.trim().replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? file : `${trimmed}/${encodeURIComponent(file)}`;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function readMetadata(a: Artifact, options: BuildIndexOptions): Promise<PluginMetadataInfo> {
  const work = await mkdtemp(join(tmpdir(), 'sb-index-'));
  try {
    const extractDir = join(work, 'x');
    await mkdir(extractDir);
    const limits = { maxFileBytes: 512 * 1024 * 1024, maxTotalBytes: 1024 * 1024 * 1024 };
    const format = detectFormat(a.file);
    const rawName = `${a.type}_${a.name}`;
    await extractArchive(
      a.path,
      format,
      extractDir,
      limits,
      format === 'gz' ? `${rawName}.gz` : format === 'none' ? rawName : a.file,
    );
    const binary = await findPluginFile(extractDir, a.file);
    const instance = await launchPlugin({
      name: `${a.type}/${a.name}`,
      binary,
      logger: options.logger,
      autoMtls: false,
      startTimeoutMs: options.startTimeoutMs ?? 20_000,
    });
    try {
      const handle = instanceHandle(instance);
      return a.type === 'source'
        ? await createSourceClient(handle).metadata({ deadlineMs: 20_000 })
        : await createExecutorClient(handle).metadata({ deadlineMs: 20_000 });
    } finally {
      await instance.stop();
    }
  } catch (err) {
    if (err instanceof SwitchboardError && err.code === 'SB_ERR_PUBLISH') throw err;
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `${a.type} ${a.name}: reading metadata from ${a.file} failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function validateMetadata(id: string, m: PluginMetadataInfo): void {
  const problems: string[] = [];
  if (!m.version) problems.push('version is required');
  if (!m.description) problems.push('description is required');
  const schemas: Array<[string, { value?: string; refUrl?: string } | undefined]> = [
    ['jsonSchema', m.jsonSchema],
    ['externalRequest.payload.jsonSchema', m.externalRequest?.payloadJsonSchema],
  ];
  for (const [field, schema] of schemas) {
    if (schema?.value) for (const p of draft07Problems(schema.value)) problems.push(`${field}: ${p}`);
  }
  for (const [dep, urls] of Object.entries(m.dependencies)) {
    for (const [platform, url] of Object.entries(urls))
      if (!url) problems.push(`dependencies.${dep}: empty URL for ${platform}`);
  }
  if (problems.length > 0) {
    throw new SwitchboardError('SB_ERR_PUBLISH', `${id}: invalid metadata:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
}

/** Dependencies of one platform; a sha256/sha512 `?checksum=` in the URL becomes the `checksum` field too. */
function dependenciesFor(
  id: string,
  m: PluginMetadataInfo,
  platform: string,
): NonNullable<IndexArtifact['dependencies']> {
  const out: NonNullable<IndexArtifact['dependencies']> = {};
  for (const [dep, urls] of Object.entries(m.dependencies).sort(([a], [b]) => a.localeCompare(b))) {
    const url = urls[platform];
    if (!url) continue;
    const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : undefined;
    const param = query?.get('checksum');
    let checksum: string | undefined;
    if (param) {
      try {
        const parsed = parseChecksum(param, url);
        if (parsed.type === 'sha256' || parsed.type === 'sha512')
          checksum = parsed.type === 'sha256' ? parsed.hex : `sha512:${parsed.hex}`;
      } catch (err) {
        throw new SwitchboardError(
          'SB_ERR_PUBLISH',
          `${id}: dependency ${dep} (${platform}): ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    out[dep] = checksum ? { url, checksum } : { url };
  }
  return out;
}

function toEntry(a: Artifact, m: PluginMetadataInfo, urls: IndexArtifact[]): IndexEntry {
  // Key order as Botkube writes it; urls last.
  const entry: Omit<IndexEntry, 'urls'> = {
    name: a.name,
    type: a.type,
    description: m.description,
    version: m.version,
  };
  if (m.documentationUrl) entry.documentationUrl = m.documentationUrl;
  entry.recommended = m.recommended;
  if (m.jsonSchema)
    entry.jsonSchema = m.jsonSchema.refUrl
      ? { refURL: m.jsonSchema.refUrl }
      : { value: m.jsonSchema.value ?? '' };
  if (a.type === 'source' && m.externalRequest?.payloadJsonSchema) {
    const s = m.externalRequest.payloadJsonSchema;
    entry.externalRequest = {
      payload: { jsonSchema: s.refUrl ? { refURL: s.refUrl } : { value: s.value ?? '' } },
    };
  }
  return { ...entry, urls };
}

/** Reads a PEM key file for `--sign-key`. */
export async function readSignKey(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
