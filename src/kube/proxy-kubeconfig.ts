import { stringify } from 'yaml';

export interface ProxyKubeconfigOptions {
  /** The proxy's loopback URL, e.g. `https://127.0.0.1:41234`. */
  proxyUrl: string;
  /** The proxy's own certificate (not the cluster CA), trusted for this one server. */
  proxyCaPem: string;
  /** The per-call proxy token: the only credential the plugin gets. */
  token: string;
  /** Cluster, user and context name (Botkube uses `settings.clusterName`). */
  clusterName: string;
  /** Default namespace of the context; `default` as in Botkube. */
  namespace?: string;
}

/**
 * A kubeconfig for one plugin call that points at the impersonation proxy and holds only the
 * call's proxy token and the proxy's certificate: no API server address, cluster CA or agent credential, so `kubectl config view
 * --raw` reveals nothing that works without the proxy or beyond the impersonated identity.
 */
export function renderProxyKubeconfig(options: ProxyKubeconfigOptions): string {
  const name = options.clusterName;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: options.proxyUrl,
          'certificate-authority-data': Buffer.from(options.proxyCaPem).toString('base64'),
        },
      },
    ],
    users: [{ name, user: { token: options.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? 'default' } }],
    'current-context': name,
  });
}
