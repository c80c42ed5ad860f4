import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';

/** An API server answer: the status and the parsed JSON body (`undefined` when it was not JSON). */
export interface KubeApiResponse {
  status: number;
  body: unknown;
}

/** JSON requests to the API server with the agent's own credentials. */
export interface KubeApiClient {
  request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<KubeApiResponse>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** How long a read of a (rotating, projected) service-account token file is reused. */
const tokenFileTtlMs = 60_000;

/**
 * A small client over node:https for the few Lease calls: keep-alive (a renewal every retry
 * period should not pay a TLS handshake each time), the connection's CA, and its token, token
 * file (re-read every minute, as projected tokens rotate) or client certificate.
 */
export function createKubeApiClient(connection: ClusterConnection): KubeApiClient {
  const base = new URL(connection.server);
  if (base.protocol !== 'https:') {
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      `leader election: Kubernetes API server URL "${connection.server}" (${connection.origin}) must use https.`,
    );
  }
  const credentials = connection.credentials;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 2,
    ca: connection.caPem,
    ...('certPem' in credentials ? { cert: credentials.certPem, key: credentials.keyPem } : {}),
  });
  let cachedToken: { value: string; at: number } | undefined;
  const authorization = async (): Promise<string | undefined> => {
    if ('token' in credentials) return `Bearer ${credentials.token}`;
    if ('certPem' in credentials) return undefined;
    if (cachedToken && Date.now() - cachedToken.at < tokenFileTtlMs) return cachedToken.value;
    let token: string;
    try {
      token = (await readFile(credentials.tokenFile, 'utf8')).trim();
    } catch (err) {
      throw new SwitchboardError(
        'SB_ERR_HA_LEASE',
        `leader election: cannot read the Kubernetes token file ${credentials.tokenFile}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    cachedToken = { value: `Bearer ${token}`, at: Date.now() };
    return cachedToken.value;
  };
  const prefix = base.pathname.replace(/\/$/u, '');

  return {
    async request(method, path, body, signal) {
      const auth = await authorization();
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (auth) headers.authorization = auth;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const url = new URL(prefix + path, base);
      return new Promise<KubeApiResponse>((resolve, reject) => {
        const req = request(url, { method, headers, agent, signal }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseJson(text) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
