import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { streamId } from './reload.js';
import { runtimeStateFile } from './runtime-state.js';
import { createWriteBehind } from './write-behind.js';

/**
 * Where each source stream got to: stream key (see {@link streamCursorKey}) → the cursor of the
 * last event of that stream the agent accepted into its delivery queue. A stream opens with its
 * stored cursor, so the plugin reports what happened while no agent streamed it (a restart, a
 * failover). One implementation per place the agent keeps state (a file here; NATS KV for
 * several replicas).
 */
export interface SourceCursorStore {
  /** Every stored cursor. Rejects with an error naming the store when it cannot be read. */
  load(): Promise<Map<string, string>>;
  /**
   * Records a stream's newest cursor. Returns at once: writes are behind (coalesced, the last
   * cursor of a stream wins), so a crash loses at most the last moments, whose events are then
   * reported again after the restart rather than lost.
   */
  set(streamKey: string, cursor: string): void;
  /** Resolves once every cursor `set` so far is written; rejects when that write failed. */
  flush(): Promise<void>;
  /** Flushes, then stops writing; later `set` calls are ignored. */
  close(): Promise<void>;
}

/**
 * A stream's key in the store: a hash of its identity (source group, plugin key, config; the
 * reload's `streamId`), so a changed config is a new stream that starts fresh, and the key is
 * short and safe in a file or a NATS KV key (hex).
 */
export function streamCursorKey(group: string, pluginKey: string, rawConfig: Uint8Array): string {
  return createHash('sha256')
    .update(streamId(group, pluginKey, rawConfig))
    .digest('hex')
    .slice(0, 32);
}

/** The cursor file of an agent run on `configFiles`: keyed like its runtime state file. */
export function sourceCursorsFile(stateDir: string, configFiles: readonly string[]): string {
  const key = basename(runtimeStateFile(stateDir, configFiles)).replace(/^runtime-state-|\.json$/g, '');
  return join(stateDir, `source-cursors-${key}.json`);
}

export interface FileCursorStoreOptions {
  path: string;
  logger: Logger;
  /** The shortest time between two writes (default 1000 ms). */
  intervalMs?: number;
}

interface CursorFile {
  version: 1;
  cursors: Record<string, string>;
}

/**
 * Cursors in one JSON file, written behind: at most one write per `intervalMs`, each with
 * everything set since, atomically (temp file + rename, so a crash never leaves half a file).
 * A failed write is logged and tried again at the next interval with the newest cursors.
 */
export function createFileCursorStore(options: FileCursorStoreOptions): SourceCursorStore {
  const { path } = options;
  const log = options.logger.child({ component: 'source-cursors' });
  const cursors = createWriteBehind<string>({
    intervalMs: options.intervalMs ?? 1000,
    // The whole file each round, so a crash never leaves half of it (temp file + rename).
    persist: async (_changed, all) => {
      const file: CursorFile = { version: 1, cursors: Object.fromEntries(all) };
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, path);
    },
    onError: (err) => log.warn({ file: path, err: err.message }, 'source cursors not written; trying again'),
  });

  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map(cursors.values);
        throw new Error(`source cursor file ${path} could not be read: ${(err as Error).message}`);
      }
      const parsed = parseCursorFile(path, text);
      for (const [key, cursor] of Object.entries(parsed.cursors)) cursors.adopt(key, cursor);
      return new Map(cursors.values);
    },
    set: (streamKey, cursor) => cursors.set(streamKey, cursor),
    flush: () => cursors.flush(),
    close: () => cursors.close(),
  };
}

function parseCursorFile(path: string, text: string): CursorFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`source cursor file ${path} is not valid JSON (${(err as Error).message}); delete it`);
  }
  const cursors = (json as { cursors?: unknown } | null)?.cursors;
  if (
    (json as { version?: unknown } | null)?.version !== 1 ||
    !cursors ||
    typeof cursors !== 'object' ||
    Object.values(cursors).some((v) => typeof v !== 'string')
  ) {
    throw new Error(
      `source cursor file ${path}: expected {"version": 1, "cursors": {<stream key>: <string>}}; delete it`,
    );
  }
  return { version: 1, cursors: cursors as Record<string, string> };
}
