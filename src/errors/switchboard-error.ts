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
