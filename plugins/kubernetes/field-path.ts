/** One step of a field path: a key, an index, or every element (`[*]`). */
export type PathStep = { key: string } | { index: number } | { all: true };

/**
 * Parses the kubectl-JSONPath subset Botkube configs use for `updateSetting.fields`:
 * dotted keys with `[n]` and `[*]` subscripts, with or without `{.` … `}` and a leading dot
 * (`spec.template.spec.containers[*].image`, `{.status.readyReplicas}`). Throws on anything
 * else (filters, slices, recursive descent), naming what is supported.
 */
export function parseFieldPath(path: string): PathStep[] {
  let text = path.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.startsWith('.')) text = text.slice(1);
  if (text === '') throw new Error('the path is empty');
  const steps: PathStep[] = [];
  const token = /([^.[\]]+)|\[(\*|\d+)\]|(\.)/guy;
  let expectKey = true;
  let match: RegExpExecArray | null = token.exec(text);
  let consumed = 0;
  while (match) {
    consumed = token.lastIndex;
    if (match[1] !== undefined) {
      if (!expectKey) throw unsupported();
      steps.push({ key: match[1] });
      expectKey = false;
    } else if (match[2] !== undefined) {
      if (expectKey && steps.length === 0) throw unsupported();
      steps.push(match[2] === '*' ? { all: true } : { index: Number(match[2]) });
      expectKey = false;
    } else {
      if (expectKey) throw unsupported();
      expectKey = true;
    }
    match = token.exec(text);
  }
  if (consumed !== text.length || expectKey) throw unsupported();
  return steps;
}

function unsupported(): Error {
  return new Error('supported are dotted keys with [n] and [*], e.g. spec.template.spec.containers[*].image');
}

/**
 * The values at `steps` in `object`, as kubectl would print them: scalars as text, objects
 * and arrays as JSON, several results joined with `,`, and `<none>` when nothing is there.
 */
export function fieldValue(object: unknown, steps: readonly PathStep[]): string {
  let current: unknown[] = [object];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if ('key' in step) {
        if (value && typeof value === 'object' && !Array.isArray(value) && step.key in value) {
          next.push((value as Record<string, unknown>)[step.key]);
        }
      } else if (Array.isArray(value)) {
        if ('all' in step) next.push(...value);
        else if (step.index < value.length) next.push(value[step.index]);
      }
    }
    current = next;
  }
  const shown = current
    .filter((v) => v !== undefined && v !== null)
    .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
  return shown.length === 0 ? '<none>' : shown.join(',');
}

/**
 * The diff of `fields` between two versions of an object, Botkube's format: per changed field
 * `<field>:` then `\t-: old` and `\t+: new`. Empty when nothing changed. `<none>` → `false`
 * counts as unchanged, as in Botkube (a boolean field that appears as false).
 */
export function fieldsDiff(oldObject: unknown, newObject: unknown, fields: readonly string[]): string[] {
  const diffs: string[] = [];
  for (const field of fields) {
    const steps = parseFieldPath(field);
    const before = fieldValue(oldObject, steps);
    const after = fieldValue(newObject, steps);
    if (before === after || (before === '<none>' && after === 'false')) continue;
    diffs.push(`${field}:\n\t-: ${before}\n\t+: ${after}`);
  }
  return diffs;
}
