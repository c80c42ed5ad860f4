/**
 * Global flags: options for the agent rather than for the plugin, removed from the command before
 * it is routed. Botkube's names are kept for compatibility; each also has an `--sb-` form.
 *
 * | Flag (Botkube form / Switchboard form)              | Meaning                                                    |
 * |-----------------------------------------------------|------------------------------------------------------------|
 * | `--cluster-name <n>` / `--sb-cluster-name <n>`      | Only the agent whose cluster is `<n>` answers.             |
 * | `--all-clusters` / `--sb-all-clusters`              | Every agent in the channel answers.                        |
 * | `--filter <text>` / `--sb-filter <text>`            | Keep only output lines containing `<text>`.                |
 * | `--bk-cmd-header <text>` / `--sb-cmd-header <text>` | Replace the reply's header.                                |
 *
 * Value flags take `--flag=value` or `--flag value`; boolean flags take `--flag` or
 * `--flag=true|false` (also `1|0|t|f`, as Go's pflag).
 *
 * **Policy for plugins that have a flag of the same name (Botkube #906: `helm list --filter`
 * never reaches helm).** The `--sb-` forms and `--bk-cmd-header` are always the agent's. A
 * Botkube form (`--cluster-name`, `--all-clusters`, `--filter`) is the agent's, as in Botkube,
 * except when it comes after the command word (the first word that is not a global flag) and
 * either
 * - the command word is one of `options.passthroughPlugins` (config lists the plugins that own
 *   such flags, e.g. `helm`), or
 * - the same command also uses the flag's `--sb-` form: `helm list --filter 'ng.*' --sb-filter web`
 *   gives helm its `--filter` and filters the output for `web`.
 * In those two cases the flag and its value stay in the command for the plugin. A flag written
 * before the command word (`--filter web helm list`) is always the agent's. So existing Botkube
 * commands behave as before, and every plugin flag can be reached.
 */
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Token } from './tokenize.js';

/** The global flags found in a command, and the command without them. */
export interface GlobalFlags {
  /** The command's tokens with each global flag, and its value, removed; order kept. */
  tokens: Token[];
  /** From `--cluster-name`; never empty. */
  clusterName?: string;
  /** From `--all-clusters`; false when absent. */
  allClusters: boolean;
  /** From `--filter`: the text output lines must contain; never empty. */
  filter?: string;
  /** From `--bk-cmd-header`: the reply header to use instead of the default; may be empty. */
  header?: string;
}

/** Options for {@link extractGlobalFlags}. */
export interface GlobalFlagOptions {
  /** Plugin names that receive the Botkube forms of global flags written after their name. */
  passthroughPlugins?: Iterable<string>;
}

type FlagKey = 'clusterName' | 'allClusters' | 'filter' | 'header';

interface FlagSpec {
  key: FlagKey;
  kind: 'value' | 'boolean';
  /** The Botkube spelling, which a plugin may own too (undefined: none). */
  legacy?: string;
  /** Spellings that are always the agent's. */
  reserved: string[];
  /** Whether an empty value is an error (it would silence every agent, or match everything). */
  nonEmpty: boolean;
}

const specs: FlagSpec[] = [
  {
    key: 'clusterName',
    kind: 'value',
    legacy: '--cluster-name',
    reserved: ['--sb-cluster-name'],
    nonEmpty: true,
  },
  {
    key: 'allClusters',
    kind: 'boolean',
    legacy: '--all-clusters',
    reserved: ['--sb-all-clusters'],
    nonEmpty: false,
  },
  { key: 'filter', kind: 'value', legacy: '--filter', reserved: ['--sb-filter'], nonEmpty: true },
  { key: 'header', kind: 'value', reserved: ['--bk-cmd-header', '--sb-cmd-header'], nonEmpty: false },
];

const trueWords = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const falseWords = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * Finds and removes the global flags in `tokens` (see the module comment for the flags and the
 * policy on plugins with flags of the same name). A flag given twice keeps its last value.
 *
 * @throws SwitchboardError `SB_ERR_COMMAND_SYNTAX` when a value flag is the last word (no
 *   value), when `--cluster-name` or `--filter` has an empty value, or when a boolean flag has a
 *   value other than true/false. The message names the flag and is safe to show in chat.
 */
export function extractGlobalFlags(tokens: readonly Token[], options: GlobalFlagOptions = {}): GlobalFlags {
  const passthrough = new Set(options.passthroughPlugins ?? []);
  const reservedUsed = new Set<FlagKey>();
  for (const token of tokens) {
    const spec = specFor(token.value)?.spec;
    if (spec && spec.legacy !== undefined && !isLegacy(spec, token.value)) reservedUsed.add(spec.key);
  }

  const result: GlobalFlags = { tokens: [], allClusters: false };
  let commandWord: string | undefined;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    const found = specFor(token.value);
    const ours =
      found !== undefined &&
      (!isLegacy(found.spec, token.value) ||
        commandWord === undefined ||
        !(passthrough.has(commandWord) || reservedUsed.has(found.spec.key)));
    if (!found || !ours) {
      result.tokens.push(token);
      commandWord ??= token.value;
      continue;
    }
    const { spec, name, inline } = found;
    if (spec.kind === 'boolean') {
      result.allClusters = parseBoolean(name, inline);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next === undefined)
        throw flagError(`${name} needs a value: write ${name}=<value> or ${name} <value>`, name);
      value = next.value;
      i += 1;
    }
    if (spec.nonEmpty && value === '') throw flagError(`${name} needs a non-empty value`, name);
    result[spec.key as 'clusterName' | 'filter' | 'header'] = value;
  }
  return result;
}

/**
 * Whether this agent should answer a command carrying `flags`: yes with `--all-clusters`, yes
 * without `--cluster-name`, otherwise only when the name equals `ourCluster` exactly. Agents that
 * should not answer stay silent; this is how several clusters share one channel.
 */
export function shouldAnswer(
  flags: Pick<GlobalFlags, 'clusterName' | 'allClusters'>,
  ourCluster: string,
): boolean {
  return flags.allClusters || flags.clusterName === undefined || flags.clusterName === ourCluster;
}

function specFor(word: string): { spec: FlagSpec; name: string; inline: string | undefined } | undefined {
  if (!word.startsWith('--')) return undefined;
  const eq = word.indexOf('=');
  const name = eq === -1 ? word : word.slice(0, eq);
  const inline = eq === -1 ? undefined : word.slice(eq + 1);
  const spec = specs.find((s) => s.legacy === name || s.reserved.includes(name));
  return spec ? { spec, name, inline } : undefined;
}

function isLegacy(spec: FlagSpec, word: string): boolean {
  return spec.legacy !== undefined && (word === spec.legacy || word.startsWith(`${spec.legacy}=`));
}

function parseBoolean(name: string, inline: string | undefined): boolean {
  if (inline === undefined || trueWords.has(inline)) return true;
  if (falseWords.has(inline)) return false;
  throw flagError(`${name} takes no value, or =true / =false (got "${inline}")`, name);
}

function flagError(problem: string, flag: string): SwitchboardError {
  return new SwitchboardError('SB_ERR_COMMAND_SYNTAX', `Cannot parse the command: ${problem}.`, {
    details: { flag },
  });
}
