import { basename } from 'node:path';

/**
 * Botkube's file order: the files as given, except that those whose basename starts with `_`
 * (runtime state such as `_runtime_state.yaml`) come after all the others, each group keeping
 * its given order.
 */
export function orderConfigFiles(files: readonly string[]): string[] {
  const isState = (file: string) => basename(file).startsWith('_');
  return [...files.filter((file) => !isState(file)), ...files.filter(isState)];
}

/**
 * Merges `override` into `base` as koanf does for Botkube: maps merge key by key at every
 * depth; lists, scalars and `null` replace what was there. Returns fresh maps (inputs are
 * not modified; lists and scalars are shared).
 */
export function mergeConfigValues(
  base: Readonly<Record<string, unknown>>,
  override: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base))
    setOwn(out, key, isMap(value) ? mergeConfigValues({}, value) : value);
  for (const [key, value] of Object.entries(override)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    setOwn(out, key, isMap(value) ? mergeConfigValues(isMap(current) ? current : {}, value) : value);
  }
  return out;
}

/** Sets `value` at `path` in `tree`, creating (or replacing non-map values with) maps on the way. */
export function setAtPath(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  path.forEach((segment, index) => {
    if (index === path.length - 1) {
      setOwn(node, segment, value);
      return;
    }
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (!isMap(next)) setOwn(node, segment, {});
    node = node[segment] as Record<string, unknown>;
  });
}

/** The value at `path` in a plain tree, or undefined. */
export function valueAtPath(tree: unknown, path: readonly (string | number)[]): unknown {
  let node = tree;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isMap(node) && Object.hasOwn(node, String(segment))) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/** Defines rather than assigns, so a YAML key named `__proto__` stays data, not a prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain map (not a list, not null, not a class instance such as Secret). */
export function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
