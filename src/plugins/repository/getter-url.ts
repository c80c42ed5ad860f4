import { SwitchboardError } from '../../errors/switchboard-error.js';

export type ChecksumType = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface Checksum {
  type: ChecksumType;
  /** Lower-case hex. */
  hex: string;
}

/** A go-getter style URL taken apart (§4.6 of the plugin contract). */
export interface GetterUrl {
  /** What to request: resolved against the index URL, go-getter's magic parameters removed. */
  url: URL;
  /** `archive.tar.gz//sub/dir`: keep only this directory of the extracted archive. */
  subdir?: string;
  /** `?checksum=[type:]hex`, verified before extraction. */
  checksum?: Checksum;
  /** `?filename=`: the name a non-archive download is saved under. */
  filename?: string;
  /** `?archive=false` disables extraction; `?archive=tar.gz` forces a format. */
  archive?: string;
}

const magicParams = ['checksum', 'filename', 'archive'];
const hexLengths: Record<number, ChecksumType> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/**
 * Parses a go-getter URL. Relative URLs resolve against `base` (the index's own
 * URL), so a repository directory can move between hosts, `file://` and a
 * bundle unchanged. Only http, https and file are fetched; forced getters
 * (`git::`, `s3::`) are refused.
 */
export function parseGetterUrl(raw: string, base: string): GetterUrl {
  const text = raw.trim();
  if (/^[a-z0-9]+::/i.test(text)) {
    throw new SwitchboardError('SB_ERR_REPO_FETCH', `unsupported go-getter getter in URL ${redactUrl(text)}`);
  }
  const queryAt = text.indexOf('?');
  const pathPart = queryAt === -1 ? text : text.slice(0, queryAt);
  const query = queryAt === -1 ? '' : text.slice(queryAt + 1);
  const schemeEnd = pathPart.indexOf('://');
  const subdirAt = pathPart.indexOf('//', schemeEnd === -1 ? 1 : schemeEnd + 3);
  const artifactPath = subdirAt === -1 ? pathPart : pathPart.slice(0, subdirAt);
  const subdir = subdirAt === -1 ? undefined : pathPart.slice(subdirAt + 2).replace(/\/+$/, '');

  let url: URL;
  try {
    url = new URL(artifactPath, base);
  } catch (err) {
    throw new SwitchboardError('SB_ERR_REPO_FETCH', `cannot read URL ${redactUrl(text)}`, { cause: err });
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol)) {
    throw new SwitchboardError(
      'SB_ERR_REPO_FETCH',
      `unsupported URL scheme ${url.protocol} in ${redactUrl(text)} (http, https and file are supported)`,
    );
  }
  const params = new URLSearchParams(query);
  const result: GetterUrl = { url };
  if (subdir) result.subdir = subdir;
  const checksum = params.get('checksum');
  if (checksum) result.checksum = parseChecksum(checksum, text);
  const filename = params.get('filename');
  if (filename) result.filename = filename;
  const archive = params.get('archive');
  if (archive) result.archive = archive;
  for (const p of magicParams) params.delete(p);
  const rest = params.toString();
  url.search = rest === '' ? '' : `?${rest}`;
  return result;
}

/**
 * Parses `[type:]hex`. Without a type it is guessed from the length, as go-getter
 * does. `file:` checksum files are not supported (published indexes don't use them).
 */
export function parseChecksum(text: string, where: string): Checksum {
  const colon = text.indexOf(':');
  const type = colon === -1 ? undefined : text.slice(0, colon).toLowerCase();
  const hex = (colon === -1 ? text : text.slice(colon + 1)).trim().toLowerCase();
  const guessed = hexLengths[hex.length];
  if (!/^[0-9a-f]+$/.test(hex) || guessed === undefined || (type !== undefined && type !== guessed)) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CHECKSUM',
      `checksum "${text}" in ${redactUrl(where)} is not [md5|sha1|sha256|sha512:]<hex> of the right length`,
    );
  }
  return { type: guessed, hex };
}

/** A URL safe for logs and errors: no user info, query values replaced. */
export function redactUrl(raw: string | URL): string {
  try {
    const url = new URL(String(raw));
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    for (const key of [...url.searchParams.keys()]) {
      if (key !== 'checksum' && key !== 'filename' && key !== 'archive') url.searchParams.set(key, '***');
    }
    return url.toString();
  } catch {
    return String(raw).replace(/\?.*$/, '?…');
  }
}

/** The last path segment of a URL, decoded (the file name of a download). */
export function urlBasename(url: URL): string {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  return decodeURIComponent(segments[segments.length - 1] ?? 'download');
}
