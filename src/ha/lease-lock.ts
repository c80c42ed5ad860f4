/** What one attempt on the lease found: whether this replica holds it now, and who does. */
export interface LockObservation {
  leading: boolean;
  /** The holder the store names; `undefined` when nobody holds it (released, expired or never taken). */
  holder: string | undefined;
}

/**
 * The store behind an election (a Kubernetes Lease, a NATS KV key). It knows nothing of timers:
 * the elector decides when to call it and what a failure means.
 */
export interface LeaseLock {
  /** For logs and errors: `Lease default/switchboard`, `NATS KV switchboard-leader/leader`. */
  readonly description: string;
  /**
   * One try: take the lease when it is free or expired, renew it when this replica holds it.
   * Rejects on transport errors and refusals; resolves `leading: false` when another holds it or
   * a concurrent writer won.
   */
  attempt(signal: AbortSignal): Promise<LockObservation>;
  /** Gives the lease up at once (only when this replica still holds it), so a successor need not wait for expiry. */
  release(signal: AbortSignal): Promise<void>;
  /**
   * Optional push: calls `onChange` when the lease may have changed hands (a watch), so waiting
   * candidates try at once instead of at their next retry. Returns a function that stops it.
   */
  watch?(onChange: () => void): () => void;
}
