/** The shape of one Web API method implementation. */
import type { EmulatorCore } from '../core.js';
import type { Args } from './args.js';

export type TokenKind = 'bot' | 'app';

export interface MethodCall {
  core: EmulatorCore;
  args: Args;
}

export interface MethodDefinition {
  /** The token type the method accepts; the other gets `not_allowed_token_type`. */
  token: TokenKind;
  /** The success body without `ok`; failures throw SlackApiError or RateLimitedError. */
  run(call: MethodCall): Record<string, unknown> | Promise<Record<string, unknown>>;
}
