/**
 * Freezes a value and everything reachable from it, so the validated config cannot be changed
 * by any component after boot (a reload produces a new config instead). Returns its argument.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value as object)) {
    deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}
