import type { Config } from '../config/schema.js';
import type { PluginRbac } from '../config/slices/plugin-groups.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import { type ClusterConnection, clusterConnection } from './cluster-connection.js';
import { type ImpersonationProxy, startImpersonationProxy } from './impersonation-proxy.js';
import { type RbacCallSite, resolveRbacIdentity } from './rbac-identity.js';

/** A kubeconfig given to one plugin call or stream; release it when the call or stream ends. */
export interface KubeLease {
  /** Kubeconfig YAML bytes, for ExecuteContext.kubeConfig / StreamContext.kubeConfig. */
  kubeConfig: Uint8Array;
  /** Revokes the token (and stops renewing a stream's); idempotent. */
  release(): void;
}

export interface PluginKubeAccessOptions {
  logger: Logger;
  /** The agent's environment, for in-cluster detection; never copied to plugins. */
  env: NodeJS.ProcessEnv;
  /** Lifetime of a stream token between renewals; 10 minutes unless set. */
  streamTtlMs?: number;
  /** Reads the agent's connection; {@link clusterConnection} unless set (tests). */
  connect?: (settings: Config['settings'], env: NodeJS.ProcessEnv) => Promise<ClusterConnection>;
}

/** What a generated kubeconfig names: the cluster, and `context.kubeconfig.defaultNamespace`. */
export interface KubeconfigDefaults {
  clusterName: string;
  /** The context's namespace; `default` when unset, as in Botkube. */
  namespace?: string;
}

function grantDefaults(site: KubeconfigDefaults): { clusterName: string; namespace?: string } {
  return { clusterName: site.clusterName, ...(site.namespace ? { namespace: site.namespace } : {}) };
}

/** True when an enabled executor or source entry of `config` has a `context.rbac` policy. */
export function configWantsKubeAccess(config: Config): boolean {
  const groups = [...Object.values(config.executors), ...Object.values(config.sources)];
  return groups.some((group) =>
    Object.values(group.plugins).some((entry) => {
      const rbac = entry.context.rbac;
      return entry.enabled && ((rbac?.user?.type ?? '') !== '' || (rbac?.group?.type ?? '') !== '');
    }),
  );
}

/**
 * Gives plugin calls Kubernetes access under Botkube's `context.rbac`: the agent's own
 * connection (settings.kubeconfig, else in-cluster) stays here, in the loopback impersonation
 * proxy, and each call gets a kubeconfig holding only a token for that proxy bound to the
 * resolved identity. The proxy runs only when some enabled plugin entry has rbac (see
 * {@link prepare}); entries without rbac get no kubeconfig, as in Botkube.
 */
export class PluginKubeAccess {
  readonly #options: PluginKubeAccessOptions;
  #proxy: ImpersonationProxy | undefined;
  #starting: Promise<void> | undefined;
  readonly #streamGrants = new Map<string, { kubeConfig: Uint8Array; holders: number; end(): void }>();

  constructor(options: PluginKubeAccessOptions) {
    this.#options = options;
  }

  /** True once the proxy runs. */
  get running(): boolean {
    return this.#proxy !== undefined;
  }

  /**
   * Starts the proxy if `config` has an enabled plugin entry with rbac and it is not running yet.
   * Throws SB_ERR_KUBE_CLUSTER when the agent's own connection cannot be read (the agent must not
   * start plugins that would silently lack their identity).
   */
  async prepare(config: Config): Promise<void> {
    if (this.#proxy || !configWantsKubeAccess(config)) return;
    this.#starting ??= (async () => {
      const connect = this.#options.connect ?? ((s, env) => clusterConnection(s, env));
      const connection = await connect(config.settings, this.#options.env);
      this.#proxy = await startImpersonationProxy({
        upstreamUrl: connection.server,
        caPem: connection.caPem,
        credentials: connection.credentials,
      });
      this.#options.logger.info(
        { cluster: connection.server, from: connection.origin, proxy: this.#proxy.url },
        'Kubernetes impersonation proxy for plugins started',
      );
    })().finally(() => {
      this.#starting = undefined;
    });
    await this.#starting;
  }

  /**
   * A kubeconfig for one executor call, valid for `ttlMs` (the command deadline plus a margin)
   * and revoked by `release`. Undefined when the entry has no rbac policy. Throws
   * SB_ERR_KUBE_RBAC when the policy cannot be resolved here, SB_ERR_KUBE_CLUSTER when the
   * proxy is not running.
   */
  forCall(
    rbac: PluginRbac | undefined,
    site: RbacCallSite & KubeconfigDefaults,
    ttlMs: number,
  ): KubeLease | undefined {
    const identity = resolveRbacIdentity(rbac, site);
    if (!identity) return undefined;
    const grant = this.#requireProxy(site.where).grant(identity, { ...grantDefaults(site), ttlMs });
    return { kubeConfig: new TextEncoder().encode(grant.kubeconfig), release: () => grant.revoke() };
  }

  /**
   * A kubeconfig for a source stream: its token is renewed every third of its lifetime while a
   * stream holds it (a plugin keeps the kubeconfig it got at open, so the token must outlive
   * reopenings) and revoked when the last holder releases it. Streams with the same identity
   * share one kubeconfig, byte for byte, so a plugin that shares informers per kubeconfig (as
   * Botkube's kubernetes source does) still can. Sources get no channel, as in Botkube.
   */
  forStream(
    rbac: PluginRbac | undefined,
    site: Omit<RbacCallSite, 'channel'> & KubeconfigDefaults,
  ): KubeLease | undefined {
    const identity = resolveRbacIdentity(rbac, site);
    if (!identity) return undefined;
    const key = JSON.stringify([site.clusterName, site.namespace ?? '', identity.user, identity.groups]);
    let shared = this.#streamGrants.get(key);
    if (!shared) {
      const ttlMs = this.#options.streamTtlMs ?? 10 * 60_000;
      const grant = this.#requireProxy(site.where).grant(identity, { ...grantDefaults(site), ttlMs });
      const timer = setInterval(() => grant.renew(ttlMs), Math.max(1, Math.floor(ttlMs / 3)));
      timer.unref();
      shared = {
        kubeConfig: new TextEncoder().encode(grant.kubeconfig),
        holders: 0,
        end: () => {
          clearInterval(timer);
          grant.revoke();
        },
      };
      this.#streamGrants.set(key, shared);
    }
    const entry = shared;
    entry.holders += 1;
    let released = false;
    return {
      kubeConfig: entry.kubeConfig,
      release: () => {
        if (released) return;
        released = true;
        entry.holders -= 1;
        if (entry.holders === 0 && this.#streamGrants.get(key) === entry) {
          this.#streamGrants.delete(key);
          entry.end();
        }
      },
    };
  }

  /** Stops renewals and the proxy; every token dies with it. */
  async close(): Promise<void> {
    for (const entry of this.#streamGrants.values()) entry.end();
    this.#streamGrants.clear();
    await this.#starting?.catch(() => {});
    const proxy = this.#proxy;
    this.#proxy = undefined;
    await proxy?.close();
  }

  #requireProxy(where: string): ImpersonationProxy {
    if (!this.#proxy) {
      throw new SwitchboardError(
        'SB_ERR_KUBE_CLUSTER',
        `${where}.context.rbac is set but the agent has no Kubernetes connection running (it starts when a config with an enabled plugin that has rbac is loaded, at start or by a reload, and reading settings.kubeconfig or the in-cluster credentials failed then).`,
      );
    }
    return this.#proxy;
  }
}
