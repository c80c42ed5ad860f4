import type { PluginInstance } from './plugin-instance.js';

/**
 * Something that yields the plugin instance to call: a supervisor (which waits
 * through restarts) or a single instance (CLI, tests).
 */
export interface PluginHandle {
  readonly name: string;
  /** The running instance; waits up to `waitMs` while the plugin (re)starts. */
  acquire(waitMs: number): Promise<PluginInstance>;
}

/** A handle for one already-running instance. */
export function instanceHandle(instance: PluginInstance): PluginHandle {
  return { name: instance.name, acquire: async () => instance };
}
