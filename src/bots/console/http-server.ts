import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { maxClientFrameBytes, socketPath } from '../../core/console-protocol.js';
import type { Logger } from '../../log/logger.js';
import type { AccessDecision, AccessPolicy } from './access.js';
import type { FileStore } from './file-store.js';
import type { PageAsset } from './page-assets.js';

export interface ConsoleHttpOptions {
  /** Asked per request: the policy names its cookie after the bound port, known only after listen. */
  access(): AccessPolicy;
  assets: ReadonlyMap<string, PageAsset>;
  files: FileStore;
  /** What `GET /api/session` answers (the page asks when its socket keeps failing). */
  session(): Record<string, unknown>;
  /** An accepted WebSocket; `url` is the upgrade request's URL. */
  onSocket(socket: WebSocket, url: URL): void;
  logger: Logger;
}

/** A host we can put into a CSP source expression; anything odd is left out. */
const plainHost = /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i;

/**
 * The console's HTTP side: the page and its assets, file downloads, `/api/session`, and the
 * WebSocket upgrade at `/ws`. Every request passes the {@link AccessPolicy}; upgrades also pass
 * the Origin check. Responses carry a strict Content-Security-Policy (scripts and styles only
 * from this origin, no inline code, Trusted Types so no HTML string can be assigned), nosniff,
 * and refuse framing.
 */
export function createConsoleHttpServer(options: ConsoleHttpOptions): {
  server: Server;
  sockets: WebSocketServer;
} {
  const log = options.logger;
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: maxClientFrameBytes,
    clientTracking: true,
  });
  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'console request failed');
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error');
      else response.destroy();
    }
  });

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = requestUrl(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(
        response,
        405,
        'text/plain; charset=utf-8',
        `${request.method} is not allowed; the console serves GET`,
      );
      return;
    }
    const decision = options.access().check(request, url);
    if (!decision.ok) {
      refuse(response, request, decision);
      return;
    }
    if (decision.setCookie) {
      response.setHeader('Set-Cookie', decision.setCookie);
      // Drop the token from the address bar and history; the cookie carries the session now.
      if (url.pathname === '/' || url.pathname === '/index.html') {
        url.searchParams.delete('token');
        response.setHeader('Location', `${url.pathname}${url.search}`);
        send(response, 303, 'text/plain; charset=utf-8', 'signed in', request);
        return;
      }
    }
    if (url.pathname === '/api/session') {
      response.setHeader('Cache-Control', 'no-store');
      send(response, 200, 'application/json', JSON.stringify(options.session()), request);
      return;
    }
    if (url.pathname.startsWith('/files/')) {
      serveFile(request, response, url);
      return;
    }
    const asset = options.assets.get(url.pathname);
    if (!asset) {
      send(
        response,
        404,
        'text/plain; charset=utf-8',
        `no such page: ${url.pathname.slice(0, 200)}`,
        request,
      );
      return;
    }
    response.setHeader('ETag', asset.etag);
    response.setHeader('Cache-Control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) {
      securityHeaders(response, request);
      response.writeHead(304).end();
      return;
    }
    send(response, 200, asset.contentType, asset.body, request);
  }

  function serveFile(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const id = url.pathname.split('/')[2] ?? '';
    const file = options.files.get(id);
    if (!file) {
      send(
        response,
        404,
        'text/plain; charset=utf-8',
        'this file is no longer kept (the console keeps the most recent files only); run the command again',
        request,
      );
      return;
    }
    const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    );
    response.setHeader('Cache-Control', 'no-store');
    send(response, 200, 'application/octet-stream', Buffer.from(file.content), request);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = requestUrl(request);
    const refuseUpgrade = (status: number, message: string) => {
      log.debug({ status, path: url.pathname }, 'console WebSocket refused');
      const body = `${message}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== socketPath)
      return refuseUpgrade(404, `no WebSocket endpoint at ${url.pathname.slice(0, 200)}`);
    const decision = options.access().check(request, url);
    if (!decision.ok) return refuseUpgrade(decision.status, decision.message);
    const origin = options.access().checkOrigin(request);
    if (!origin.ok) return refuseUpgrade(origin.status, origin.message);
    sockets.handleUpgrade(request, socket, head, (ws) => options.onSocket(ws, url));
  });

  function refuse(
    response: ServerResponse,
    request: IncomingMessage,
    decision: AccessDecision & { ok: false },
  ) {
    log.debug({ status: decision.status, path: requestUrl(request).pathname }, 'console request refused');
    if (decision.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="switchboard-console"');
    send(response, decision.status, 'text/plain; charset=utf-8', `${decision.message}\n`, request);
  }

  return { server, sockets };
}

function requestUrl(request: IncomingMessage): URL {
  // The base only makes relative request targets parse; the Host header is not trusted here.
  try {
    return new URL(request.url ?? '/', 'http://console.invalid');
  } catch {
    return new URL('http://console.invalid/');
  }
}

function securityHeaders(response: ServerResponse, request?: IncomingMessage): void {
  const host = request?.headers.host ?? '';
  const sockets = plainHost.test(host) ? ` ws://${host} wss://${host}` : '';
  response.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'${sockets}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'`,
  );
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  request?: IncomingMessage,
): void {
  securityHeaders(response, request);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.byteLength });
  response.end(request?.method === 'HEAD' ? undefined : bytes);
}
