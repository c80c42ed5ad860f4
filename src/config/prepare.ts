import { isEnabled } from '../platforms/slice-kit.js';
import type { ConfigIssue } from './issues.js';
import { type JsonSchemaNode, objectBranch, visitConfig } from './json-schema-walk.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A schema that accepts anything (plugin `config`, ignored keys): its contents are never touched. */
function isOpaque(schema: JsonSchemaNode): boolean {
  return (
    schema['x-ignored'] !== undefined ||
    (schema.type === undefined && !schema.properties && !schema.anyOf && !schema.oneOf && !schema.items)
  );
}

/**
 * Brings the merged raw config closer to what the schema expects, the way Botkube's decoder
 * was lenient, and collects the warnings that need the raw input:
 *
 * - `null` under a fixed key means "not set" (Go decodes it as the zero value), so the key is
 *   dropped and the default applies. Inside plugin `config` nulls are kept: they are data.
 * - A fixed key written in another case (`RBAC`, `Enabled`; mapstructure matched keys
 *   case-insensitively) is renamed to the schema's spelling, with a warning.
 * - Keys marked `x-ignored` (Botkube settings Switchboard has no use for) get a warning each.
 * - Sections marked `x-unsupported` (Mattermost, PagerDuty, Botkube Cloud, legacy bots) get a
 *   warning when they are enabled.
 *
 * Mutates `raw` (the loader's own merged copy). Returns the warnings.
 */
export function prepareRawConfig(raw: Record<string, unknown>, schema: JsonSchemaNode): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  visitConfig(schema, raw, ({ path, schema: node, value }) => {
    if (node['x-ignored'] !== undefined) {
      warnings.push({
        severity: 'warning',
        code: 'ignored',
        path,
        message: `Botkube setting ignored by Switchboard: ${node['x-ignored']}`,
      });
      return false;
    }
    if (node['x-unsupported'] !== undefined) {
      if (isEnabled(value)) {
        warnings.push({
          severity: 'warning',
          code: 'unsupported',
          path,
          message: `enabled, but not supported: ${node['x-unsupported']}`,
        });
      }
    }
    if (isOpaque(node) || !isPlainObject(value)) return !isOpaque(node);
    const branch = objectBranch(node, value);
    const properties = branch?.properties ?? {};
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(properties, key)) {
        const property = properties[key] as JsonSchemaNode;
        if (value[key] === null && !isOpaque(property)) delete value[key];
        continue;
      }
      const canonical = Object.keys(properties).find((name) => name.toLowerCase() === key.toLowerCase());
      if (canonical === undefined || Object.hasOwn(value, canonical)) continue;
      Object.defineProperty(value, canonical, {
        value: value[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
      delete value[key];
      warnings.push({
        severity: 'warning',
        code: 'key-case',
        path: [...path, canonical],
        message: `key written as "${key}"; Switchboard reads it as "${canonical}" (keys are case-sensitive, write "${canonical}")`,
      });
      if (value[canonical] === null && !isOpaque(properties[canonical] as JsonSchemaNode))
        delete value[canonical];
    }
    return true;
  });
  return warnings;
}
