import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * The runtime state file of an agent run on `configFiles`, in `stateDir`:
 * `runtime-state-<16 hex digits>.json`, keyed by the config files' absolute paths (sorted, so
 * the order of `--config` flags does not matter). Two agents of the same user with different
 * configs so never share muted channels, disabled actions or source bindings. Paths are made
 * absolute but not resolved through symlinks: Kubernetes swaps a mounted ConfigMap's `..data`
 * link on every update, which would change the key. The unkeyed `runtime-state.json` of
 * earlier versions is not read (nothing in it says which config it belonged to): an upgraded
 * agent starts from its config's settings.
 */
export function runtimeStateFile(stateDir: string, configFiles: readonly string[]): string {
  const paths = configFiles.map((file) => resolve(file)).sort();
  const key = createHash('sha256').update(paths.join('\0')).digest('hex').slice(0, 16);
  return join(stateDir, `runtime-state-${key}.json`);
}

/** What chat commands change at run time, kept across restarts. */
export interface RuntimeStateData {
  /** `<destinationId>|<channelId>` → notifications on (true) or off (false). Absent: the config decides. */
  notifications: Record<string, boolean>;
  /** Action name → enabled. Absent: the config decides. */
  actions: Record<string, boolean>;
  /** `<destinationId>|<channelId>` → source groups bound by `edit sourcebindings`. Absent: the config decides. */
  sourceBindings: Record<string, string[]>;
}

/** Where the runtime state is kept: a file of this agent, or a key shared by replicas (HA). */
export interface RuntimeStateBackend {
  /** For messages: `file /path` or `NATS KV bucket/key`. */
  readonly where: string;
  /** The stored JSON, or undefined when nothing is stored yet. */
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/** The state in one JSON file, written atomically (temp file + rename): a crash never leaves half a file. */
export function fileStateBackend(path: string): RuntimeStateBackend {
  return {
    where: `file ${path}`,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(text) {
      await mkdir(dirname(path), { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, path);
    },
  };
}

/**
 * Runtime changes made by built-in commands, persisted through a backend (a file, or a NATS KV
 * key the replicas share). The config stays the default; this only records deviations from it.
 */
export class RuntimeState {
  #data: RuntimeStateData = { notifications: {}, actions: {}, sourceBindings: {} };
  #writing: Promise<void> = Promise.resolve();

  private constructor(readonly backend: RuntimeStateBackend) {}

  /** Loads the state; nothing stored is an empty state, unreadable JSON an error naming where it is. */
  static async load(from: string | RuntimeStateBackend): Promise<RuntimeState> {
    const backend = typeof from === 'string' ? fileStateBackend(from) : from;
    const state = new RuntimeState(backend);
    const text = await backend.read();
    if (text === undefined) return state;
    try {
      const parsed = JSON.parse(text) as Partial<RuntimeStateData>;
      state.#data = {
        notifications: { ...parsed.notifications },
        actions: { ...parsed.actions },
        sourceBindings: { ...parsed.sourceBindings },
      };
    } catch (err) {
      throw new Error(
        `runtime state ${backend.where} is not valid JSON (${(err as Error).message}); fix or delete it`,
      );
    }
    return state;
  }

  notifications(destinationId: string, channelId: string, configured: boolean): boolean {
    return this.#data.notifications[`${destinationId}|${channelId}`] ?? configured;
  }

  action(name: string, configured: boolean): boolean {
    return this.#data.actions[name] ?? configured;
  }

  /** Source groups chosen for the channel by `edit sourcebindings`, or undefined (the config's). */
  sourceBindings(destinationId: string, channelId: string): readonly string[] | undefined {
    return this.#data.sourceBindings[`${destinationId}|${channelId}`];
  }

  /** Records the channel's chosen source groups; `undefined` goes back to the config's. */
  setSourceBindings(
    destinationId: string,
    channelId: string,
    groups: readonly string[] | undefined,
  ): Promise<void> {
    const key = `${destinationId}|${channelId}`;
    if (groups === undefined) delete this.#data.sourceBindings[key];
    else this.#data.sourceBindings[key] = [...groups];
    return this.#save();
  }

  setNotifications(destinationId: string, channelId: string, enabled: boolean): Promise<void> {
    this.#data.notifications[`${destinationId}|${channelId}`] = enabled;
    return this.#save();
  }

  setAction(name: string, enabled: boolean): Promise<void> {
    this.#data.actions[name] = enabled;
    return this.#save();
  }

  #save(): Promise<void> {
    const snapshot = `${JSON.stringify(this.#data, null, 2)}\n`;
    // Writes are serialised so an older snapshot can never overwrite a newer one.
    this.#writing = this.#writing.then(() => this.backend.write(snapshot));
    return this.#writing;
  }
}
