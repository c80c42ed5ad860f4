import type { ErrorCode } from './codes.js';

/** Options for {@link SwitchboardError}: `cause` keeps the chain that string formatting would lose. */
export interface SwitchboardErrorOptions {
  cause?: unknown;
  /** Structured facts about the failure (plugin name, pid, stderr tail…), safe to log. */
  details?: Record<string, unknown>;
}

/**
 * Base of every error Switchboard raises on purpose. `message` says what went
 * wrong and, where it can, what to do about it.
 */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/**
 * A failure of a plugin process or of a call to it. The message names the plugin
 * and, for start failures, includes the tail of its stderr.
 */
export class PluginError extends SwitchboardError {
  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(code, message, options);
    this.name = 'PluginError';
  }
}

/** True when `err` is a {@link SwitchboardError} carrying `code`. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * The facts of a failed plugin call (`SB_ERR_PLUGIN_CALL`), as the host records them in
 * `details`: callers read these fields instead of parsing the error's message.
 */
export interface PluginCallDetails {
  plugin: string;
  /** The RPC, e.g. `Execute` or `HandleExternalRequest`. */
  method: string;
  /** The gRPC status code the plugin answered with (16 UNAUTHENTICATED, 3 INVALID_ARGUMENT, …). */
  grpcCode: number;
  /** The plugin's own error text, which is written for the person who ran the command. */
  pluginMessage: string;
}

/** The {@link PluginCallDetails} of `err` when it is an `SB_ERR_PLUGIN_CALL` carrying them, else undefined. */
export function pluginCallDetails(err: unknown): PluginCallDetails | undefined {
  if (!hasCode(err, 'SB_ERR_PLUGIN_CALL')) return undefined;
  const details = (err as { details?: Partial<PluginCallDetails> }).details;
  if (
    typeof details?.plugin !== 'string' ||
    typeof details.method !== 'string' ||
    typeof details.grpcCode !== 'number' ||
    typeof details.pluginMessage !== 'string'
  ) {
    return undefined;
  }
  return {
    plugin: details.plugin,
    method: details.method,
    grpcCode: details.grpcCode,
    pluginMessage: details.pluginMessage,
  };
}
