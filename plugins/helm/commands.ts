/**
 * The helm commands this plugin runs and the flags each accepts: Botkube's `botkubeExtra/helm`
 * allowlist (v1.14), minus the flags that run local programs or read local files. Any flag not
 * listed for a command is refused, as Botkube's parser refuses it.
 */

/** What a flag takes: nothing, a free string, a whole number, a Go duration, an output format, … */
export type FlagValue =
  | 'none'
  | 'string'
  | 'int'
  | 'duration'
  | 'output'
  | 'namespace'
  | 'https-url'
  | 'dry-run';

/** One flag: its long name, an optional one-letter short name, and what it takes. */
export interface FlagSpec {
  long?: string;
  short?: string;
  value: FlagValue;
}

/** One command: its names, how many positional words it takes, its flags, and whether it writes. */
export interface CommandSpec {
  name: string;
  aliases: string[];
  /** Subcommands (`get values`, …), each with its own flags; the positional count applies after it. */
  subcommands?: Record<string, FlagSpec[]>;
  minArgs: number;
  maxArgs: number;
  flags: FlagSpec[];
  /** Changes the cluster: refused when the config says `readOnly`, never offered a filter re-run. */
  writes: boolean;
  /** Needs no cluster (and so no kubeconfig and no namespace). */
  local?: boolean;
}

const flag = (long: string, value: FlagValue = 'none', short?: string): FlagSpec =>
  short === undefined ? { long, value } : { long, short, value };

/** Flags every command takes (Botkube's global options). */
export const globalFlags: FlagSpec[] = [
  flag('namespace', 'namespace', 'n'),
  flag('debug'),
  flag('burst-limit', 'int'),
];

const output = flag('output', 'output', 'o');
const revision = flag('revision', 'int');
const timeout = flag('timeout', 'duration');
const dryRun = flag('dry-run', 'dry-run');

const installShared: FlagSpec[] = [
  flag('create-namespace'),
  flag('dependency-update'),
  flag('description', 'string'),
  flag('devel'),
  flag('disable-openapi-validation'),
  dryRun,
  flag('insecure-skip-tls-verify'),
  flag('no-hooks'),
  flag('pass-credentials'),
  flag('username', 'string'),
  flag('password', 'string'),
  flag('render-subchart-notes'),
  flag('repo', 'https-url'),
  flag('set', 'string'),
  flag('set-json', 'string'),
  flag('set-string', 'string'),
  flag('skip-crds'),
  timeout,
  flag('verify'),
  flag('version', 'string'),
  output,
];

export const commands: CommandSpec[] = [
  {
    name: 'list',
    aliases: ['ls'],
    minArgs: 0,
    maxArgs: 0,
    writes: false,
    flags: [
      flag('all', 'none', 'a'),
      flag('all-namespaces', 'none', 'A'),
      flag('date', 'none', 'd'),
      flag('deployed'),
      flag('failed'),
      // `--filter` belongs to the host (it narrows the answer); helm's own regex filter is `-f` only.
      { short: 'f', value: 'string' },
      flag('max', 'int', 'm'),
      flag('no-headers'),
      flag('offset', 'int'),
      output,
      flag('pending'),
      flag('reverse', 'none', 'r'),
      flag('selector', 'string', 'l'),
      flag('short', 'none', 'q'),
      flag('superseded'),
      flag('time-format', 'string'),
      flag('uninstalled'),
      flag('uninstalling'),
    ],
  },
  {
    name: 'status',
    aliases: [],
    minArgs: 1,
    maxArgs: 1,
    writes: false,
    flags: [flag('show-desc'), revision, output],
  },
  {
    name: 'history',
    aliases: ['hist'],
    minArgs: 1,
    maxArgs: 1,
    writes: false,
    flags: [flag('max', 'int'), output],
  },
  {
    name: 'get',
    aliases: [],
    minArgs: 1,
    maxArgs: 1,
    writes: false,
    flags: [],
    subcommands: {
      all: [revision, flag('template', 'string')],
      hooks: [revision],
      manifest: [revision],
      notes: [revision],
      values: [revision, flag('all', 'none', 'a'), output],
    },
  },
  {
    name: 'version',
    aliases: [],
    minArgs: 0,
    maxArgs: 0,
    writes: false,
    local: true,
    flags: [flag('short'), flag('template', 'string')],
  },
  {
    name: 'install',
    aliases: [],
    minArgs: 1,
    maxArgs: 2,
    writes: true,
    flags: [...installShared, flag('generate-name', 'none', 'g'), flag('replace')],
  },
  {
    name: 'upgrade',
    aliases: [],
    minArgs: 2,
    maxArgs: 2,
    writes: true,
    flags: [
      ...installShared,
      flag('cleanup-on-fail'),
      flag('force'),
      flag('history-max', 'int'),
      flag('install', 'none', 'i'),
      flag('reset-values'),
      flag('reuse-values'),
    ],
  },
  {
    name: 'uninstall',
    aliases: ['un', 'delete', 'del'],
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    writes: true,
    flags: [flag('description', 'string'), dryRun, flag('keep-history'), flag('no-hooks'), timeout],
  },
  {
    name: 'rollback',
    aliases: [],
    minArgs: 1,
    maxArgs: 2,
    writes: true,
    flags: [
      flag('cleanup-on-fail'),
      dryRun,
      flag('force'),
      flag('history-max', 'int'),
      flag('no-hooks'),
      flag('recreate-pods'),
      timeout,
    ],
  },
  { name: 'test', aliases: [], minArgs: 1, maxArgs: 1, writes: true, flags: [flag('logs'), timeout] },
];

/**
 * Flags refused by name with the reason, whichever command they come with. Botkube itself lets
 * `--post-renderer` through, which runs any local program as the agent's plugin.
 */
export const refusedFlags: Record<string, string> = {
  'post-renderer': 'it runs a local program',
  'post-renderer-args': 'it passes arguments to a local program',
  values: 'it reads a local file (use --set, --set-string or --set-json)',
  'set-file': 'it reads a local file (use --set, --set-string or --set-json)',
  'ca-file': 'it reads a local file',
  'cert-file': 'it reads a local file',
  'key-file': 'it reads a local file',
  keyring: 'it reads a local file',
  kubeconfig: 'the identity of this call is set by the agent',
  'kube-context': 'the identity of this call is set by the agent',
  'kube-token': 'the identity of this call is set by the agent',
  'kube-as-user': 'the identity of this call is set by the agent',
  'kube-as-group': 'the identity of this call is set by the agent',
  'kube-apiserver': 'the identity of this call is set by the agent',
  'kube-ca-file': 'the identity of this call is set by the agent',
  'kube-insecure-skip-tls-verify': 'the identity of this call is set by the agent',
  'kube-tls-server-name': 'the identity of this call is set by the agent',
  'registry-config': 'it reads a local file',
  'repository-config': 'it reads a local file',
  'repository-cache': 'it reads and writes local files',
  wait: 'it holds the command until every resource is ready (refused as in Botkube; check with `helm status`)',
  'wait-for-jobs': 'it holds the command until every job ends (refused as in Botkube)',
  atomic: 'it waits for every resource (refused as in Botkube)',
};

/** Short flags refused where the command has no short flag of that letter: their long names. */
export const refusedShortFlags: Record<string, string> = { f: 'values' };

/** The command named `word` (or one of its aliases). */
export function findCommand(word: string): CommandSpec | undefined {
  return commands.find((c) => c.name === word || c.aliases.includes(word));
}
