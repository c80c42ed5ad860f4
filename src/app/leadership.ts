import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
// The classes' own files: prom-client's index also loads its default metrics (see metrics.ts).
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import type { Config } from '../config/schema.js';
import type { HaSettings } from '../config/slices/ha.js';
import { connectNatsWithRetry, type NatsEndpoint } from '../delivery/nats-connection.js';
import { createKubeLeaseElector, openNatsKvElector } from '../ha/electors.js';
import type { LeaderElector, StepDownReason } from '../ha/leader-elector.js';
import { clusterConnection, defaultServiceAccountDir } from '../kube/cluster-connection.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';

/** This replica's part: `single` without HA; otherwise as elected. */
export type HaRole = 'single' | 'leader' | 'follower';

/** `/status` `ha` and the `/readyz` body. */
export interface HaStatus {
  role: HaRole;
  identity: string;
  /** The lease holder as this replica last saw it. */
  leader?: string;
  store: HaSettings['election']['store'];
  /** When this replica took its current role. */
  since: string;
  /** Terms led since start. */
  terms: number;
}

/** What the agent does when this replica starts or stops leading. */
export interface LeadershipHooks {
  /** Open sources, chat connections and delivery (runs once per term; may be slow). */
  lead(term: number): Promise<void>;
  /** Stop them at once: a successor may start `leaseDuration − renewDeadline` after a step-down. */
  follow(reason: StepDownReason): Promise<void>;
}

/** The NATS endpoint of the delivery store, which HA shares for the lease, state and forwarding. */
export function natsEndpointOf(config: Config): NatsEndpoint {
  const js = config.settings.delivery.store.jetstream;
  const wantsTls = js.tls.enabled || js.tls.caFile !== '' || js.servers.some((s) => s.startsWith('tls://'));
  return {
    servers: js.servers,
    auth: {
      ...(js.user ? { user: js.user, password: js.password.reveal() } : {}),
      ...(js.token.isEmpty() ? {} : { token: js.token.reveal() }),
      ...(js.credentials.isEmpty() ? {} : { credentials: js.credentials.reveal() }),
    },
    ...(wantsTls
      ? { tls: { caFile: js.tls.caFile, certFile: js.tls.certFile, keyFile: js.tls.keyFile } }
      : {}),
  };
}

/** `settings.ha.identity`, else `POD_NAME`, else `<hostname>-<pid>`. */
export function haIdentity(settings: HaSettings, env: NodeJS.ProcessEnv): string {
  return settings.identity || env.POD_NAME || `${hostname()}-${process.pid}`;
}

/** The Lease's namespace: configured, else `POD_NAMESPACE`, else the service account's, else `default`. */
export function leaseNamespace(config: Config, env: NodeJS.ProcessEnv): string {
  const configured = config.settings.ha.election.kubernetes.namespace;
  if (configured) return configured;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  const dir = config.settings.saCredentialsPathPrefix || defaultServiceAccountDir;
  try {
    return readFileSync(join(dir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

/**
 * One replica's part in the election (settings.ha): holds the NATS connection the replicas
 * share (lease on NATS, runtime state, webhook forwarding), runs the elector and tells the agent
 * when to lead and follow. Terms are numbered; `lead` of a term that ended before it ran is
 * skipped by the agent (it checks `isCurrent`).
 */
export class Leadership {
  readonly identity: string;
  #role: HaRole = 'follower';
  #since = new Date().toISOString();
  #leader: string | undefined;
  #term = 0;
  #terms = 0;
  #elector: LeaderElector | undefined;
  #nats: Promise<NatsConnection> | undefined;
  #natsOpen: NatsConnection | undefined;
  readonly #abort = new AbortController();
  readonly #gauge: Gauge;
  readonly #changes: Counter<'to'>;
  #stopped = false;

  constructor(
    private readonly options: {
      config: Config;
      env: NodeJS.ProcessEnv;
      hooks: LeadershipHooks;
      metrics: AgentMetrics;
      log: Logger;
    },
  ) {
    this.identity = haIdentity(options.config.settings.ha, options.env);
    const registers = [options.metrics.registry];
    this.#gauge = new Gauge({
      name: 'switchboard_ha_leader',
      help: '1 while this replica leads (runs sources, chat connections and delivery), 0 while it follows.',
      registers,
    });
    this.#changes = new Counter({
      name: 'switchboard_ha_role_changes_total',
      help: 'Times this replica started (to="leader") or stopped (to="follower") leading.',
      labelNames: ['to'],
      registers,
    });
    this.#gauge.set(0);
  }

  get role(): HaRole {
    return this.#role;
  }

  /** True while `term` is the term this replica leads now. */
  isCurrent(term: number): boolean {
    return this.#role === 'leader' && this.#term === term;
  }

  status(): HaStatus {
    return {
      role: this.#role,
      identity: this.identity,
      ...(this.#leader ? { leader: this.#leader } : {}),
      store: this.options.config.settings.ha.election.store,
      since: this.#since,
      terms: this.#terms,
    };
  }

  /** The shared NATS connection, once open (undefined before, or after stop). */
  natsNow(): NatsConnection | undefined {
    return this.#natsOpen;
  }

  /** The shared NATS connection; connects (retrying, logged) on first use. */
  nats(): Promise<NatsConnection> {
    this.#nats ??= connectNatsWithRetry({
      endpoint: natsEndpointOf(this.options.config),
      name: `switchboard ha ${this.identity}`,
      purpose: 'high availability (lease, shared state, webhook forwarding)',
      log: this.options.log,
      signal: this.#abort.signal,
    }).then((nc) => {
      this.#natsOpen = nc;
      return nc;
    });
    return this.#nats;
  }

  /**
   * Starts campaigning. The NATS connection opens now too (followers forward webhooks over it).
   * Throws SB_ERR_KUBE_CLUSTER when the Lease store has no cluster connection.
   */
  async start(): Promise<void> {
    const { config, env, log } = this.options;
    const ha = config.settings.ha;
    const timings = {
      leaseDurationMs: ha.election.leaseDuration.ms,
      renewDeadlineMs: ha.election.renewDeadline.ms,
      retryPeriodMs: ha.election.retryPeriod.ms,
    };
    const callbacks = {
      onStartedLeading: () => this.#started(),
      onStoppedLeading: (reason: StepDownReason) => this.#stoppedLeading(reason),
      onNewLeader: (identity: string | undefined) => {
        this.#leader = identity;
        log.info({ leader: identity ?? null, identity: this.identity }, 'leader changed');
      },
    };
    const electorLog = log.child({ component: 'leader-election' });
    const natsReady = this.nats();
    if (ha.election.store === 'kubernetes') {
      this.#elector = createKubeLeaseElector({
        identity: this.identity,
        connection: await clusterConnection(config.settings, env),
        namespace: leaseNamespace(config, env),
        name: ha.election.kubernetes.name,
        timings,
        callbacks,
        log: electorLog,
      });
      // The connection is not needed to campaign; a failure to reach NATS is logged by nats().
      natsReady.catch(() => undefined);
    } else {
      const connection = await natsReady;
      if (this.#stopped) return;
      this.#elector = await openNatsKvElector({
        identity: this.identity,
        connection,
        bucket: ha.election.nats.bucket,
        key: ha.election.nats.key,
        replicas: config.settings.delivery.store.jetstream.replicas,
        timings,
        callbacks,
        log: electorLog,
      });
    }
    if (this.#stopped) return;
    log.info(
      { identity: this.identity, store: ha.election.store, ...timings },
      'high availability: campaigning for leadership; following until elected',
    );
    this.#elector.start();
  }

  #started(): void {
    this.#term += 1;
    this.#terms += 1;
    this.#role = 'leader';
    this.#since = new Date().toISOString();
    this.#gauge.set(1);
    this.#changes.inc({ to: 'leader' });
    this.options.log.info(
      { identity: this.identity, term: this.#terms },
      'elected leader: starting sources, chat connections and delivery',
    );
    const term = this.#term;
    this.options.hooks
      .lead(term)
      .catch((err: unknown) =>
        this.options.log.error({ err: (err as Error).message, term }, 'starting the leader’s work failed'),
      );
  }

  async #stoppedLeading(reason: StepDownReason): Promise<void> {
    this.#role = 'follower';
    this.#since = new Date().toISOString();
    this.#gauge.set(0);
    this.#changes.inc({ to: 'follower' });
    const log = this.options.log;
    if (reason === 'stopped') log.info({ identity: this.identity }, 'stepping down: the agent is stopping');
    else
      log.warn(
        { identity: this.identity, reason },
        reason === 'lost'
          ? 'lost the lease to another replica: stopping sources, chat connections and delivery'
          : 'could not renew the lease in time (settings.ha.election.renewDeadline): stopping sources, chat connections and delivery before another replica may take over',
      );
    await this.options.hooks.follow(reason);
  }

  /**
   * Stops campaigning: a leader stops its work first (awaited), then releases the lease. The
   * NATS connection stays open for webhooks still being forwarded; {@link close} closes it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#elector?.stop();
  }

  /** Closes the NATS connection (after the HTTP listeners closed, so forwarded requests got their answer). */
  async close(): Promise<void> {
    const nc = this.#natsOpen;
    this.#natsOpen = undefined;
    if (nc) await nc.drain().catch(() => nc.close());
  }
}
