import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { join, normalize } from 'node:path';

/** What goes wrong when a path is requested. */
export type Fault =
  /** Answer with this status (and a short body). `times`: only the first N requests, then serve normally. */
  | { status: number; times?: number }
  /** Send the real Content-Length but only this many bytes, then cut the connection. */
  | { truncateAt: number }
  /** Wait this long before answering (a slow or stalled server). */
  | { delayMs: number }
  /** Answer with a redirect (302 unless `status` says otherwise) to `location`, as sent. */
  | { redirectTo: string; status?: number };

/** One request the server saw. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The request target as sent (with query). */
  url: string;
  /** True when the request came through as a forward-proxy request (absolute URL). */
  proxied: boolean;
  headers: IncomingMessage['headers'];
}

/** A static file server on 127.0.0.1 with fault injection and a request log. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  requests: LoggedRequest[];
  fault(path: string, fault: Fault): void;
  clearFaults(): void;
  /** Replaces `{{key}}` in served .yaml files (hand-written indexes with absolute URLs). */
  vars: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Serves `root` read-only over real HTTP on loopback (port 0). Also acts as a
 * forward proxy (absolute-form requests and CONNECT tunnels) onto the same
 * directory, so tests can prove HTTP_PROXY is honoured. Paths escaping `root`
 * get 403.
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const faults = new Map<string, Fault & { served?: number }>();
  const requests: LoggedRequest[] = [];
  const vars: Record<string, string> = {};
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    // Absolute-form (plain forward proxy) or a Host that is not us (arrived through a CONNECT tunnel).
    const proxied = /^https?:\/\//.test(raw) || !(req.headers.host ?? '').startsWith('127.0.0.1');
    const path = decodeURIComponent(new URL(raw, 'http://x').pathname);
    requests.push({ method: req.method ?? 'GET', path, url: raw, proxied, headers: req.headers });
    const fault = faults.get(path);
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && 'redirectTo' in fault) {
      res.writeHead(fault.status ?? 302, { location: fault.redirectTo, 'content-type': 'text/plain' });
      res.end(`moved to ${fault.redirectTo}\n`);
      return;
    }
    if (fault && 'status' in fault) {
      fault.served = (fault.served ?? 0) + 1;
      if (fault.times === undefined || fault.served <= fault.times) {
        res.writeHead(fault.status, { 'content-type': 'text/plain' });
        res.end(`injected ${fault.status}\n`);
        return;
      }
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root))) {
      res.writeHead(403).end();
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (file.endsWith('.yaml') && Object.keys(vars).length > 0) {
      let text = await readFile(file, 'utf8');
      for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, v);
      res
        .writeHead(200, { 'content-type': 'application/yaml', 'content-length': Buffer.byteLength(text) })
        .end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
    if (fault && 'truncateAt' in fault) {
      const stream = createReadStream(file, { start: 0, end: Math.max(0, fault.truncateAt - 1) });
      stream.on('data', (chunk) => res.write(chunk));
      stream.on('end', () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    createReadStream(file).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500).end(String(err));
    });
  });
  // CONNECT tunnels (what undici's proxy agent sends) lead back to this same server,
  // whatever host was asked for: a proxy that "resolves" every name to the repository.
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    requests.push({
      method: 'CONNECT',
      path: req.url ?? '',
      url: req.url ?? '',
      proxied: true,
      headers: req.headers,
    });
    const upstream = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    vars,
    fault: (path, f) => faults.set(path, { ...f }),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
