/**
 * Channel names and IDs, learned once. Configured channels (by name or ID) are resolved at start
 * from `conversations.list` and pinned: a rename in Slack does not break them, and an inbound
 * message maps back to its configured channel without any API call. Botkube instead calls
 * `conversations.info` on every message. The list is fetched again only for an outbound name
 * the cache does not know, at most once per `refreshIntervalMs`.
 */
import { SwitchboardError } from '../../errors/switchboard-error.js';

export interface ChannelInfo {
  id: string;
  name: string;
}

export interface ChannelDirectoryOptions {
  /** Every channel the bot can see (all pages of `conversations.list`). */
  list(): Promise<ChannelInfo[]>;
  /** Least time between two fetches caused by cache misses. Default 30 s. */
  refreshIntervalMs?: number;
  now?: () => number;
}

/** A Slack conversation ID: C (channel), G (private, legacy) or D (direct message). */
const idPattern = /^[CGD][A-Z0-9]{2,}$/;

/** True when `ref` is written as a Slack conversation ID rather than a name. */
export function looksLikeChannelId(ref: string): boolean {
  return idPattern.test(ref);
}

const normalise = (name: string) => name.replace(/^#/, '').trim().toLowerCase();

export class ChannelDirectory {
  readonly #options: ChannelDirectoryOptions;
  readonly #byName = new Map<string, string>();
  readonly #names = new Map<string, string>();
  /** Configured reference (as written in config) → ID, and back. */
  readonly #configured = new Map<string, string>();
  readonly #configuredById = new Map<string, string>();
  #lastFetch = Number.NEGATIVE_INFINITY;
  #fetching: Promise<void> | undefined;

  constructor(options: ChannelDirectoryOptions) {
    this.#options = options;
  }

  /**
   * Resolves the configured channels (names or IDs) and pins them. Throws SB_ERR_PLATFORM_CHANNEL
   * naming every channel the bot cannot see.
   */
  async resolveConfigured(refs: readonly string[]): Promise<void> {
    await this.#fetch();
    const missing: string[] = [];
    for (const ref of refs) {
      const id = this.#lookup(ref);
      if (id === undefined) {
        missing.push(ref);
        continue;
      }
      this.#configured.set(ref, id);
      this.#configuredById.set(id, ref);
    }
    if (missing.length > 0) {
      const list = missing.map((m) => `"${m}"`).join(', ');
      throw new SwitchboardError(
        'SB_ERR_PLATFORM_CHANNEL',
        `Slack channel${missing.length > 1 ? 's' : ''} ${list} not found among the ${this.#names.size} channels the bot can see. Check the name (without "#"), invite the bot to private channels (/invite @<bot>), or configure the channel ID.`,
        { details: { missing } },
      );
    }
  }

  /** The configured reference of a channel ID (what the agent's bindings are keyed by), if configured. */
  configuredRef(id: string): string | undefined {
    return this.#configuredById.get(id);
  }

  /** The channel's current name, when known. */
  nameOf(id: string): string | undefined {
    return this.#names.get(id);
  }

  /**
   * The ID to post to for `ref` (a configured reference, a name, or an ID). A name the cache does
   * not know triggers one (throttled) refresh; an ID is used as it is. Undefined when unknown.
   */
  async idFor(ref: string): Promise<string | undefined> {
    const known = this.#configured.get(ref) ?? this.#lookup(ref);
    if (known !== undefined) return known;
    if (looksLikeChannelId(ref)) return ref;
    const now = (this.#options.now ?? Date.now)();
    if (now - this.#lastFetch >= (this.#options.refreshIntervalMs ?? 30_000)) await this.#fetch();
    return this.#lookup(ref);
  }

  /** Applies a `channel_rename` event: the new name resolves, configured channels stay pinned. */
  renamed(id: string, name: string): void {
    const old = this.#names.get(id);
    if (old !== undefined && this.#byName.get(normalise(old)) === id) this.#byName.delete(normalise(old));
    this.#names.set(id, name);
    this.#byName.set(normalise(name), id);
  }

  #lookup(ref: string): string | undefined {
    if (looksLikeChannelId(ref)) return this.#names.has(ref) ? ref : undefined;
    return this.#byName.get(normalise(ref));
  }

  /** One fetch at a time; callers during a fetch wait for it. */
  #fetch(): Promise<void> {
    this.#fetching ??= (async () => {
      try {
        const channels = await this.#options.list();
        this.#byName.clear();
        this.#names.clear();
        for (const c of channels) {
          this.#names.set(c.id, c.name);
          this.#byName.set(normalise(c.name), c.id);
        }
      } finally {
        this.#lastFetch = (this.#options.now ?? Date.now)();
        this.#fetching = undefined;
      }
    })();
    return this.#fetching;
  }
}
