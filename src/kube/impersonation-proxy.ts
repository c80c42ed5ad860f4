import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSelfSignedCertificate } from '../contract/tls/x509.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './impersonation-headers.js';
import { renderProxyKubeconfig } from './proxy-kubeconfig.js';
import { type IssuedToken, type KubeIdentity, ProxyTokenRegistry } from './proxy-tokens.js';

/** How the agent itself authenticates to the API server; plugins never see any of it. */
export type AgentCredentials =
  | { token: string }
  /** A token file re-read at most every `tokenFileTtlMs`, as projected service-account tokens rotate. */
  | { tokenFile: string }
  | { certPem: string; keyPem: string };

export interface ImpersonationProxyOptions {
  /** The real API server, `https://host:port[/path]`. */
  upstreamUrl: string;
  /** PEM bundle that verifies the API server's certificate. */
  caPem: string;
  credentials: AgentCredentials;
  /** Listen port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Default lifetime of issued tokens; 15 minutes unless set. */
  defaultTtlMs?: number;
  /** How long a `tokenFile` read is reused; 60 s unless set. */
  tokenFileTtlMs?: number;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

/** One plugin call's access: its token and a kubeconfig that holds only that token. */
export interface ProxyGrant extends IssuedToken {
  kubeconfig: string;
}

/** A running loopback proxy; see {@link startImpersonationProxy}. */
export interface ImpersonationProxy {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /**
   * The proxy's own self-signed certificate, made at start (kubeconfigs carry it as their CA).
   * TLS even on loopback because client-go sends no bearer token to an http:// server.
   */
  caPem: string;
  /**
   * Issues a short-lived token bound to `identity` and a kubeconfig (cluster/context name
   * `clusterName`, namespace `default`) for the plugin call. Revoke it when the call ends.
   */
  grant(
    identity: KubeIdentity,
    options: { clusterName: string; ttlMs?: number; namespace?: string },
  ): ProxyGrant;
  /** Stops listening, ends open watches and revokes nothing further (tokens die with it). */
  close(): Promise<void>;
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = statusBody(code, reason, message);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function bearer(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}

function parseUpstream(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new SwitchboardError('SB_ERR_KUBE_PROXY', `Kubernetes API server URL "${url}" is not a URL.`, {
      cause: err,
    });
  }
  if (parsed.protocol !== 'https:') {
    throw new SwitchboardError(
      'SB_ERR_KUBE_PROXY',
      `Kubernetes API server URL "${url}" must use https: the proxy sends the agent's credentials to it.`,
    );
  }
  return parsed;
}

// Reads the agent's bearer token, caching a token file briefly so a rotated projected token is
// picked up without a read per request.
function authorizationSource(
  credentials: AgentCredentials,
  ttlMs: number,
): () => Promise<string | undefined> {
  if ('token' in credentials) return async () => `Bearer ${credentials.token}`;
  if ('certPem' in credentials) return async () => undefined;
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.value;
    let token: string;
    try {
      token = (await readFile(credentials.tokenFile, 'utf8')).trim();
    } catch (err) {
      throw new SwitchboardError(
        'SB_ERR_KUBE_PROXY',
        `Cannot read the agent's Kubernetes token file ${credentials.tokenFile}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    cached = { value: `Bearer ${token}`, at: Date.now() };
    return cached.value;
  };
}

/**
 * Starts the loopback Kubernetes API proxy that plugins reach instead of the API server. Each
 * request must carry a token from {@link ImpersonationProxy.grant}; the proxy drops the plugin's
 * Authorization and any Impersonate-* / X-Remote-* headers, adds the agent's credentials and the
 * Impersonate-User/Group of the token's identity, and streams the exchange both ways (watches
 * included). Connection upgrades (exec, attach, port-forward) are refused with a 403 Status.
 * The upstream certificate is verified with `caPem`.
 */
export async function startImpersonationProxy(
  options: ImpersonationProxyOptions,
): Promise<ImpersonationProxy> {
  const upstream = parseUpstream(options.upstreamUrl);
  const basePath = upstream.pathname.replace(/\/+$/, '');
  const tokens = new ProxyTokenRegistry(options.now ? { now: options.now } : {});
  const authorization = authorizationSource(options.credentials, options.tokenFileTtlMs ?? 60_000);
  const agent = new Agent({
    keepAlive: true,
    ca: options.caPem,
    ...('certPem' in options.credentials
      ? { cert: options.credentials.certPem, key: options.credentials.keyPem }
      : {}),
  });
  const defaultTtlMs = options.defaultTtlMs ?? 15 * 60_000;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = bearer(req);
    const identity = token ? tokens.lookup(token) : undefined;
    if (!identity) {
      sendStatus(res, 401, 'Unauthorized', 'Switchboard proxy: missing, expired or revoked plugin token');
      req.resume();
      return;
    }
    const headers = upstreamRequestHeaders(req.headers, identity, await authorization());
    const upstreamReq = request({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      path: `${basePath}${req.url ?? '/'}`,
      method: req.method,
      headers,
      agent,
    });
    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, downstreamResponseHeaders(upstreamRes.headers));
      // Watches send one JSON object per chunk and may idle for minutes: flush as they come.
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (err) => {
      sendStatus(
        res,
        502,
        'ServiceUnavailable',
        `Switchboard proxy: Kubernetes API server unreachable: ${err.message}`,
      );
    });
    // A plugin that goes away (kubectl get -w interrupted) must end the upstream watch too.
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  };

  const tls = createSelfSignedCertificate({
    commonName: 'switchboard-kube-proxy',
    ipAddresses: ['127.0.0.1'],
  });
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    handle(req, res).catch((err: Error) =>
      sendStatus(res, 500, 'InternalError', `Switchboard proxy: ${err.message}`),
    );
  });
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    const body = statusBody(
      403,
      'Forbidden',
      'Switchboard proxy: exec, attach and port-forward (connection upgrades) are not available to plugins',
    );
    socket.end(
      `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new SwitchboardError(
          'SB_ERR_KUBE_PROXY',
          `Kubernetes proxy cannot listen on 127.0.0.1:${options.port ?? 0}: ${err.message}`,
          {
            cause: err,
          },
        ),
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caPem: tls.certPem,
    grant(identity, grantOptions) {
      const issued = tokens.issue(identity, grantOptions.ttlMs ?? defaultTtlMs);
      return {
        ...issued,
        kubeconfig: renderProxyKubeconfig({
          proxyUrl: url,
          proxyCaPem: tls.certPem,
          token: issued.token,
          clusterName: grantOptions.clusterName,
          ...(grantOptions.namespace ? { namespace: grantOptions.namespace } : {}),
        }),
      };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
