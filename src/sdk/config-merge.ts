import { parseDocument } from 'yaml';

/**
 * Thrown by {@link mergeConfigs} for a document that is not valid YAML or whose top level
 * is not a map. `documentIndex` is 1-based, in the order the host sent the documents;
 * `line`/`column` (1-based) locate a YAML syntax error when there is one.
 */
export class ConfigMergeError extends Error {
  override readonly name = 'ConfigMergeError';
  readonly documentIndex: number;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    message: string,
    details: { documentIndex: number; line?: number; column?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.documentIndex = details.documentIndex;
    this.line = details.line;
    this.column = details.column;
  }
}

/**
 * Merges the plugin configuration documents a host sends (`Config.rawYAML`, one per bound
 * config entry, in binding order) into one object, the way Botkube's SDK does with koanf:
 * later documents win; maps merge key by key at every depth; lists, scalars and explicit
 * `null`s replace what was there; empty documents (or ones that are just `null`) are
 * skipped. YAML merge keys (`<<`) are honoured and duplicate keys are an error, as in
 * go-yaml. The result is a fresh object; the caller checks its shape (`T` is not validated).
 * Throws {@link ConfigMergeError} for invalid UTF-8 or YAML, or a top level that is not a map.
 */
export function mergeConfigs<T = Record<string, unknown>>(documents: ReadonlyArray<Uint8Array | string>): T {
  let merged: Record<string, unknown> = {};
  documents.forEach((document, position) => {
    const parsed = parseConfigDocument(document, position + 1, documents.length);
    if (parsed !== null) {
      merged = mergeMaps(merged, parsed);
    }
  });
  return merged as T;
}

function parseConfigDocument(
  document: Uint8Array | string,
  documentIndex: number,
  count: number,
): Record<string, unknown> | null {
  const where = `config document ${documentIndex} of ${count}`;
  let text: string;
  try {
    text =
      typeof document === 'string' ? document : new TextDecoder('utf-8', { fatal: true }).decode(document);
  } catch (error) {
    throw new ConfigMergeError(`${where} is not valid UTF-8`, { documentIndex, cause: error });
  }
  const parsed = parseDocument(text, { merge: true, prettyErrors: true });
  const [error] = parsed.errors;
  if (error) {
    const position = error.linePos?.[0];
    // The library appends its own "at line L, column C:" plus a code frame; keep the reason only.
    const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
    const at = position ? ` at line ${position.line}, column ${position.col}` : '';
    throw new ConfigMergeError(`${where} is not valid YAML${at}: ${reason}`, {
      documentIndex,
      line: position?.line,
      column: position?.col,
      cause: error,
    });
  }
  const value: unknown = parsed.toJS();
  if (value === null || value === undefined) {
    return null;
  }
  if (!isMap(value)) {
    const kind = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new ConfigMergeError(`${where} must be a YAML map at the top level, got ${kind}`, {
      documentIndex,
    });
  }
  return value;
}

function mergeMaps(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    setOwn(out, key, value);
  }
  for (const [key, value] of Object.entries(override)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    setOwn(out, key, isMap(current) && isMap(value) ? mergeMaps(current, value) : value);
  }
  return out;
}

/** Defines rather than assigns, so a YAML key named `__proto__` stays data, not a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
