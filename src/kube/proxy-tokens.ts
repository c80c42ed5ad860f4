import { createHash, randomBytes } from 'node:crypto';
import { SwitchboardError } from '../errors/switchboard-error.js';

/** The Kubernetes identity a plugin call acts as: the API server authorizes this user and these groups. */
export interface KubeIdentity {
  user: string;
  groups: string[];
}

/** A token handed to one plugin call. */
export interface IssuedToken {
  /** The bearer token the plugin presents to the proxy; never the agent's own credential. */
  token: string;
  identity: KubeIdentity;
  /** Epoch milliseconds after which the proxy refuses the token. */
  expiresAt: number;
  /** Makes the token unusable at once (idempotent). */
  revoke(): void;
  /**
   * Moves the expiry to `ttlMs` from now, for a token held by a long-running call (a source
   * stream). False when the token is already revoked or expired: it stays dead.
   */
  renew(ttlMs: number): boolean;
}

export interface ProxyTokenRegistryOptions {
  /** Clock in epoch milliseconds; tests pass their own. */
  now?: () => number;
}

interface Entry {
  identity: KubeIdentity;
  expiresAt: number;
}

const tokenPrefix = 'sbkp_';

// Only a hash of each token is kept, so a heap dump or a debug print of the registry does not
// hand out working tokens.
function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Checks an identity before a token is bound to it; Impersonate-Group needs an Impersonate-User. */
export function validateIdentity(identity: KubeIdentity): KubeIdentity {
  if (typeof identity.user !== 'string' || identity.user.trim() === '') {
    throw new SwitchboardError(
      'SB_ERR_KUBE_PROXY',
      `Kubernetes identity has no user (groups ${JSON.stringify(identity.groups)}): impersonating groups needs a user name too; for a group-only policy pass a fixed user such as "botkube-internal-static-user".`,
    );
  }
  for (const group of identity.groups) {
    if (typeof group !== 'string' || group.trim() === '') {
      throw new SwitchboardError(
        'SB_ERR_KUBE_PROXY',
        `Kubernetes identity for user "${identity.user}" has an empty group name in ${JSON.stringify(identity.groups)}.`,
      );
    }
  }
  return { user: identity.user, groups: [...identity.groups] };
}

/**
 * Short-lived random bearer tokens, each bound to one {@link KubeIdentity}. The impersonation
 * proxy looks a token up on every request; an expired or revoked token is unknown.
 */
export class ProxyTokenRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: ProxyTokenRegistryOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Issues a token for `identity`, valid for `ttlMs` milliseconds (> 0). */
  issue(identity: KubeIdentity, ttlMs: number): IssuedToken {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new SwitchboardError(
        'SB_ERR_KUBE_PROXY',
        `Proxy token lifetime must be a positive number of milliseconds, got ${ttlMs}.`,
      );
    }
    const checked = validateIdentity(identity);
    this.#sweep();
    const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
    const key = digest(token);
    const expiresAt = this.#now() + ttlMs;
    const entry: Entry = { identity: checked, expiresAt };
    this.#entries.set(key, entry);
    const issued: IssuedToken = {
      token,
      identity: checked,
      expiresAt,
      revoke: () => {
        this.#entries.delete(key);
      },
      renew: (next) => {
        if (this.#entries.get(key) !== entry || entry.expiresAt <= this.#now()) return false;
        entry.expiresAt = this.#now() + next;
        issued.expiresAt = entry.expiresAt;
        return true;
      },
    };
    return issued;
  }

  /** The identity bound to `token`, or undefined when it is unknown, revoked or expired. */
  lookup(token: string): KubeIdentity | undefined {
    if (!token.startsWith(tokenPrefix)) return undefined;
    const key = digest(token);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.identity;
  }

  /** Number of live tokens (expired ones are dropped first). */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
