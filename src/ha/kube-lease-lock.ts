import { SwitchboardError } from '../errors/switchboard-error.js';
import type { KubeApiClient, KubeApiResponse } from './kube-api-client.js';
import type { LeaseLock, LockObservation } from './lease-lock.js';

export interface KubeLeaseLockOptions {
  client: KubeApiClient;
  namespace: string;
  name: string;
  identity: string;
  /** Written as `spec.leaseDurationSeconds`; whole seconds. */
  leaseDurationMs: number;
  /** Wall clock for acquireTime/renewTime (tests). */
  now?: () => number;
  /** Monotonic clock for expiry (tests). */
  monotonic?: () => number;
}

/** The coordination.k8s.io/v1 Lease fields the election reads and writes. */
interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: LeaseSpec;
}

// Kubernetes names: a Lease name is a DNS subdomain, a namespace a DNS label.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/u;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/u;

/** Go's metav1.MicroTime layout: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/u, '.$1000Z');
}

function statusMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return body === undefined ? '(no body)' : JSON.stringify(body).slice(0, 300);
}

/**
 * A Lease in one namespace as the lock, with client-go's rules: a lease held by another is
 * honoured until `leaseDurationSeconds` after this replica last saw it change (its own
 * monotonic clock, so clock skew between nodes does not matter); writes carry the
 * resourceVersion read, so of two candidates only one wins (the other gets 409). Needs only
 * get, create and update on `leases` in the namespace.
 */
export function createKubeLeaseLock(options: KubeLeaseLockOptions): LeaseLock {
  const { client, namespace, name, identity, leaseDurationMs } = options;
  const where = `leader election (Lease ${namespace}/${name})`;
  if (!dnsLabel.test(namespace) || namespace.length > 63)
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      `${where}: namespace "${namespace}" is not a Kubernetes namespace name (lower-case letters, digits and "-", at most 63).`,
    );
  if (!dnsSubdomain.test(name) || name.length > 253)
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      `${where}: lease name "${name}" is not a Kubernetes object name (lower-case DNS subdomain).`,
    );
  if (!Number.isInteger(leaseDurationMs / 1000) || leaseDurationMs < 1000)
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      `${where}: leaseDurationMs is ${leaseDurationMs}; a Lease holds whole seconds (leaseDurationSeconds), so expected a multiple of 1000.`,
    );
  const leaseSeconds = leaseDurationMs / 1000;
  const now = options.now ?? Date.now;
  const monotonic = options.monotonic ?? (() => performance.now());
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  const path = `${collection}/${name}`;

  /** The lease as last read or written, and when (monotonic) its spec was last seen to change. */
  let observed: { lease: Lease; at: number; key: string } | undefined;

  const specKey = (spec: LeaseSpec | undefined): string =>
    JSON.stringify([
      spec?.holderIdentity ?? '',
      spec?.renewTime ?? '',
      spec?.acquireTime ?? '',
      spec?.leaseTransitions ?? 0,
    ]);

  const remember = (lease: Lease): void => {
    const key = specKey(lease.spec);
    if (!observed || observed.key !== key) observed = { lease, at: monotonic(), key };
    else observed = { ...observed, lease };
  };

  const refused = (verb: string, res: KubeApiResponse): SwitchboardError =>
    new SwitchboardError(
      'SB_ERR_HA_LEASE',
      `${where}: ${verb} as "${identity}" answered HTTP ${res.status}: ${statusMessage(res.body)}` +
        (res.status === 403
          ? ` (the identity needs get, create and update on coordination.k8s.io leases in namespace ${namespace})`
          : ''),
      { details: { status: res.status } },
    );

  const holderOf = (lease: Lease | undefined): string | undefined => lease?.spec?.holderIdentity || undefined;

  const write = async (
    lease: Lease,
    previous: LeaseSpec | undefined,
    signal: AbortSignal,
  ): Promise<LockObservation> => {
    const mine = previous?.holderIdentity === identity;
    const at = microTime(now());
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: mine ? (previous?.acquireTime ?? at) : at,
      renewTime: at,
      leaseTransitions: mine ? (previous?.leaseTransitions ?? 0) : (previous?.leaseTransitions ?? 0) + 1,
    };
    const res = await client.request('PUT', path, { ...lease, spec }, signal);
    if (res.status === 200) {
      remember(res.body as Lease);
      return { leading: true, holder: identity };
    }
    if (res.status === 409) return { leading: false, holder: holderOf(observed?.lease) };
    throw refused('update', res);
  };

  return {
    description: `Lease ${namespace}/${name}`,

    async attempt(signal) {
      // Holding it with a known resourceVersion: renew in one round trip; a 409 means someone
      // wrote meanwhile, and the read below finds out who.
      if (observed && holderOf(observed.lease) === identity) {
        const renewed = await write(observed.lease, observed.lease.spec, signal);
        if (renewed.leading) return renewed;
      }
      const res = await client.request('GET', path, undefined, signal);
      if (res.status === 404) {
        const at = microTime(now());
        const created = await client.request(
          'POST',
          collection,
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: leaseSeconds,
              acquireTime: at,
              renewTime: at,
              leaseTransitions: 0,
            },
          },
          signal,
        );
        if (created.status === 201 || created.status === 200) {
          remember(created.body as Lease);
          return { leading: true, holder: identity };
        }
        if (created.status === 409) return { leading: false, holder: undefined };
        throw refused('create', created);
      }
      if (res.status !== 200) throw refused('get', res);
      const lease = res.body as Lease;
      if (!lease || typeof lease !== 'object' || !lease.metadata) throw refused('get (not a Lease)', res);
      remember(lease);
      const holder = holderOf(lease);
      const seconds = lease.spec?.leaseDurationSeconds ?? leaseSeconds;
      const current = observed as { at: number };
      if (holder !== undefined && holder !== identity && current.at + seconds * 1000 > monotonic())
        return { leading: false, holder };
      return write(lease, lease.spec, signal);
    },

    async release(signal) {
      let lease = observed?.lease;
      // Twice at most: a renewal aborted by stop() may still have landed, moving the
      // resourceVersion; the re-read shows whether the lease is still ours to clear.
      for (let round = 0; round < 2; round++) {
        if (!lease || holderOf(lease) !== identity) return;
        // client-go's release: no holder and a 1 s duration, so candidates take it at once; the
        // resourceVersion makes this a no-op if someone else wrote since.
        const at = microTime(now());
        const spec: LeaseSpec = {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          acquireTime: at,
          renewTime: at,
        };
        const res = await client.request('PUT', path, { ...lease, spec }, signal);
        if (res.status === 200) {
          remember(res.body as Lease);
          return;
        }
        if (res.status !== 409) throw refused('update (release)', res);
        const current = await client.request('GET', path, undefined, signal);
        if (current.status !== 200) return;
        lease = current.body as Lease;
      }
    },
  };
}
