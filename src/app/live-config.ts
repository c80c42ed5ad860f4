import type { ActionView } from '../bridge/source/actions/action-runner.js';
import type { Config } from '../config/schema.js';
import type { UsedPlugin } from '../config/used-plugins.js';
import { withSourceBindingOverrides } from './binding-overrides.js';
import { RuntimeState, type RuntimeStateBackend } from './runtime-state.js';
import { buildTopology, type Topology } from './topology.js';

/** The agent's live configuration as its parts read it; every getter reads it anew. */
export interface ConfigView {
  /** The running config: the loaded one with runtime source-binding overrides applied. */
  config(): Config;
  /** The config as loaded from files. */
  baseConfig(): Config;
  topology(): Topology;
  /** Command-made changes; undefined before start has loaded them. */
  state(): RuntimeState | undefined;
}

/**
 * The one holder of what the agent currently runs on: the loaded config, the running config
 * (with command-made source bindings applied), its topology, the plugins it uses and the runtime
 * state. Start and reload switch it; everything else reads it through getters, so a reload is
 * seen by the next command, event or status read.
 */
export class LiveConfig implements ConfigView {
  #base: Config;
  #config: Config;
  #topology: Topology;
  #used: UsedPlugin[] = [];
  #state: RuntimeState | undefined;

  constructor(initial: Config) {
    this.#base = initial;
    this.#config = initial;
    this.#topology = buildTopology(initial);
  }

  config(): Config {
    return this.#config;
  }

  baseConfig(): Config {
    return this.#base;
  }

  topology(): Topology {
    return this.#topology;
  }

  state(): RuntimeState | undefined {
    return this.#state;
  }

  /** The plugins the running config uses (installed or not); empty before start prepares them. */
  used(): readonly UsedPlugin[] {
    return this.#used;
  }

  setUsed(used: UsedPlugin[]): void {
    this.#used = used;
  }

  /** Loads the runtime state (a file, or a shared backend) and applies its source bindings to the loaded config. */
  async loadState(from: string | RuntimeStateBackend): Promise<void> {
    this.#state = await RuntimeState.load(from);
    this.#config = this.withOverrides(this.#base);
    this.#topology = buildTopology(this.#config);
  }

  /** `loaded` with the runtime source-binding overrides applied (as is before state is loaded). */
  withOverrides(loaded: Config): Config {
    const state = this.#state;
    return state ? withSourceBindingOverrides(loaded, (d, c) => state.sourceBindings(d, c)) : loaded;
  }

  /** Makes `next` (`base` with overrides applied) the running config; returns the one it replaces. */
  switchTo(base: Config, next: Config): { config: Config; topology: Topology } {
    const previous = { config: this.#config, topology: this.#topology };
    this.#base = base;
    this.#config = next;
    this.#topology = buildTopology(next);
    return previous;
  }
}

/** Whether a channel gets notifications: its runtime choice, else its config. */
export function notificationsOn(view: ConfigView): (destinationId: string, channelId: string) => boolean {
  return (destinationId, channelId) => {
    const channel = view.topology().channel(destinationId, channelId);
    return (
      view.state()?.notifications(destinationId, channelId, channel?.notificationsConfigured ?? true) ?? true
    );
  };
}

/** The actions that run: enabled in config unless a command switched them (`enable|disable action`). */
export function enabledActions(view: ConfigView): ActionView[] {
  const state = view.state();
  return Object.entries(view.config().actions)
    .filter(([name, a]) => state?.action(name, a.enabled) ?? a.enabled)
    .map(([name, a]) => ({
      name,
      displayName: a.displayName || name,
      command: a.command,
      sources: a.bindings.sources,
      executors: a.bindings.executors,
    }));
}
