import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { KubeIdentity } from './proxy-tokens.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * True for request headers a plugin must not pass on: its own credentials, any identity claim
 * (Impersonate-*), and the front-proxy identity headers (X-Remote-*) some API servers trust.
 */
function isIdentityHeader(name: string): boolean {
  return name === 'authorization' || name.startsWith('impersonate-') || name.startsWith('x-remote-');
}

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const list = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    list
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The headers the proxy sends upstream for a plugin request: the plugin's headers minus
 * hop-by-hop, Host and every identity header, plus the agent's `authorization` and the
 * Impersonate-User / Impersonate-Group headers of the identity bound to the plugin's token.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  identity: KubeIdentity,
  authorization: string | undefined,
): OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [rawName, value] of Object.entries(incoming)) {
    const name = rawName.toLowerCase();
    if (value === undefined || name === 'host' || hopByHop.has(name) || named.has(name)) continue;
    if (isIdentityHeader(name)) continue;
    out[name] = value;
  }
  if (authorization) out.authorization = authorization;
  out['impersonate-user'] = identity.user;
  if (identity.groups.length > 0) out['impersonate-group'] = [...identity.groups];
  return out;
}

/** The upstream response headers to return to the plugin: all but hop-by-hop ones. */
export function downstreamResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [rawName, value] of Object.entries(incoming)) {
    const name = rawName.toLowerCase();
    if (value === undefined || hopByHop.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}
