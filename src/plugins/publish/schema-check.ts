import { Ajv } from 'ajv';

let validator: Ajv | undefined;

/**
 * Problems of a JSON Schema text against the draft-07 meta-schema. Ajv carries
 * the meta-schema itself, so nothing is downloaded (Botkube fetched it from
 * json-schema.org). Schemas declaring another `$schema` are refused.
 */
export function draft07Problems(text: string): string[] {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    return [`not JSON: ${(err as Error).message}`];
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return ['must be a JSON object'];
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared !== undefined && !/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/.test(String(declared))) {
    return [`$schema is ${String(declared)}; only draft-07 is supported`];
  }
  validator ??= new Ajv({ strict: false, allErrors: true });
  if (validator.validateSchema(schema as object) === true) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
