import { Ajv, type ValidateFunction } from 'ajv';

/** The echo executor's config, merged from every config bound to the command. */
export interface EchoConfig {
  /** Text put in front of every answer (default: none). */
  prefix?: string;
  /** Answer in upper case. */
  upperCase?: boolean;
}

/**
 * JSON Schema of {@link EchoConfig}: published as `metadata.jsonSchema`, so hosts validate
 * the config before the plugin ever sees it. `config.test.ts` proves the two agree.
 */
export const echoConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'echo',
  description: 'Echoes the command back; a template for executor plugins.',
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: { type: 'string', description: 'Text put in front of every answer.', default: '' },
    upperCase: { type: 'boolean', description: 'Answer in upper case.', default: false },
  },
} as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<EchoConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true }).compile<EchoConfig>(echoConfigSchema);
  return compiled;
};

/**
 * Checks a merged config against the schema. Hosts that validate (Switchboard) never send a
 * bad one, but Botkube hosts do not validate, so the plugin checks again and says what is wrong.
 */
export function readEchoConfig(config: unknown): EchoConfig {
  const validate = validator();
  if (validate(config)) return config;
  const problems = (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
  );
  throw new Error(`invalid echo config: ${problems.join('; ')}`);
}
