import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { formatDuration } from '../../core/duration.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { ChecksumType } from './getter-url.js';
import { redactUrl } from './getter-url.js';
import { HttpStatusError, httpGet, type OpenedBody, RedirectError, type ScopedHeaders } from './http-get.js';
import { cancelBody, readBody, writeBody } from './read-body.js';

export type { ScopedHeaders } from './http-get.js';

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

/** The longest a whole transfer (every attempt, redirect and backoff) may take. */
export interface Deadline {
  ms: number;
  /** The setting that changes it, for the error: `plugins.repositories.r.indexDeadline (CLI: --index-deadline)`. */
  setting: string;
}

export interface DownloadRequest {
  /** Sent only to requests for their own origin, redirects included. */
  headers?: ScopedHeaders;
  /** Refuse (SB_ERR_REPO_SIZE_LIMIT) beyond this many bytes, whatever Content-Length says. */
  maxBytes: number;
  /** The setting that raises `maxBytes`, for the error. */
  maxBytesSetting?: string;
  deadline: Deadline;
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
  /**
   * The body of `url`, or undefined on 404 (file: a missing file). Reading stops at
   * `maxBytes`. Other failures throw SB_ERR_REPO_FETCH, SB_ERR_REPO_SIZE_LIMIT or SB_ERR_REPO_DEADLINE.
   */
  fetchBytes(url: URL, request: Omit<DownloadRequest, 'digests'>): Promise<Buffer | undefined>;
  /** Streams `url` into `dest`, hashing on the way. */
  download(url: URL, dest: string, request: DownloadRequest): Promise<DownloadResult>;
  close(): Promise<void>;
}

/** Counts requests made, so callers (and the warm-cache benchmark) can prove none were. */
export interface FetchStats {
  httpRequests: number;
}

class SizeLimitError extends Error {}
class DeadlineError extends Error {}

/** Creates a fetcher with one connection pool (closed by `close()`). */
export function createFetcher(options: HttpOptions = {}, stats: FetchStats = { httpRequests: 0 }): Fetcher {
  let dispatcher: Dispatcher | undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // undici is loaded on the first http(s) request: an agent whose plugins are cached (or come
  // from file://) never downloads, and the module costs it about 3 MiB it would keep for good.
  const agent = async () => {
    if (!dispatcher) {
      const { EnvHttpProxyAgent } = await import('undici');
      dispatcher ??= new EnvHttpProxyAgent({
        ...(options.proxy ?? {}),
        connectTimeout: timeoutMs,
        headersTimeout: timeoutMs,
        bodyTimeout: options.idleTimeoutMs ?? 60_000,
      });
    }
    return dispatcher;
  };
  const retries = options.retries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;

  /**
   * Runs `fn` until it succeeds, retrying what is worth retrying, all within the
   * request's deadline; `received` is read for the deadline message.
   */
  async function attempt<T>(
    url: URL,
    request: Pick<DownloadRequest, 'what' | 'deadline' | 'maxBytes' | 'maxBytesSetting'>,
    fn: (signal: AbortSignal, progress: { received: number }) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineError()), request.deadline.ms);
    const progress = { received: 0 };
    try {
      for (let tries = 1; ; tries++) {
        try {
          return await fn(controller.signal, progress);
        } catch (err) {
          const fatal = classify(url, request, err, tries, controller.signal, progress.received);
          if (fatal) throw fatal;
          const delay = retryBaseMs * 2 ** (tries - 1) * (0.75 + Math.random() * 0.5);
          await sleep(delay, controller.signal).catch(() => undefined);
          if (controller.signal.aborted) {
            throw classify(url, request, err, tries, controller.signal, progress.received);
          }
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The error to throw for `err`, or undefined when another attempt is worth it. */
  function classify(
    url: URL,
    request: Pick<DownloadRequest, 'what' | 'deadline' | 'maxBytes' | 'maxBytesSetting'>,
    err: unknown,
    tries: number,
    signal: AbortSignal,
    received: number,
  ): SwitchboardError | undefined {
    const where = redactUrl(url);
    if (signal.aborted) {
      return new SwitchboardError(
        'SB_ERR_REPO_DEADLINE',
        `${request.what}: ${where} did not finish within its deadline of ${formatDuration(request.deadline.ms)} (${tries} attempt(s), ${received} bytes received); to allow longer, raise ${request.deadline.setting}`,
        { cause: err, details: { url: where, deadlineMs: request.deadline.ms, attempts: tries } },
      );
    }
    if (err instanceof SizeLimitError) {
      return new SwitchboardError(
        'SB_ERR_REPO_SIZE_LIMIT',
        `${request.what}: ${where} ${err.message}${request.maxBytesSetting ? `; to accept it, raise ${request.maxBytesSetting}` : ''}`,
        { cause: err, details: { url: where, maxBytes: request.maxBytes } },
      );
    }
    const status = err instanceof HttpStatusError ? err.status : undefined;
    const retryable =
      !(err instanceof RedirectError) && (status === undefined || status >= 500 || status === 429);
    if (retryable && tries <= retries && url.protocol !== 'file:') return undefined;
    const reason =
      status === 404 && url.protocol === 'file:'
        ? 'no such file'
        : status !== undefined
          ? `HTTP ${status}`
          : err instanceof RedirectError
            ? err.message
            : describeNetworkError(err);
    return new SwitchboardError(
      'SB_ERR_REPO_FETCH',
      `${request.what}: download of ${where} failed: ${reason}${tries > 1 ? ` (after ${tries} attempts)` : ''}`,
      { cause: err, details: { url: where, status, attempts: tries } },
    );
  }

  async function open(url: URL, headers: ScopedHeaders | undefined, signal: AbortSignal) {
    return httpGet(await agent(), url, {
      headers,
      signal,
      onRequest: () => {
        stats.httpRequests++;
      },
    });
  }

  const overCap = (bytes: number, max: number) =>
    new SizeLimitError(`is larger than the cap of ${formatBytes(max)} (${bytes} bytes)`);

  return {
    async fetchBytes(url, request) {
      if (url.protocol === 'file:') {
        return attempt(url, request, async () => {
          const path = fileURLToPath(url);
          const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return undefined;
            throw err;
          });
          if (!info) return undefined;
          if (info.size > request.maxBytes) throw overCap(info.size, request.maxBytes);
          return readAll(createReadStream(path), request.maxBytes, { received: 0 }, undefined);
        });
      }
      return attempt(url, request, async (signal, progress) => {
        let opened: OpenedBody;
        try {
          opened = await open(url, request.headers, signal);
        } catch (err) {
          if (err instanceof HttpStatusError && err.status === 404) return undefined;
          throw err;
        }
        return readAll(opened.body, request.maxBytes, progress, opened.total);
      });
    },

    async download(url, dest, request) {
      return attempt(url, request, async (signal, progress) => {
        const source =
          url.protocol === 'file:' ? await openFile(url, signal) : await open(url, request.headers, signal);
        const hashes = request.digests.map((d) => [d, createHash(d)] as [ChecksumType, Hash]);
        let received = 0;
        if (source.total !== undefined && source.total > request.maxBytes) {
          cancelBody(source.body);
          throw overCap(source.total, request.maxBytes);
        }
        await writeBody(source.body, dest, {
          pausable: url.protocol === 'file:',
          onChunk: (chunk) => {
            received += chunk.length;
            progress.received = received;
            if (received > request.maxBytes) throw overCap(received, request.maxBytes);
            for (const [, h] of hashes) h.update(chunk);
            request.onProgress?.(received, source.total);
          },
        });
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

  /** Collects a body in memory, cancelling it the moment it passes `maxBytes`. */
  async function readAll(
    body: Readable,
    maxBytes: number,
    progress: { received: number },
    total: number | undefined,
  ): Promise<Buffer> {
    if (total !== undefined && total > maxBytes) {
      cancelBody(body);
      throw overCap(total, maxBytes);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    await readBody(body, (chunk) => {
      received += chunk.length;
      progress.received = received;
      if (received > maxBytes) throw overCap(received, maxBytes);
      chunks.push(chunk);
    });
    if (total !== undefined && received !== total) {
      throw new Error(`truncated: got ${received} of ${total} bytes`);
    }
    return Buffer.concat(chunks);
  }
}

async function openFile(url: URL, signal: AbortSignal): Promise<OpenedBody> {
  const path = fileURLToPath(url);
  try {
    const { size } = await stat(path);
    return { body: createReadStream(path, { signal }), total: size, url };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HttpStatusError(404);
    throw err;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `32 MiB` for whole MiB, else bytes. */
export function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : `${n} bytes`;
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  if (e.code === 'UND_ERR_BODY_TIMEOUT') return 'the transfer stalled (idle timeout)';
  if (e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET')
    return `the connection was closed early (truncated download): ${e.message ?? ''}`.trim();
  return [e.code, e.message].filter(Boolean).join(': ') || String(err);
}
