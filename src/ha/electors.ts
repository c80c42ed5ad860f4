import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { Logger } from '../log/logger.js';
import { type ElectionTimings, resolveTimings } from './election-timings.js';
import { createKubeApiClient } from './kube-api-client.js';
import { createKubeLeaseLock } from './kube-lease-lock.js';
import { createLeaderElector, type ElectionCallbacks, type LeaderElector } from './leader-elector.js';
import { openNatsKvLock } from './nats-kv-lock.js';

/** What every elector needs besides its store. */
export interface ElectorBaseOptions {
  /** This replica's name in the lease (the pod name); unique among replicas. */
  identity: string;
  timings?: Partial<ElectionTimings>;
  callbacks?: ElectionCallbacks;
  log: Logger;
}

export interface KubeLeaseElectorOptions extends ElectorBaseOptions {
  /** From src/kube/cluster-connection.ts: a kubeconfig or the in-cluster service account. */
  connection: ClusterConnection;
  namespace: string;
  /** The Lease's name, shared by all replicas of one agent. */
  name: string;
}

/**
 * A leader elector on a coordination.k8s.io/v1 Lease. Not started; stop() releases the lease
 * and closes its connections. Throws SB_ERR_HA_ELECTION for invalid options.
 */
export function createKubeLeaseElector(options: KubeLeaseElectorOptions): LeaderElector {
  const where = `leader election (Lease ${options.namespace}/${options.name})`;
  const timings = resolveTimings(where, options.timings);
  const client = createKubeApiClient(options.connection);
  const lock = createKubeLeaseLock({
    client,
    namespace: options.namespace,
    name: options.name,
    identity: options.identity,
    leaseDurationMs: timings.leaseDurationMs,
  });
  const elector = createLeaderElector({ ...options, lock, timings });
  return {
    start: () => elector.start(),
    stop: async () => {
      await elector.stop();
      client.close();
    },
    get isLeader() {
      return elector.isLeader;
    },
    get leader() {
      return elector.leader;
    },
  };
}

export interface NatsKvElectorOptions extends ElectorBaseOptions {
  /** The caller's open connection; close it after stop(). */
  connection: NatsConnection;
  bucket: string;
  key: string;
  replicas?: number;
}

/**
 * A leader elector on a key of a JetStream KV bucket whose TTL is the lease duration. Opens
 * (or creates) the bucket, so it is async. Not started. Throws SB_ERR_HA_ELECTION for invalid
 * options and SB_ERR_HA_LEASE when the bucket cannot be used.
 */
export async function openNatsKvElector(options: NatsKvElectorOptions): Promise<LeaderElector> {
  const timings = resolveTimings(
    `leader election (NATS KV ${options.bucket}/${options.key})`,
    options.timings,
  );
  const lock = await openNatsKvLock({
    connection: options.connection,
    bucket: options.bucket,
    key: options.key,
    identity: options.identity,
    leaseDurationMs: timings.leaseDurationMs,
    log: options.log,
    ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
  });
  return createLeaderElector({ ...options, lock, timings });
}
