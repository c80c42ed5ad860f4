import { z } from 'zod';
import type { JsonSchemaNode } from './json-schema-walk.js';
import { Config } from './schema.js';

/**
 * The JSON Schema (draft-07) of what users write: the input side of the zod schema, so
 * `"2112"` for a port and `{fromFile}` for a secret validate too. Editors (YAML language
 * server) and the Helm chart's values schema use it; the loader walks it for warnings.
 * Built on each call and not kept: the agent needs it only while it loads a config, and
 * kept it would stay in the agent's heap for good (about 0.3 MB).
 */
export function configJsonSchema(): JsonSchemaNode {
  return tidy(
    z.toJSONSchema(Config, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as JsonSchemaNode,
  ) as JsonSchemaNode;
}

/** Drops zod's ±2^53 integer bounds (noise in editors). */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER)
      continue;
    out[key] = tidy(value);
  }
  return out;
}

/**
 * The text of config.schema.json as committed: JSON laid out the way the repository's
 * formatter (biome, line width 110) lays it out, so `biome check` and the drift test agree.
 */
export function renderJsonSchemaFile(): string {
  return formatJsonFile(configJsonSchema());
}

/** Any JSON document laid out like config.schema.json (the chart's values.schema.json uses it too). */
export function formatJsonFile(value: unknown): string {
  return `${formatJson(value, 0, 0)}\n`;
}

const lineWidth = 110;

/** Objects one key per line; lists of scalars on one line when they fit, else one item per line. */
function formatJson(value: unknown, indent: number, used: number): string {
  const pad = (n: number) => ' '.repeat(n);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const scalars = value.every((item) => typeof item !== 'object' || item === null);
    const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    // `used` is what precedes the list on its line; one more column for a trailing comma.
    if (scalars && used + flat.length + 1 <= lineWidth) return flat;
    const items = value.map((item) => `${pad(indent + 2)}${formatJson(item, indent + 2, indent + 2)}`);
    return `[\n${items.join(',\n')}\n${pad(indent)}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item]) => {
      const head = `${pad(indent + 2)}${JSON.stringify(key)}: `;
      return `${head}${formatJson(item, indent + 2, head.length)}`;
    });
    return `{\n${lines.join(',\n')}\n${pad(indent)}}`;
  }
  return JSON.stringify(value);
}
