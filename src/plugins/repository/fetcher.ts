import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { ChecksumType } from './getter-url.js';
import { redactUrl } from './getter-url.js';

/** HTTP behaviour of repository downloads. */
export interface HttpOptions {
  /** Connect and response-headers timeout (ms); default 30 s. */
  timeoutMs?: number;
  /** Longest silence while a body is streaming (ms); default 60 s. */
  idleTimeoutMs?: number;
  /** Extra attempts after a 5xx, 429 or network error; default 3. 4xx is never retried. */
  retries?: number;
  /** First backoff delay (ms), doubled per attempt with ±25 % jitter; default 250. */
  retryBaseMs?: number;
  /**
   * Proxy settings. When absent, undici's EnvHttpProxyAgent reads the standard
   * HTTP_PROXY / HTTPS_PROXY / NO_PROXY variables (either case).
   */
  proxy?: { httpProxy?: string; httpsProxy?: string; noProxy?: string };
}

/** Progress of one download: bytes so far, and the total when the server said it. */
export type ProgressCallback = (received: number, total: number | undefined) => void;

export interface DownloadRequest {
  headers?: Record<string, string>;
  /** Refuse (SB_ERR_REPO_SIZE_LIMIT) beyond this many bytes, whatever Content-Length says. */
  maxBytes: number;
  /** Digests to compute while streaming. */
  digests: readonly ChecksumType[];
  onProgress?: ProgressCallback;
  /** What is downloaded, for messages: `repository botkube: executor kubectl v1.14.0`. */
  what: string;
}

export interface DownloadResult {
  bytes: number;
  /** Lower-case hex per requested algorithm. */
  digests: Partial<Record<ChecksumType, string>>;
}

/** Downloads over http(s) (through a proxy when configured) or reads `file://` paths. */
export interface Fetcher {
  /** The body of `url`, or undefined on 404 (file: a missing file). Other failures throw SB_ERR_REPO_FETCH. */
  fetchBytes(url: URL, request: Omit<DownloadRequest, 'digests'>): Promise<Buffer | undefined>;
  /** Streams `url` into `dest`, hashing on the way. */
  download(url: URL, dest: string, request: DownloadRequest): Promise<DownloadResult>;
  close(): Promise<void>;
}

/** Counts requests made, so callers (and the warm-cache benchmark) can prove none were. */
export interface FetchStats {
  httpRequests: number;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

class SizeLimitError extends Error {}

/** Creates a fetcher with one connection pool (closed by `close()`). */
export function createFetcher(options: HttpOptions = {}, stats: FetchStats = { httpRequests: 0 }): Fetcher {
  let dispatcher: Dispatcher | undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // undici is loaded on the first http(s) request: an agent whose plugins are cached (or come
  // from file://) never downloads, and the module costs it about 3 MiB it would keep for good.
  const agent = async () => {
    if (!dispatcher) {
      const { EnvHttpProxyAgent, interceptors } = await import('undici');
      dispatcher ??= new EnvHttpProxyAgent({
        ...(options.proxy ?? {}),
        connectTimeout: timeoutMs,
        headersTimeout: timeoutMs,
        bodyTimeout: options.idleTimeoutMs ?? 60_000,
      }).compose(interceptors.redirect({ maxRedirections: 5 }));
    }
    return dispatcher;
  };
  const retries = options.retries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;

  /** Runs one attempt of `fn` per try; retries what is worth retrying. */
  async function withRetries<T>(url: URL, what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof SizeLimitError) {
          throw new SwitchboardError(
            'SB_ERR_REPO_SIZE_LIMIT',
            `${what}: ${err.message} (${redactUrl(url)})`,
            {
              cause: err,
              details: { url: redactUrl(url) },
            },
          );
        }
        const status = err instanceof HttpStatusError ? err.status : undefined;
        const retryable = status === undefined || status >= 500 || status === 429;
        if (!retryable || attempt >= retries || url.protocol === 'file:') {
          const reason =
            status === 404 && url.protocol === 'file:'
              ? 'no such file'
              : status !== undefined
                ? `HTTP ${status}`
                : describeNetworkError(err);
          const tries = attempt + 1;
          throw new SwitchboardError(
            'SB_ERR_REPO_FETCH',
            `${what}: download of ${redactUrl(url)} failed: ${reason}${tries > 1 ? ` (after ${tries} attempts)` : ''}`,
            { cause: err, details: { url: redactUrl(url), status, attempts: tries } },
          );
        }
        const delay = retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async function open(url: URL, headers: Record<string, string> | undefined) {
    stats.httpRequests++;
    const response = await (await agent()).request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': 'switchboard-plugin-repository', ...(headers ?? {}) },
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      response.body.resume();
      throw new HttpStatusError(response.statusCode);
    }
    const length = Number(response.headers['content-length']);
    return { body: response.body as Readable, total: Number.isFinite(length) ? length : undefined };
  }

  return {
    async fetchBytes(url, request) {
      if (url.protocol === 'file:') {
        const path = fileURLToPath(url);
        try {
          const { size } = await stat(path);
          if (size > request.maxBytes)
            throw new SizeLimitError(`${size} bytes, over the cap of ${request.maxBytes}`);
          return await readFile(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          // file: URLs are never retried; this only turns the failure into the right error.
          return withRetries(url, request.what, () => Promise.reject(err));
        }
      }
      return withRetries(url, request.what, async () => {
        let opened: Awaited<ReturnType<typeof open>>;
        try {
          opened = await open(url, request.headers);
        } catch (err) {
          if (err instanceof HttpStatusError && err.status === 404) return undefined;
          throw err;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        for await (const chunk of opened.body) {
          received += (chunk as Buffer).length;
          if (received > request.maxBytes) {
            opened.body.destroy();
            throw new SizeLimitError(`larger than the cap of ${request.maxBytes} bytes`);
          }
          chunks.push(chunk as Buffer);
        }
        return Buffer.concat(chunks);
      });
    },

    async download(url, dest, request) {
      return withRetries(url, request.what, async () => {
        const source = url.protocol === 'file:' ? await openFile(url) : await open(url, request.headers);
        const hashes = request.digests.map((d) => [d, createHash(d)] as [ChecksumType, Hash]);
        let received = 0;
        if (source.total !== undefined && source.total > request.maxBytes) {
          source.body.destroy();
          throw new SizeLimitError(`${source.total} bytes, over the cap of ${request.maxBytes} bytes`);
        }
        source.body.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > request.maxBytes) {
            source.body.destroy(new SizeLimitError(`larger than the cap of ${request.maxBytes} bytes`));
            return;
          }
          for (const [, h] of hashes) h.update(chunk);
          request.onProgress?.(received, source.total);
        });
        await pipeline(source.body, createWriteStream(dest, { mode: 0o600 }));
        if (source.total !== undefined && received !== source.total) {
          throw new Error(`truncated: got ${received} of ${source.total} bytes`);
        }
        return {
          bytes: received,
          digests: Object.fromEntries(hashes.map(([d, h]) => [d, h.digest('hex')])),
        };
      });
    },

    async close() {
      await dispatcher?.close();
    },
  };
}

async function openFile(url: URL): Promise<{ body: Readable; total: number | undefined }> {
  const path = fileURLToPath(url);
  try {
    const { size } = await stat(path);
    return { body: createReadStream(path), total: size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HttpStatusError(404);
    throw err;
  }
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  if (e.code === 'UND_ERR_BODY_TIMEOUT') return 'the transfer stalled (idle timeout)';
  if (e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET')
    return `the connection was closed early (truncated download): ${e.message ?? ''}`.trim();
  return [e.code, e.message].filter(Boolean).join(': ') || String(err);
}
