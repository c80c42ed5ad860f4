/**
 * Reading Web API arguments as Slack does: form values are strings (JSON bodies may carry native
 * types), JSON-valued arguments arrive encoded in one field, booleans are `true`/`1`.
 */
import { SlackApiError } from './api-error.js';

export type Args = Record<string, unknown>;

/** A string argument (numbers and booleans from JSON bodies are stringified); undefined when absent or empty. */
export function optionalString(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw SlackApiError.withMessages('invalid_arguments', [`${name} must be a string`]);
}

/** A required string argument; `invalid_arguments` naming the field when missing. */
export function requiredString(args: Args, name: string, missingCode = 'invalid_arguments'): string {
  const value = optionalString(args, name);
  if (value === undefined) throw SlackApiError.withMessages(missingCode, [`missing required field: ${name}`]);
  return value;
}

export function flag(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** An integer argument within [min, max]; `errorCode` when it is not one. */
export function integer(
  args: Args,
  name: string,
  fallback: number,
  min: number,
  max: number,
  errorCode: string,
): number {
  const raw = args[name];
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw SlackApiError.withMessages(errorCode, [
      `${name} must be an integer between ${min} and ${max}, got ${String(raw)}`,
    ]);
  }
  return value;
}

/** A JSON-valued argument (form: a JSON string; JSON body: the value itself); `errorCode` when malformed. */
export function jsonArgument(args: Args, name: string, errorCode: string): unknown {
  const value = args[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw SlackApiError.withMessages(errorCode, [`${name} is not valid JSON`]);
  }
}
