import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { AgentCredentials } from './impersonation-proxy.js';

/** Where the agent itself reaches the API server and how it authenticates; never given to plugins. */
export interface ClusterConnection {
  /** `https://host:port[/path]` */
  server: string;
  caPem: string;
  credentials: AgentCredentials;
  /** Where it came from, for logs: the kubeconfig path or `in-cluster`. */
  origin: string;
}

/** The default service-account mount of a pod. */
export const defaultServiceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

function fail(message: string, cause?: unknown): never {
  throw new SwitchboardError('SB_ERR_KUBE_CLUSTER', message, cause === undefined ? undefined : { cause });
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    return fail(`Cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
}

type Named<T> = { name?: unknown } & T;

function pick(list: unknown, name: string, kind: string, file: string): Record<string, unknown> {
  const entries = Array.isArray(list) ? (list as Named<Record<string, unknown>>[]) : [];
  const found = entries.find((e) => e && e.name === name);
  const body = found?.[kind];
  if (!body || typeof body !== 'object') {
    fail(
      `settings.kubeconfig ${file}: ${kind} "${name}" named by the current context is not in its ${kind}s list.`,
    );
  }
  return body as Record<string, unknown>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads the agent's connection from a kubeconfig file (`settings.kubeconfig`): its current
 * context's cluster (server, CA file or data) and user (token, token file, or client certificate
 * and key, as files or data). Relative paths are resolved against the file's directory, as
 * kubectl does. Exec and auth-provider users are refused: the proxy does not run programs.
 * Throws SB_ERR_KUBE_CLUSTER naming the file and field.
 */
export async function connectionFromKubeconfig(path: string): Promise<ClusterConnection> {
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = parse(await readText(path, 'settings.kubeconfig'));
    if (!parsed || typeof parsed !== 'object')
      fail(`settings.kubeconfig ${path} is not a kubeconfig (a YAML map).`);
    doc = parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof SwitchboardError) throw err;
    return fail(`settings.kubeconfig ${path} is not valid YAML: ${(err as Error).message}`, err);
  }
  const base = dirname(path);
  const resolve = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const current = str(doc['current-context']);
  if (!current) fail(`settings.kubeconfig ${path} has no current-context.`);
  const context = pick(doc.contexts, current, 'context', path);
  const clusterName = str(context.cluster);
  const userName = str(context.user);
  if (!clusterName || !userName)
    fail(`settings.kubeconfig ${path}: context "${current}" must name a cluster and a user.`);
  const cluster = pick(doc.clusters, clusterName, 'cluster', path);
  const user = pick(doc.users, userName, 'user', path);

  const server = str(cluster.server);
  if (!server) fail(`settings.kubeconfig ${path}: cluster "${clusterName}" has no server.`);
  const caData = str(cluster['certificate-authority-data']);
  const caFile = str(cluster['certificate-authority']);
  let caPem: string;
  if (caData) caPem = Buffer.from(caData, 'base64').toString('utf8');
  else if (caFile)
    caPem = await readText(resolve(caFile), `certificate-authority of cluster "${clusterName}" in`);
  else {
    return fail(
      `settings.kubeconfig ${path}: cluster "${clusterName}" has no certificate-authority or certificate-authority-data; the agent verifies the API server.`,
    );
  }

  if (user.exec || user['auth-provider']) {
    fail(
      `settings.kubeconfig ${path}: user "${userName}" uses ${user.exec ? 'exec' : 'auth-provider'}, which Switchboard does not run; use a token, token file or client certificate.`,
    );
  }
  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  const certData = str(user['client-certificate-data']);
  const certFile = str(user['client-certificate']);
  const keyData = str(user['client-key-data']);
  const keyFile = str(user['client-key']);
  let credentials: AgentCredentials;
  if (token) credentials = { token };
  else if (tokenFile) credentials = { tokenFile: resolve(tokenFile) };
  else if ((certData || certFile) && (keyData || keyFile)) {
    credentials = {
      certPem: certData
        ? Buffer.from(certData, 'base64').toString('utf8')
        : await readText(resolve(certFile as string), `client-certificate of user "${userName}" in`),
      keyPem: keyData
        ? Buffer.from(keyData, 'base64').toString('utf8')
        : await readText(resolve(keyFile as string), `client-key of user "${userName}" in`),
    };
  } else {
    return fail(
      `settings.kubeconfig ${path}: user "${userName}" has no token, tokenFile or client certificate and key.`,
    );
  }
  return { server, caPem, credentials, origin: path };
}

/**
 * The in-cluster connection: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the CA
 * `ca.crt` and the (rotating, so re-read) token file `token` of the service-account directory.
 * Throws SB_ERR_KUBE_CLUSTER naming the missing variable or file.
 */
export async function inClusterConnection(
  env: NodeJS.ProcessEnv,
  serviceAccountDir: string = defaultServiceAccountDir,
): Promise<ClusterConnection> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    fail(
      'No cluster connection: settings.kubeconfig is not set and KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not (the agent is not in a pod). An enabled plugin has context.rbac, which needs one.',
    );
  }
  const caPem = await readText(join(serviceAccountDir, 'ca.crt'), 'the in-cluster service-account CA');
  const tokenFile = join(serviceAccountDir, 'token');
  await readText(tokenFile, 'the in-cluster service-account token');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { server: `https://${hostPart}:${port}`, caPem, credentials: { tokenFile }, origin: 'in-cluster' };
}

/** `settings.kubeconfig` when set, else in-cluster (`settings.saCredentialsPathPrefix` or the default directory). */
export function clusterConnection(
  settings: { kubeconfig?: string | undefined; saCredentialsPathPrefix?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<ClusterConnection> {
  if (settings.kubeconfig) return connectionFromKubeconfig(settings.kubeconfig);
  return inClusterConnection(env, settings.saCredentialsPathPrefix || defaultServiceAccountDir);
}
