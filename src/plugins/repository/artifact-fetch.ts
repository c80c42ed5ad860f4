import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { detectFormat, extractArchive } from './archive-extract.js';
import type { Deadline, Fetcher, ProgressCallback, ScopedHeaders } from './fetcher.js';
import {
  type Checksum,
  type ChecksumType,
  parseChecksum,
  parseGetterUrl,
  redactUrl,
  urlBasename,
} from './getter-url.js';
import { selectSubdir } from './select-file.js';

export interface ArtifactRequest {
  /** The go-getter URL as written in the index. */
  rawUrl: string;
  /** The index URL (relative URLs resolve against it). */
  base: URL;
  /** The index's `checksum` field, if any. */
  checksum?: string | null;
  allowMissingChecksum: boolean;
  /** The repository's headers, sent only to their origin (a redirect elsewhere drops them). */
  headers?: ScopedHeaders;
  /** The whole download, retries included. */
  deadline: Deadline;
  /** An empty directory this call may use. */
  workDir: string;
  /** Name a non-archive download is saved under (the plugin binary or dependency name). */
  rawName: string;
  fetcher: Fetcher;
  limits: { maxDownloadBytes: number; maxFileBytes: number; maxTotalBytes: number };
  /** For messages: `repository r: executor echo v1.0.0 (linux/amd64)`. */
  what: string;
  onProgress?: ProgressCallback;
  /** Called when an artifact without a usable checksum is accepted because the operator allowed it. */
  onUnverified?: (why: string) => void;
}

export interface FetchedArtifact {
  /** The extracted (sub)directory. */
  root: string;
  /** The downloaded file as fetched (an archive or a raw binary). */
  downloadPath: string;
  fileName: string;
  url: URL;
  sha256: string;
  bytes: number;
}

const strong: readonly ChecksumType[] = ['sha256', 'sha512'];

/**
 * The expected digest of an artifact: the index `checksum` field and the URL's
 * `?checksum=` must agree when both exist. md5/sha1 are too weak to trust.
 * Throws SB_ERR_REPO_CHECKSUM, before anything is downloaded, when there is no
 * strong checksum and the repository does not allow that.
 */
export function expectedChecksum(
  field: string | null | undefined,
  fromUrl: Checksum | undefined,
  request: Pick<ArtifactRequest, 'allowMissingChecksum' | 'what' | 'rawUrl' | 'onUnverified'>,
): Checksum | undefined {
  const fromField = field ? parseChecksum(field, request.rawUrl) : undefined;
  if (fromField && fromUrl && (fromField.type !== fromUrl.type || fromField.hex !== fromUrl.hex)) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CHECKSUM',
      `${request.what}: the index checksum ${fromField.hex} and the URL's ?checksum=${fromUrl.hex} disagree`,
    );
  }
  const checksum = fromField ?? fromUrl;
  if (checksum && strong.includes(checksum.type)) return checksum;
  const why = checksum ? `only a ${checksum.type} checksum, which is too weak to trust` : 'no checksum';
  if (!request.allowMissingChecksum) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CHECKSUM',
      `${request.what}: ${redactUrl(request.rawUrl)} has ${why}; refusing it (set allowMissingChecksums for this repository to accept unverified downloads)`,
      { details: { url: redactUrl(request.rawUrl) } },
    );
  }
  request.onUnverified?.(why);
  return checksum;
}

/**
 * Downloads one artifact into `workDir`, verifies it against its checksum before
 * anything else touches it, and unpacks it (archives), honouring go-getter's
 * `//subdir`, `?checksum=`, `?filename=` and `?archive=`.
 */
export async function fetchArtifact(request: ArtifactRequest): Promise<FetchedArtifact> {
  const getter = parseGetterUrl(request.rawUrl, request.base.toString());
  const checksum = expectedChecksum(request.checksum, getter.checksum, request);
  const fileName = getter.filename ?? urlBasename(getter.url);
  const format = detectFormat(fileName, getter.archive);
  const downloadDir = join(request.workDir, 'download');
  const extractDir = join(request.workDir, 'extract');
  await mkdir(downloadDir, { recursive: true });
  await mkdir(extractDir, { recursive: true });
  const downloadPath = join(downloadDir, 'artifact');
  const digests: ChecksumType[] = ['sha256'];
  if (checksum && checksum.type !== 'sha256') digests.push(checksum.type);
  const result = await request.fetcher.download(getter.url, downloadPath, {
    headers: request.headers,
    maxBytes: request.limits.maxDownloadBytes,
    deadline: request.deadline,
    digests,
    onProgress: request.onProgress,
    what: request.what,
  });
  if (checksum && result.digests[checksum.type] !== checksum.hex) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CHECKSUM',
      `${request.what}: ${checksum.type} of ${redactUrl(getter.url)} is ${result.digests[checksum.type]}, expected ${checksum.hex}; nothing was installed`,
      {
        details: {
          url: redactUrl(getter.url),
          expected: checksum.hex,
          actual: result.digests[checksum.type],
        },
      },
    );
  }
  const outputName = format === 'gz' || format === 'none' ? request.rawName : fileName;
  await extractArchive(
    downloadPath,
    format,
    extractDir,
    request.limits,
    format === 'gz' ? `${outputName}.gz` : outputName,
  );
  return {
    root: await selectSubdir(extractDir, getter.subdir, request.what),
    downloadPath,
    fileName,
    url: getter.url,
    sha256: result.digests.sha256 ?? '',
    bytes: result.bytes,
  };
}
