import { magicCookieKey, magicCookieValue } from '../../contract/handshake.js';

/**
 * Host variables a plugin may see by default: what programs need to run at all,
 * locale, time zone, and proxy/CA settings for plugins that call out. Everything
 * else (chat tokens, agent secrets, cloud credentials) stays in the agent.
 * NODE_EXTRA_CA_CERTS is left out on purpose: Node reads the file at every start
 * (50-75 ms per plugin, docs/benchmarks.md); allow it for the plugins that need it.
 */
export const defaultEnvironmentAllowList: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * Names that look like credentials are never copied from the host, even when allow-listed:
 * the agent's own chat tokens often sit in its environment, and an allow-list entry is easy
 * to widen by mistake. A plugin that needs a credential gets it through `env.extra`
 * (`{fromEnv: NAME}`), which names the one value given away.
 */
const secretLike = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE|AUTH/i;

/** The agent's own settings (config overrides may carry tokens under any name). */
const agentOwn = /^(SWITCHBOARD|BOTKUBE)_/;

/**
 * Where the agent's own Kubernetes credentials are found: a plugin gets its identity only as the
 * per-call kubeconfig from `context.rbac` (docs/rbac.md), never the agent's kubeconfig, even when
 * allow-listed by mistake.
 */
const agentKubeCredentials = new Set(['KUBECONFIG']);

export interface PluginEnvironmentOptions {
  /** The host's environment to copy allow-listed names from. */
  hostEnv: NodeJS.ProcessEnv;
  /** Names copied from the host in addition to {@link defaultEnvironmentAllowList}. */
  allow?: readonly string[];
  /** Values set explicitly for this plugin in config (these may be secrets the operator chose to give it). */
  extra?: Readonly<Record<string, string>>;
  /** Private 0700 directory: the plugin's TMPDIR and socket directory. */
  privateDir: string;
  dependencyDir: string;
  appVersions: readonly number[];
  /** PEM of the host's client certificate, when AutoMTLS is on. */
  clientCertPem?: string;
}

/**
 * Builds the whole environment of a plugin process: the allow-listed host
 * variables, the operator's explicit extras, then go-plugin's variables, which
 * always win. The result is exactly what the child gets; nothing is inherited.
 */
export function buildPluginEnvironment(options: PluginEnvironmentOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of new Set([...defaultEnvironmentAllowList, ...(options.allow ?? [])])) {
    const value = options.hostEnv[name];
    if (
      value !== undefined &&
      !secretLike.test(name) &&
      !agentOwn.test(name) &&
      !agentKubeCredentials.has(name)
    )
      env[name] = value;
  }
  Object.assign(env, options.extra ?? {});
  env[magicCookieKey] = magicCookieValue;
  env.PLUGIN_PROTOCOL_VERSIONS = options.appVersions.join(',');
  env.PLUGIN_MIN_PORT = '10000';
  env.PLUGIN_MAX_PORT = '25000';
  env.PLUGIN_DEPENDENCY_DIR = options.dependencyDir;
  env.TMPDIR = options.privateDir;
  env.PLUGIN_UNIX_SOCKET_DIR = options.privateDir;
  if (options.clientCertPem !== undefined) env.PLUGIN_CLIENT_CERT = options.clientCertPem;
  else delete env.PLUGIN_CLIENT_CERT;
  // Multiplexing changes the handshake and needs broker support this host does not offer.
  delete env.PLUGIN_MULTIPLEX_GRPC;
  return env;
}
