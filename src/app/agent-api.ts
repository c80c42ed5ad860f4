import type { Bot } from '../bots/bot.js';
import type { ConfigLocator } from '../config/locate.js';
import type { Config } from '../config/schema.js';
import type { Destination } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';
import type { AgentUrls } from './agent-start.js';
import type { AgentStatus, PlatformContext } from './agent-status.js';
import type { PortOverrides } from './listeners.js';
import type { ReloadReport } from './reload.js';
import type { PlatformInstance } from './topology.js';

/** What `createAgent` is given besides the config: the outside world it runs in. */
export interface AgentDeps {
  logger: Logger;
  version: string;
  /** Where runtime state (command-made changes) is kept. */
  stateDir: string;
  /** The config files the agent runs on: they key its runtime state file (default: `watch.files`). */
  configFiles?: readonly string[];
  /**
   * Makes the bot or sink of an enabled platform; undefined when this build has none for it.
   * An instance of kind `bot` must get a {@link Bot}: the agent starts it without probing it.
   * `context` lets a platform show the agent's state (the console's status panel).
   */
  createPlatform(
    instance: PlatformInstance,
    context: PlatformContext,
  ): Bot | Destination | undefined | Promise<Bot | Destination | undefined>;
  /** Override the listen ports (tests use 0). */
  ports?: PortOverrides;
  /** From loadConfig: lets plugin config errors name their file and line. */
  locator?: ConfigLocator;
  /** Config files to watch: a valid change is applied without a restart, an invalid one is rejected. */
  watch?: { files: readonly string[]; env?: NodeJS.ProcessEnv };
  /** `start --strict`: overrides `settings.strictStart`. */
  strict?: boolean;
}

/** A running (or startable) agent, as the CLI and tests drive it. */
export interface Agent {
  /** Installs and starts plugins, platforms, streams and the HTTP listeners. */
  start(): Promise<AgentUrls>;
  stop(): Promise<void>;
  status(): AgentStatus;
  /**
   * Applies a new validated config without a restart: bindings, aliases, actions and
   * notifications at once; only the plugins, source streams and platforms that changed
   * are started or stopped. Returns what it did, and the settings that need a restart.
   */
  reload(next: Config, locator?: ConfigLocator): Promise<ReloadReport>;
}
