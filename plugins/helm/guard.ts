import {
  type CommandSpec,
  type FlagSpec,
  type FlagValue,
  findCommand,
  globalFlags,
  refusedFlags,
  refusedShortFlags,
} from './commands.js';

/** The outcome of checking one typed helm command (the words after `helm`). */
export type Verdict =
  | { allowed: true; command: CommandSpec; args: string[] }
  | { allowed: false; reason: string };

export interface GuardOptions {
  /** Added as `-n <ns>` at the end when the command names no namespace (Botkube does the same). */
  defaultNamespace: string;
  /** Refuse every command that changes the cluster. */
  readOnly?: boolean;
}

const releaseName = /^[a-z0-9]([-a-z0-9.]{0,51}[a-z0-9])?$/;
const namespaceName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const repoChart = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;
const plainChart = /^[a-z0-9][a-z0-9._-]*$/;
const goDuration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * Checks a helm command against the allowlist in `commands.ts` and returns the argv to run: the
 * words unchanged, plus `-n <defaultNamespace>` at the end when no namespace was given. Every
 * word is accounted for: a flag the command does not take, a positional word too many, a chart
 * that would be read from a local path, or a value of the wrong shape is a refusal naming it.
 */
export function checkHelmCommand(words: string[], options: GuardOptions): Verdict {
  const [word, ...rest] = words;
  if (word === undefined) return refuse('no helm command given.');
  if (word.startsWith('-')) {
    return refuse(
      `put the helm command first, then its flags (e.g. helm list -n team-a); got "${word}" first.`,
    );
  }
  const command = findCommand(word);
  if (!command) return refuse(`helm ${word} is not supported.`);
  if (command.writes && options.readOnly) {
    return refuse(`helm ${command.name} changes the cluster and this channel's helm config is readOnly.`);
  }
  let flags = [...globalFlags, ...command.flags];
  let label = command.name;
  let afterCommand = rest;
  if (command.subcommands) {
    const sub = rest[0];
    const subFlags = sub === undefined ? undefined : command.subcommands[sub];
    if (sub === undefined || subFlags === undefined) {
      return refuse(`helm ${command.name} needs one of: ${Object.keys(command.subcommands).join(', ')}.`);
    }
    flags = [...flags, ...subFlags];
    label = `${command.name} ${sub}`;
    afterCommand = rest.slice(1);
  }
  const parsed = parseWords(afterCommand, flags, label);
  if ('reason' in parsed) return refuse(parsed.reason);
  const { positionals, seen } = parsed;
  if (positionals.length < command.minArgs || positionals.length > command.maxArgs) {
    return refuse(`helm ${label} takes ${countText(command)}, got ${positionals.length}.`);
  }
  const argProblem = checkPositionals(command, positionals, seen);
  if (argProblem) return refuse(argProblem);
  const args = [...words];
  if (!command.local && !seen.has('namespace')) args.push('-n', options.defaultNamespace);
  return { allowed: true, command, args };
}

function refuse(reason: string): Verdict {
  return { allowed: false, reason };
}

function countText(command: CommandSpec): string {
  const { minArgs, maxArgs } = command;
  if (minArgs === maxArgs) return `${minArgs} name${minArgs === 1 ? '' : 's'}`;
  if (maxArgs === Number.POSITIVE_INFINITY) return `at least ${minArgs} name${minArgs === 1 ? '' : 's'}`;
  return `${minArgs} to ${maxArgs} names`;
}

interface Parsed {
  positionals: string[];
  /** Flags given, by long name (or short letter for short-only flags), with their values. */
  seen: Map<string, string | undefined>;
}

function parseWords(words: string[], flags: FlagSpec[], label: string): Parsed | { reason: string } {
  const positionals: string[] = [];
  const seen = new Map<string, string | undefined>();
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as string;
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const long = word.startsWith('--');
    const body = word.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const shown = long ? `--${name}` : `-${name}`;
    const spec = flags.find((f) => (long ? f.long === name : f.short === name));
    if (!spec) return { reason: unknownFlag(shown, name, long, label, flags) };
    let value = inline;
    if (spec.value !== 'none' && spec.value !== 'dry-run' && value === undefined) {
      value = words[i + 1];
      if (value === undefined) return { reason: `${shown} needs a value.` };
      i += 1;
    }
    const problem = checkValue(shown, spec.value, value);
    if (problem) return { reason: problem };
    seen.set(spec.long ?? (spec.short as string), value);
  }
  return { positionals, seen };
}

function unknownFlag(word: string, name: string, long: boolean, label: string, flags: FlagSpec[]): string {
  const refusedAs = long ? name : refusedShortFlags[name];
  const why = refusedAs === undefined ? undefined : refusedFlags[refusedAs];
  if (why) return `${word} is refused: ${why}.`;
  if (!long && name.length > 1) {
    return `${word}: give short flags one by one (-a -A), with a space before their value (-o yaml).`;
  }
  const names = flags
    .map((f) => (f.long ? `--${f.long}` : `-${f.short}`))
    .filter((n) => n !== '--namespace' && n !== '--debug' && n !== '--burst-limit');
  return `helm ${label} does not take ${word}${names.length > 0 ? ` (it takes ${names.join(', ')}, plus -n, --debug and --burst-limit)` : ''}.`;
}

function checkValue(word: string, kind: FlagValue, value: string | undefined): string | undefined {
  switch (kind) {
    case 'none':
      return value === undefined || value === 'true' || value === 'false'
        ? undefined
        : `${word} takes no value.`;
    case 'dry-run':
      return value === undefined || ['client', 'server', 'none', 'true', 'false'].includes(value)
        ? undefined
        : `${word}: expected client, server, none, true or false.`;
    case 'int':
      return /^\d+$/.test(value ?? '') ? undefined : `${word}: expected a whole number, got "${value}".`;
    case 'duration':
      return goDuration.test(value ?? '')
        ? undefined
        : `${word}: expected a duration such as 5m or 90s, got "${value}".`;
    case 'output':
      return ['table', 'json', 'yaml'].includes(value ?? '')
        ? undefined
        : `${word}: expected table, json or yaml, got "${value}".`;
    case 'namespace':
      return namespaceName.test(value ?? '') ? undefined : `${word}: "${value}" is not a namespace name.`;
    case 'https-url':
      return isHttpsUrl(value ?? '') ? undefined : `${word}: expected an https:// URL, got "${value}".`;
    case 'string':
      return undefined;
  }
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Release names, the chart of install/upgrade, and rollback's revision. */
function checkPositionals(
  command: CommandSpec,
  positionals: string[],
  seen: Map<string, string | undefined>,
): string | undefined {
  let names = positionals;
  if (command.name === 'install' || command.name === 'upgrade') {
    const generated = seen.has('generate-name');
    if (command.name === 'install' && (positionals.length === 2) === generated) {
      return generated
        ? 'helm install --generate-name takes only the chart.'
        : 'helm install takes a release name and a chart (or --generate-name and a chart).';
    }
    const chart = positionals[positionals.length - 1] as string;
    const chartProblem = checkChart(chart, seen.has('repo'));
    if (chartProblem) return chartProblem;
    names = positionals.slice(0, -1);
  }
  if (command.name === 'rollback' && positionals.length === 2) {
    if (!/^\d+$/.test(positionals[1] as string))
      return `helm rollback: "${positionals[1]}" is not a revision number.`;
    names = positionals.slice(0, 1);
  }
  const bad = names.find((n) => !releaseName.test(n));
  return bad === undefined
    ? undefined
    : `"${bad}" is not a release name (lower-case letters, digits, - and ., at most 53).`;
}

/**
 * A chart comes from a repository (`repo/chart`), from `--repo https://… name`, or from an
 * https URL of a packaged chart; never from a local path (helm would read any file the plugin
 * can read) nor over plain http or OCI (Botkube refuses OCI too).
 */
function checkChart(chart: string, withRepo: boolean): string | undefined {
  if (withRepo) {
    return plainChart.test(chart) ? undefined : `with --repo, name the chart only (got "${chart}").`;
  }
  if (repoChart.test(chart) || isHttpsUrl(chart)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart)) {
    return `chart "${chart}" is refused: only https:// chart URLs are fetched.`;
  }
  return `chart "${chart}" is refused: name it as repo/chart, as an https:// URL, or as a name with --repo https://…; local chart paths are not read.`;
}
