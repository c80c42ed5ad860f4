import { type RunningStream, startSourceStream } from '../bridge/source/source-streams.js';
import type { Logger } from '../log/logger.js';
import { createSourceClient, type SourceCallContext } from '../plugins/host/source-client.js';
import type { PluginSupervisor } from '../plugins/host/supervisor.js';
import { streamId } from './reload.js';
import { streamCursorKey } from './source-cursors.js';
import type { SourceEntryView } from './topology.js';

export interface StreamSetOptions {
  /** The running source plugin for a key; a stream opens only once its plugin runs. */
  supervisor(key: string): PluginSupervisor | undefined;
  context(group: string): SourceCallContext;
  onEvent(group: string, event: Uint8Array): void;
  /**
   * Where streams resume and where they got to, by stream key (streamCursorKey): absent, every
   * stream starts fresh and cursors are dropped.
   */
  cursors?: {
    /** The cursor a stream opens with (undefined: fresh). */
    resumeFrom(streamKey: string): string | undefined;
    /** Called right after `onEvent` for an event the plugin sent a cursor with. */
    delivered(streamKey: string, cursor: string): void;
  };
  /**
   * The stream's kubeconfig from the entry's `context.rbac` (undefined: none, as in Botkube),
   * held while the stream runs and released when it stops. May throw (SB_ERR_KUBE_RBAC…): the
   * stream then does not open and the reason is logged.
   */
  kubeConfig?(entry: SourceEntryView): { kubeConfig: Uint8Array; release(): void } | undefined;
  logger: Logger;
}

/** The open source streams: one per (source group, plugin, config). */
export class StreamSet {
  #streams: RunningStream[] = [];
  readonly #options: StreamSetOptions;

  constructor(options: StreamSetOptions) {
    this.#options = options;
  }

  list(): readonly RunningStream[] {
    return this.#streams;
  }

  /** Keeps only these as running (reload stopped the others). */
  replace(kept: RunningStream[]): void {
    this.#streams = kept;
  }

  /** Opens the wanted streams that are not running and whose plugin runs; returns how many. */
  startWanted(entries: readonly SourceEntryView[]): number {
    const running = new Set(
      this.#streams.map((s) => streamId(s.spec.group, s.spec.pluginKey, s.spec.config)),
    );
    let count = 0;
    for (const entry of entries) {
      const supervisor = this.#options.supervisor(entry.key);
      if (!supervisor || running.has(streamId(entry.group, entry.key, entry.rawConfig))) continue;
      let kube: { kubeConfig: Uint8Array; release(): void } | undefined;
      try {
        kube = this.#options.kubeConfig?.(entry);
      } catch (err) {
        this.#options.logger.error(
          { source: entry.group, plugin: entry.key, err: (err as Error).message },
          'source stream not opened: its Kubernetes identity could not be set up',
        );
        continue;
      }
      const cursors = this.#options.cursors;
      const key = streamCursorKey(entry.group, entry.key, entry.rawConfig);
      const resumeCursor = cursors?.resumeFrom(key);
      const stream = startSourceStream(
        {
          group: entry.group,
          pluginKey: entry.key,
          client: createSourceClient(supervisor),
          config: entry.rawConfig,
          context: this.#options.context(entry.group),
          ...(kube ? { kubeConfig: kube.kubeConfig } : {}),
          ...(resumeCursor ? { resumeCursor } : {}),
        },
        (group, event, cursor) => {
          this.#options.onEvent(group, event);
          if (cursor) cursors?.delivered(key, cursor);
        },
        this.#options.logger,
      );
      if (kube) {
        const release = kube.release;
        const stop = stream.stop;
        // The stream's token lives exactly as long as the stream.
        stream.stop = async () => {
          try {
            await stop();
          } finally {
            release();
          }
        };
      }
      this.#streams.push(stream);
      count += 1;
    }
    return count;
  }

  /** Stops and forgets the streams of one source plugin (it is about to stop). */
  async stopFor(pluginKey: string): Promise<void> {
    const going = this.#streams.filter((s) => s.spec.pluginKey === pluginKey);
    this.#streams = this.#streams.filter((s) => s.spec.pluginKey !== pluginKey);
    await Promise.all(going.map((s) => s.stop()));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#streams.map((s) => s.stop()));
  }
}
