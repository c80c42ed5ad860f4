import { isEnabled } from '../platforms/slice-kit.js';
import type { ConfigIssue, ConfigPath, IssueCode } from './issues.js';

/**
 * Issues that say a value has the wrong shape. They stay errors everywhere: a disabled block
 * is still read into the config, and a map where a string belongs cannot be read at all.
 */
const shapeCodes: ReadonlySet<IssueCode> = new Set(['type', 'unknown-key', 'missing', 'yaml', 'file']);

/** What {@link skipDisabledBlockValues} decided. */
export interface SkippedValues {
  /** The issues, less the value checks inside disabled blocks. */
  issues: ConfigIssue[];
  /** Disabled blocks that held such a value: the loader reads them as `{enabled: false}`. */
  blocks: ConfigPath[];
}

/**
 * Botkube's validator checks a platform, plugin entry or action only when it is enabled, and
 * its own Helm chart renders disabled blocks with placeholders (`server: ELASTICSEARCH_ADDRESS`).
 * So inside a block whose `enabled` is written and false, issues about a value (format, range,
 * enum, duration…) are dropped; shape issues (wrong type, unknown or missing key) stay. The
 * value is checked again once the block is enabled. The outermost disabled block around each
 * dropped issue is returned so the loader can read it as `{enabled: false}`: nothing of a
 * disabled block is used. `raw` is the merged config the issues were found in.
 */
export function skipDisabledBlockValues(issues: readonly ConfigIssue[], raw: unknown): SkippedValues {
  const blocks = new Map<string, ConfigPath>();
  const kept = issues.filter((issue) => {
    if (issue.severity !== 'error' || shapeCodes.has(issue.code)) return true;
    const block = outermostDisabledBlock(raw, issue.path);
    if (block === undefined) return true;
    blocks.set(JSON.stringify(block), block);
    return false;
  });
  return { issues: kept, blocks: [...blocks.values()] };
}

function outermostDisabledBlock(raw: unknown, path: ConfigPath): ConfigPath | undefined {
  let node = raw;
  for (let depth = 0; depth < path.length; depth++) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (!Array.isArray(node) && Object.hasOwn(node, 'enabled') && !isEnabled(node)) {
      return path.slice(0, depth);
    }
    node = (node as Record<string | number, unknown>)[path[depth] as string | number];
  }
  return undefined;
}

/**
 * A copy of `raw` with each of `blocks` replaced by `{enabled: false}`; the rest is shared,
 * not copied (the loader parses the copy once and drops it).
 */
export function withBlocksDisabled(
  raw: Record<string, unknown>,
  blocks: readonly ConfigPath[],
): Record<string, unknown> {
  const replace = (node: unknown, path: ConfigPath): unknown => {
    if (path.length === 0) return { enabled: false };
    if (typeof node !== 'object' || node === null) return node;
    const [head, ...rest] = path as [string | number, ...(string | number)[]];
    const copy = (Array.isArray(node) ? [...node] : { ...node }) as Record<string | number, unknown>;
    copy[head] = replace((node as Record<string | number, unknown>)[head], rest);
    return copy;
  };
  return blocks.reduce<Record<string, unknown>>(
    (tree, block) => replace(tree, block) as Record<string, unknown>,
    raw,
  );
}
