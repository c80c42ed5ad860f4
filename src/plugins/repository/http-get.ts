import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { redactUrl } from './getter-url.js';
import { cancelBody } from './read-body.js';

/** Headers configured for one origin (scheme, host and port): never sent anywhere else. */
export interface ScopedHeaders {
  /** `URL.origin` of the repository they were configured for. */
  origin: string;
  values: Record<string, string>;
}

/** A non-2xx answer (redirects are followed before this is thrown). */
export class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** A redirect that will not get better by retrying: a loop, too many hops, a non-http(s) target. */
export class RedirectError extends Error {}

/** Hops followed before giving up (curl's and browsers' limits are in this range). */
export const maxRedirects = 5;

/**
 * Bytes buffered in the response stream before undici pauses its parser. Bodies are read
 * without backpressure (see `readBody`), so this only covers the moment between the headers
 * and the first listener; generous, because a paused parser is what crashes undici 7.
 */
const highWaterMark = 4 * 1024 * 1024;

export interface OpenedBody {
  body: Readable;
  /** Content-Length, when the server sent one. */
  total: number | undefined;
  /** Where the body came from, after redirects. */
  url: URL;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * GETs `url`, following up to {@link maxRedirects} redirects itself so each hop is
 * checked: `headers` go only to their own origin, a loop or a redirect to anything
 * but http(s) fails at once, and the body of every answer not returned (redirects,
 * errors) is drained or cancelled so no connection is left with unread data.
 */
export async function httpGet(
  dispatcher: Dispatcher,
  url: URL,
  options: { headers?: ScopedHeaders; signal: AbortSignal; onRequest: () => void },
): Promise<OpenedBody> {
  const visited = [url];
  let current = url;
  for (;;) {
    options.onRequest();
    const sameOrigin = options.headers && current.origin === options.headers.origin;
    const response = await dispatcher.request({
      origin: current.origin,
      path: `${current.pathname}${current.search}`,
      method: 'GET',
      headers: {
        'user-agent': 'switchboard-plugin-repository',
        ...(sameOrigin ? options.headers?.values : {}),
      },
      signal: options.signal,
      highWaterMark,
    });
    const location = response.headers.location;
    if (redirectStatuses.has(response.statusCode) && typeof location === 'string') {
      await discard(response.body);
      current = nextHop(current, location, visited);
      visited.push(current);
      continue;
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      await discard(response.body);
      throw new HttpStatusError(response.statusCode);
    }
    const length = Number(response.headers['content-length']);
    return { body: response.body, total: Number.isFinite(length) ? length : undefined, url: current };
  }
}

function nextHop(from: URL, location: string, visited: readonly URL[]): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new RedirectError(`${redactUrl(from)} redirected to "${location}", which is not a URL`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new RedirectError(
      `${redactUrl(from)} redirected to ${redactUrl(next)}; only http(s) redirects are followed`,
    );
  }
  const chain = [...visited, next].map((u) => redactUrl(u)).join(' -> ');
  if (visited.some((u) => u.href === next.href)) throw new RedirectError(`redirect loop: ${chain}`);
  if (visited.length > maxRedirects) {
    throw new RedirectError(`more than ${maxRedirects} redirects: ${chain}`);
  }
  return next;
}

/**
 * Reads a little of an unwanted body so the connection can be reused, then cancels
 * the rest; never leaves it unread (an unread body under a closing connection is
 * what trips undici's `assert(!this.paused)`).
 */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    cancelBody(body);
  }
}
