/**
 * Walks a plain config value alongside the JSON Schema generated from the zod schema. The
 * JSON Schema is plain data with stable keywords, which makes it easier to walk than zod's
 * internals; the `x-*` keys it carries come from `.meta()` in the slices.
 */

/** The subset of JSON Schema (draft-07) the walker reads. */
export interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  deprecated?: boolean;
  'x-ignored'?: string;
  'x-unsupported'?: string;
  'x-kind'?: string;
  'x-key'?: string;
  'x-entry-key'?: string;
  [keyword: string]: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** For a map value: the union branch that describes it (matching `const` discriminators). */
export function objectBranch(
  schema: JsonSchemaNode,
  value: Record<string, unknown>,
): JsonSchemaNode | undefined {
  if (schema.properties || schema.additionalProperties !== undefined) return schema;
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches) return undefined;
  const objects = branches.filter((b) => b.type === 'object' || b.properties);
  return (
    objects.find((b) =>
      Object.entries(b.properties ?? {}).every(
        ([key, prop]) => prop.const === undefined || prop.const === value[key],
      ),
    ) ?? objects[0]
  );
}

/** The schema of `key` inside a map described by `schema` (a fixed property or the map's value schema). */
export function childSchema(
  schema: JsonSchemaNode,
  value: Record<string, unknown>,
  key: string,
): JsonSchemaNode | undefined {
  const branch = objectBranch(schema, value);
  if (!branch) return undefined;
  const fixed = branch.properties?.[key];
  if (fixed) return fixed;
  return typeof branch.additionalProperties === 'object' ? branch.additionalProperties : undefined;
}

/** The fixed keys allowed at `path` (for "did you mean" and "expected one of"). */
export function knownKeysAt(
  root: JsonSchemaNode,
  value: unknown,
  path: readonly (string | number)[],
): string[] {
  let schema: JsonSchemaNode | undefined = root;
  let node = value;
  for (const segment of path) {
    if (!schema) return [];
    if (Array.isArray(node) && typeof segment === 'number') {
      schema = schema.items;
      node = node[segment];
    } else if (isPlainObject(node)) {
      schema = childSchema(schema, node, String(segment));
      node = node[String(segment)];
    } else {
      return [];
    }
  }
  if (!schema || !isPlainObject(node)) return Object.keys(schema?.properties ?? {});
  return Object.keys(objectBranch(schema, node)?.properties ?? {});
}

/** What {@link visitConfig} reports for each map key it meets. */
export interface VisitContext {
  path: readonly (string | number)[];
  schema: JsonSchemaNode;
  value: unknown;
}

/**
 * Calls `visit` for every value of `value` that has a schema, depth first, parents before
 * children. `visit` returns false to skip a subtree (ignored keys, opaque plugin config).
 */
export function visitConfig(
  root: JsonSchemaNode,
  value: unknown,
  visit: (
    context: VisitContext,
    parent: Record<string, unknown> | undefined,
    key: string | undefined,
  ) => boolean,
): void {
  const walk = (
    schema: JsonSchemaNode,
    node: unknown,
    path: (string | number)[],
    parent?: Record<string, unknown>,
    key?: string,
  ) => {
    if (!visit({ path, schema, value: node }, parent, key)) return;
    const current = parent && key !== undefined ? parent[key] : node;
    if (Array.isArray(current) && schema.items) {
      current.forEach((item, index) => {
        walk(schema.items as JsonSchemaNode, item, [...path, index]);
      });
    } else if (isPlainObject(current)) {
      for (const childKey of Object.keys(current)) {
        const child = childSchema(schema, current, childKey);
        if (child) walk(child, current[childKey], [...path, childKey], current, childKey);
      }
    }
  };
  walk(root, value, []);
}
