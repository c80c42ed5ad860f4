/**
 * The one description of a chat platform or sink: everything the rest of the agent needs to
 * know about it without loading it. Each `src/bots/<platform>/descriptor.ts` and
 * `src/sinks/<name>/descriptor.ts` exports one; `registry.ts` lists them, and the config schema,
 * the generated docs, reference checks, validation warnings and the agent's factory read them.
 */
import type { z } from 'zod';
import type { PlatformContext } from '../bots/bot.js';
import type { LengthUnit } from '../core/message-limits.js';
import type { Destination, DestinationCapabilities } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';

/** What a destination can do, and how it counts text (the input of the "fit for destination" step). */
export interface PlatformCapabilities extends DestinationCapabilities {
  /** How the platform counts `maxMessageLength`. */
  lengthUnit: LengthUnit;
}

/**
 * Where a section's channel and sink bindings are, for reference checks:
 * `channels`: `channels.<alias>.bindings.{sources,executors}` (and Slack-style `messageTriggers`);
 * `section`: `bindings.sources` of the section itself (webhook-like sinks);
 * `keyed`: `<under>.<alias>.bindings.sources`, e.g. Elasticsearch `indices.<alias>`.
 */
export type BindingLayout =
  | { at: 'channels' }
  | { at: 'section' }
  | { at: 'keyed'; under: string; noun: string };

/** A problem found in an enabled, secret-resolved section beyond what its schema checks. */
export interface SettingsProblem {
  /** Field of the section, e.g. `botToken`. */
  field: string;
  severity: 'error' | 'warning';
  message: string;
}

/** What a platform's factory receives from the agent. */
export interface PlatformCreateOptions<Settings> {
  /** `<group>/<platform>`: the destination ID. */
  id: string;
  /** The platform's validated config slice. */
  settings: Settings;
  logger: Logger;
  context: PlatformContext;
  clusterName?: string;
  /** `settings.delivery.sinkConcurrency`: events a sink has in flight at once (its pool size). */
  sinkConcurrency?: number;
}

/** The lazily loaded half of a platform: builds its bot or sink. Does no I/O until started. */
export interface PlatformModule<Settings = never> {
  create(options: PlatformCreateOptions<Settings>): Destination;
}

/** Whether this build runs the platform; a planned one validates but does not start. */
export type PlatformStatus = { state: 'implemented' } | { state: 'planned'; reason: string };

/**
 * One platform or sink. Everything but `load` is cheap to import: config validation and docs
 * generation read descriptors without loading Bolt or the Elasticsearch client.
 */
export interface PlatformDescriptor<
  Settings = never,
  Key extends string = string,
  Kind extends 'bot' | 'sink' = 'bot' | 'sink',
> {
  /** Key under `communications.<group>` (`socketSlack`, `webhook`, …). */
  key: Key;
  /** A two-way `bot` or a one-way `sink`. */
  kind: Kind;
  status: PlatformStatus;
  /** The config slice's schema (zod); the root schema composes these. */
  slice: z.ZodType<Settings, unknown>;
  /**
   * Secret fields that must not be empty when the section is enabled. The schema rejects an
   * empty inline value; a value read from an empty file or variable is caught after resolving.
   */
  requiredSecrets: readonly string[];
  /** Checks needing resolved secrets (e.g. Slack token prefixes); absent when there are none. */
  check?(settings: Settings): SettingsProblem[];
  capabilities: PlatformCapabilities;
  /** Builds the pattern of the bot's mention from its user ID or name; absent for sinks. */
  mention?(botIdOrName: string): RegExp;
  /** How channels are named in the config: by `name`, by `id`, by either, or `none` (sinks). */
  channelsBy: 'name' | 'id' | 'name-or-id' | 'none';
  bindings: BindingLayout;
  /** Loads the implementation (`() => import('./index.js')`-style); absent while planned. */
  load?(): Promise<PlatformModule<Settings>>;
}
