import { Duration } from '../core/duration.js';
import { redactedText, Secret } from '../core/secret.js';
import type { Config } from './schema.js';

/** Keys inside plugin `config` (opaque to the agent) whose values are credentials by their name. */
const secretKey = /token|secret|password|passwd|credential|api[-_]?key|authorization|private[-_]?key/i;

/** `scheme://user:password@host` → `scheme://user:[redacted]@host`. */
function redactUrlCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]+):[^/@\s]+@/i, `$1:${redactedText}@`);
}

/**
 * A plain, JSON/YAML-ready copy of the config for people to read (`config show`, the
 * `show config` chat command): every {@link Secret} is `[redacted]` (an empty one stays `''`
 * so "not set" remains visible), credentials in URLs are masked, values under secret-looking
 * keys inside plugin `config` are masked, durations are Go strings, and source/executor
 * groups are written back in Botkube's shape. The result loads again as a config, minus the
 * redacted values.
 */
export function redactConfig(config: Config): Record<string, unknown> {
  return toPlain(config, []) as Record<string, unknown>;
}

function toPlain(value: unknown, path: readonly string[]): unknown {
  if (value instanceof Secret) return value.resolved && value.isEmpty() ? '' : redactedText;
  if (value instanceof Duration) return value.toString();
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map((item) => toPlain(item, path));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const isGroup = path.length === 2 && (path[0] === 'sources' || path[0] === 'executors');
  if (isGroup) {
    const group = record as { displayName: string; plugins: Record<string, unknown> };
    const out: Record<string, unknown> = group.displayName === '' ? {} : { displayName: group.displayName };
    for (const [key, entry] of Object.entries(group.plugins)) out[key] = toPlain(entry, [...path, key]);
    return out;
  }
  const isPluginConfig = path.length === 3 && (path[0] === 'sources' || path[0] === 'executors');
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    if (item === undefined) continue;
    out[key] = isPluginConfig && key === 'config' ? redactOpaque(item) : toPlain(item, [...path, key]);
  }
  return out;
}

/** Masks values under secret-looking keys in data whose shape the agent does not know. */
function redactOpaque(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map(redactOpaque);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const masked =
      secretKey.test(key) && (typeof item === 'string' || typeof item === 'number') && item !== '';
    out[key] = masked ? redactedText : redactOpaque(item);
  }
  return out;
}
