import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** An API server answer: the status and the parsed JSON body (`undefined` when it was not JSON). */
export interface KubeResponse {
  status: number;
  body: unknown;
}

/** The few API calls the source makes: GETs and streaming watches, authenticated by a kubeconfig. */
export interface KubeClient {
  /** The API server URL, for logs. */
  server: string;
  get(path: string, signal?: AbortSignal): Promise<KubeResponse>;
  /**
   * Opens a watch (`path` carries `watch=1`) and calls `onEvent` per JSON line. Resolves when the
   * server ends the stream; rejects when the connection breaks or the status is not 200 (the
   * error's `status` then holds it), or when nothing arrives for `idleMs` (a half-open connection
   * that would otherwise hang until TCP gives up).
   */
  watch(path: string, onEvent: (event: unknown) => void, signal: AbortSignal, idleMs: number): Promise<void>;
}

/** Where the kubeconfig came from, for the start-up log line. */
export type KubeConfigOrigin = 'stream context' | 'in-cluster service account' | 'KUBECONFIG';

/**
 * Loads credentials as plugin-contract §3.2 says: the `kubeConfig` bytes the host put in the
 * stream context; without them the pod's service account (KUBERNETES_SERVICE_HOST and the
 * mounted token), then the file `KUBECONFIG` names. Throws when none is there, pointing at
 * `context.rbac` as Botkube's plugins do, or when the kubeconfig cannot be read.
 */
export function loadKubeConfig(
  bytes: Uint8Array,
  env: NodeJS.ProcessEnv,
): { config: KubeConfig; origin: KubeConfigOrigin } {
  const config = new KubeConfig();
  try {
    if (bytes.length > 0) {
      config.loadFromString(new TextDecoder().decode(bytes));
      return { config, origin: 'stream context' };
    }
    if (env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
      config.loadFromCluster();
      return { config, origin: 'in-cluster service account' };
    }
    if (env.KUBECONFIG) {
      config.loadFromFile(env.KUBECONFIG.split(':')[0] ?? env.KUBECONFIG);
      return { config, origin: 'KUBECONFIG' };
    }
  } catch (err) {
    throw new Error(`kubernetes source: the kubeconfig cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  throw new Error(
    'kubernetes source: no kubeconfig: the stream context has none (set context.rbac on the source so the agent passes one), the plugin does not run in a pod, and KUBECONFIG is not set',
  );
}

/** An error with the HTTP status of the answer that caused it. */
export class KubeHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** A {@link KubeClient} over Node's http(s), authenticated by `config`'s current context. */
export function createKubeClient(config: KubeConfig): KubeClient {
  const cluster = config.getCurrentCluster();
  if (!cluster)
    throw new Error('kubernetes source: the kubeconfig has no current cluster (check current-context)');
  const base = new URL(cluster.server);
  // `idleMs`: socket silence (while waiting for the answer or inside a streamed body) after which
  // the request fails instead of hanging on a half-open connection.
  const send = async (
    path: string,
    signal: AbortSignal | undefined,
    idleMs: number,
  ): Promise<IncomingMessage> => {
    const options: RequestOptions & Record<string, unknown> = {
      method: 'GET',
      headers: { Accept: 'application/json' },
    };
    await config.applyToHTTPSOptions(options as never);
    const url = new URL(base.pathname.replace(/\/$/u, '') + path, base);
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { ...options, signal }, resolve);
      req.setTimeout(idleMs, () => req.destroy(new Error(`${path}: nothing received for ${idleMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  };
  return {
    server: cluster.server,
    async get(path, signal) {
      const res = await send(path, signal, 60_000);
      const text = await readAll(res);
      return { status: res.statusCode ?? 0, body: parseJson(text) };
    },
    async watch(path, onEvent, signal, idleMs) {
      const res = await send(path, signal, idleMs);
      if (res.statusCode !== 200) {
        const body = parseJson(await readAll(res));
        throw new KubeHttpError(
          `watch ${path}: HTTP ${res.statusCode}: ${statusMessage(body)}`,
          res.statusCode ?? 0,
          body,
        );
      }
      await new Promise<void>((resolve, reject) => {
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line !== '') {
              try {
                onEvent(JSON.parse(line));
              } catch (err) {
                res.destroy(err as Error);
                return;
              }
            }
            newline = buffered.indexOf('\n');
          }
        });
        // A close before the end of the chunked body means the connection broke mid-watch.
        res.on('error', reject);
        res.on('close', () =>
          res.complete ? resolve() : reject(new Error(`watch ${path}: the connection was cut`)),
        );
      });
    },
  };
}

/** The `message` of a Kubernetes Status body, else the body as text. */
export function statusMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return body === undefined ? '(no body)' : JSON.stringify(body).slice(0, 300);
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
