import { inspect } from 'node:util';
import { SwitchboardError } from '../errors/switchboard-error.js';

/** What a redacted secret prints as, everywhere: logs, `config show`, errors. */
export const redactedText = '[redacted]';

/** Where a secret's value comes from, as written in the config. */
export type SecretSource =
  | { kind: 'inline' }
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string };

/**
 * A credential from the config (tokens, passwords, HMAC secrets, header values). The value
 * is only reachable through {@link Secret.reveal}; `toString`, `toJSON` and `util.inspect`
 * print `[redacted]`, so a secret cannot leak through a log line, `JSON.stringify` or an
 * error message by accident. The `#value` private field also makes the type nominal: a plain
 * string is not a `Secret`.
 *
 * `{fromFile}`/`{fromEnv}` references are created pending by the schema and replaced with
 * resolved secrets by the loader (see `resolve-secrets.ts`) before the config is frozen.
 */
export class Secret {
  readonly source: SecretSource;
  readonly #value: string | undefined;

  private constructor(source: SecretSource, value: string | undefined) {
    this.source = source;
    this.#value = value;
  }

  /** A secret with a known value (inline in the config, or already read from its file/env). */
  static of(value: string, source: SecretSource = { kind: 'inline' }): Secret {
    return new Secret(source, value);
  }

  /** A `{fromFile}`/`{fromEnv}` reference whose value the loader has not read yet. */
  static pending(source: Exclude<SecretSource, { kind: 'inline' }>): Secret {
    return new Secret(source, undefined);
  }

  /** False only for references the loader has not resolved (never true after `loadConfig`). */
  get resolved(): boolean {
    return this.#value !== undefined;
  }

  /** The plain value. Throws when the secret is a reference that was never resolved. */
  reveal(): string {
    if (this.#value === undefined) {
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        `secret ${describeSecretSource(this.source)} was never resolved`,
      );
    }
    return this.#value;
  }

  /** True for a resolved empty value (a disabled platform's `token: ''`). Pending references are not empty. */
  isEmpty(): boolean {
    return this.#value === '';
  }

  /** Compares values (for config diffs), never exposing them. */
  equals(other: Secret): boolean {
    return (
      this.#value === other.#value && describeSecretSource(this.source) === describeSecretSource(other.source)
    );
  }

  toString(): string {
    return redactedText;
  }

  toJSON(): string {
    return redactedText;
  }

  [inspect.custom](): string {
    return `Secret(${redactedText})`;
  }
}

/** "from file /run/secrets/x", "from environment variable X" or "inline": safe to print. */
export function describeSecretSource(source: SecretSource): string {
  if (source.kind === 'file') return `from file ${source.path}`;
  if (source.kind === 'env') return `from environment variable ${source.name}`;
  return 'inline';
}
