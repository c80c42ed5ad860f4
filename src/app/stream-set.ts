import { type RunningStream, startSourceStream } from '../bridge/source/source-streams.js';
import type { Logger } from '../log/logger.js';
import { createSourceClient, type SourceCallContext } from '../plugins/host/source-client.js';
import type { PluginSupervisor } from '../plugins/host/supervisor.js';
import { streamId } from './reload.js';
import type { SourceEntryView } from './topology.js';

export interface StreamSetOptions {
  /** The running source plugin for a key; a stream opens only once its plugin runs. */
  supervisor(key: string): PluginSupervisor | undefined;
  context(group: string): SourceCallContext;
  onEvent(group: string, event: Uint8Array): void;
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
      this.#streams.push(
        startSourceStream(
          {
            group: entry.group,
            pluginKey: entry.key,
            client: createSourceClient(supervisor),
            config: entry.rawConfig,
            context: this.#options.context(entry.group),
          },
          this.#options.onEvent,
          this.#options.logger,
        ),
      );
      count += 1;
    }
    return count;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#streams.map((s) => s.stop()));
  }
}
