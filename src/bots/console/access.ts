import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackAddress } from './listen-address.js';

/** The outcome of an access check: go on (maybe setting the session cookie), or refuse. */
export type AccessDecision =
  | { ok: true; setCookie?: string }
  | { ok: false; status: 401 | 403; message: string };

export interface AccessPolicyOptions {
  /** The console's token; undefined for a loopback console without one. */
  token: string | undefined;
  /** The configured listen address (a Host naming it is accepted without a token). */
  address: string;
  /** The bound port; it names the cookie, since cookies are per host, not per port. */
  port: number;
}

const sessionLabel = 'switchboard-console-session-v1';

/**
 * Who may use the console. With a token, every request must carry it: `Authorization: Bearer`,
 * `?token=` (the link printed at start; answered with a session cookie), or that cookie. The
 * cookie holds an HMAC of the token, never the token, and is HttpOnly, so page scripts cannot
 * read either. Without a token (loopback only) the Host header must name this machine, which
 * stops DNS-rebinding pages from talking to the console. WebSocket upgrades must also come from
 * a page of this console (Origin check), so other sites cannot hijack a logged-in browser.
 */
export class AccessPolicy {
  readonly cookieName: string;
  readonly #token: string | undefined;
  readonly #tokenDigest: Buffer | undefined;
  readonly #cookieValue: string | undefined;
  readonly #address: string;

  constructor(options: AccessPolicyOptions) {
    this.#token = options.token;
    this.#address = options.address.toLowerCase().replace(/^\[|\]$/g, '');
    this.cookieName = `sb_console_${options.port}`;
    if (options.token !== undefined) {
      this.#tokenDigest = digest(options.token);
      this.#cookieValue = createHmac('sha256', options.token).update(sessionLabel).digest('base64url');
    }
  }

  /** True when requests must carry the token. */
  get protected(): boolean {
    return this.#token !== undefined;
  }

  /** Checks an HTTP request or WebSocket upgrade. `url` is the parsed request URL. */
  check(request: IncomingMessage, url: URL): AccessDecision {
    if (this.#token === undefined) return this.#checkHost(request);
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
    const query = url.searchParams.get('token');
    const cookie = readCookie(request.headers.cookie, this.cookieName);
    if (bearer !== undefined)
      return this.#matches(bearer) ? { ok: true } : wrongToken('Authorization header');
    if (query !== null) {
      return this.#matches(query) ? { ok: true, setCookie: this.#setCookie() } : wrongToken('?token=');
    }
    if (cookie !== undefined) {
      return this.#cookieMatches(cookie) ? { ok: true } : wrongToken('session cookie (the token changed)');
    }
    return {
      ok: false,
      status: 401,
      message:
        'this console needs its access token: open the link printed when the agent started (it ends in ?token=…), or send "Authorization: Bearer <token>"',
    };
  }

  /**
   * Checks a WebSocket upgrade's Origin. Browsers always send one, so a missing Origin is a
   * non-browser client (`switchboard chat`), which no other site can drive.
   */
  checkOrigin(request: IncomingMessage): AccessDecision {
    const origin = request.headers.origin;
    if (origin === undefined) return { ok: true };
    const host = (request.headers.host ?? '').toLowerCase();
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      originHost = '';
    }
    if (originHost !== '' && originHost === host) return { ok: true };
    return {
      ok: false,
      status: 403,
      message: `Origin ${origin.slice(0, 100)} is not this console (${host || 'no Host header'}); WebSocket connections from other sites are refused`,
    };
  }

  #checkHost(request: IncomingMessage): AccessDecision {
    const host = request.headers.host;
    if (host === undefined) return { ok: true };
    const name = host
      .toLowerCase()
      .replace(/:\d+$/, '')
      .replace(/^\[|\]$/g, '');
    if (isLoopbackAddress(name) || name === this.#address) return { ok: true };
    return {
      ok: false,
      status: 403,
      message: `Host ${host.slice(0, 100)} is not this machine; a console without a token answers only to localhost and ${this.#address}`,
    };
  }

  #matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#tokenDigest as Buffer);
  }

  #cookieMatches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), digest(this.#cookieValue as string));
  }

  #setCookie(): string {
    return `${this.cookieName}=${this.#cookieValue}; Path=/; HttpOnly; SameSite=Lax`;
  }
}

function wrongToken(where: string): AccessDecision {
  return { ok: false, status: 401, message: `the access token in the ${where} is wrong` };
}

/** Fixed-length digests, so comparisons take the same time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
