import { Ajv, type ValidateFunction } from 'ajv';
import { durationPattern } from './duration.js';

/** One program users may run. */
export interface AllowedCommand {
  /** Absolute path of the program; without it the plugin looks the name up in its own PATH. */
  path?: string;
  /**
   * Patterns (JavaScript regular expressions, anchored at both ends) for the arguments: each
   * argument must match one of them in full. Without `args` the command takes no arguments.
   */
  args?: string[];
  /** Shown in the list of allowed commands. */
  description?: string;
}

/** The exec executor's config, merged from every config bound to the command. */
export interface ExecConfig {
  /** The allow-list: command name (what users type) → how to run it. */
  commands: Record<string, AllowedCommand>;
  /** Working directory of every command (default `/`). */
  workingDir?: string;
  /** Extra environment variables for every command, on top of PATH, HOME, LANG and TZ. */
  env?: Record<string, string>;
  /** Longest a command may run before it is stopped, e.g. `20s` (default `20s`). */
  timeout?: string;
  /** Output beyond this many bytes is cut and the command stopped (default 65536). */
  maxOutputBytes?: number;
}

/** JSON Schema of {@link ExecConfig}, published as `metadata.jsonSchema`; `config.test.ts` proves they agree. */
export const execConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'exec',
  description: 'Runs allow-listed programs without a shell and streams their output.',
  type: 'object',
  additionalProperties: false,
  required: ['commands'],
  properties: {
    commands: {
      type: 'object',
      description: 'The allow-list: command name (what users type) → how to run it.',
      // A name is what users type, never a path: a `/` in it could point at another program.
      propertyNames: { pattern: '^[A-Za-z0-9_][A-Za-z0-9._+-]*$', not: { const: 'help' } },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          path: { type: 'string', pattern: '^/', description: 'Absolute path of the program.' },
          args: {
            type: 'array',
            items: { type: 'string' },
            description: 'Anchored regular expressions; each argument must match one in full.',
          },
          description: { type: 'string', description: 'Shown in the list of allowed commands.' },
        },
      },
    },
    workingDir: { type: 'string', pattern: '^/', default: '/', description: 'Working directory.' },
    env: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Extra environment variables for every command.',
    },
    timeout: { type: 'string', pattern: durationPattern, default: '20s', description: 'e.g. 20s, 2m.' },
    maxOutputBytes: { type: 'integer', minimum: 1, default: 65536, description: 'Output limit in bytes.' },
  },
} as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<ExecConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true }).compile<ExecConfig>(execConfigSchema);
  return compiled;
};

/**
 * Checks a merged config against the schema and that every argument pattern compiles. Botkube
 * hosts do not validate plugin configs, so the plugin does, and says what to fix.
 */
export function readExecConfig(config: unknown): ExecConfig {
  const validate = validator();
  if (!validate(config)) {
    const problems = (validate.errors ?? [])
      // ajv reports a bad command name twice (the rule it broke, then propertyNames); keep one.
      .filter((e) => e.propertyName === undefined)
      .map((e) =>
        e.keyword === 'propertyNames'
          ? `${e.instancePath}: "${e.params.propertyName}" is not a command name (letters, digits, ._+-; not "help")`
          : `${e.instancePath || '/'} ${e.message}`,
      );
    throw new Error(`invalid exec config: ${problems.join('; ')}`);
  }
  for (const [name, command] of Object.entries(config.commands)) {
    for (const pattern of command.args ?? []) {
      try {
        new RegExp(pattern);
      } catch (err) {
        throw new Error(`invalid exec config: commands.${name}.args: ${(err as Error).message}`);
      }
    }
  }
  return config;
}
