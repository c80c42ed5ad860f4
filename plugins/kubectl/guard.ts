import type { CommandRestrictions } from './config.js';
import { pluralResource } from './resources.js';

/** The outcome of checking one typed command. */
export type Verdict = { allowed: true; verb: string; args: string[] } | { allowed: false; reason: string };

/** kubectl's own subcommands (v1.28). Any other word would make kubectl run a `kubectl-<word>` program. */
const knownVerbs = new Set([
  'annotate',
  'api-resources',
  'api-versions',
  'apply',
  'attach',
  'auth',
  'autoscale',
  'certificate',
  'cluster-info',
  'cordon',
  'create',
  'delete',
  'describe',
  'drain',
  'events',
  'exec',
  'explain',
  'expose',
  'get',
  'label',
  'logs',
  'options',
  'patch',
  'rollout',
  'run',
  'scale',
  'set',
  'taint',
  'top',
  'uncordon',
  'version',
]);

/** Subcommands never run from chat, with why. Botkube blocks most of these too. */
const refusedVerbs: Record<string, string> = {
  config: 'it reads and changes the kubeconfig, which holds the credentials of this call',
  plugin: 'it lists and runs local programs',
  proxy: 'it opens a port on the agent host and never ends',
  'port-forward': 'it opens a port on the agent host and never ends',
  edit: 'it starts a local editor',
  debug: 'it needs an interactive terminal',
  completion: 'it only prints shell completion code',
  kustomize: 'it reads local files',
  diff: 'it runs a local diff program',
  cp: 'it reads and writes files on the agent host',
  copy: 'it reads and writes files on the agent host',
  replace: 'it needs a local file',
  wait: 'it blocks until a condition holds',
  alpha: 'it runs experimental commands',
  help: 'use `kubectl help` for this plugin’s help',
};

/** Opt-in verbs: refused unless `commands.verbs` lists them. */
const optInVerbs = new Set(['exec', 'attach']);

/**
 * Flags never passed on, with why: they change who kubectl talks to or as whom, read or write
 * local files, run local programs, log credentials, or never end.
 */
const refusedFlags: Record<string, string> = {};
for (const f of [
  'kubeconfig',
  'token',
  'as',
  'as-group',
  'as-uid',
  'server',
  'cluster',
  'context',
  'user',
  'username',
  'password',
  'certificate-authority',
  'client-certificate',
  'client-key',
  'insecure-skip-tls-verify',
  'tls-server-name',
])
  refusedFlags[f] = 'it changes which cluster kubectl talks to or as whom';
for (const f of [
  'filename',
  'kustomize',
  'from-file',
  'from-env-file',
  'env-file',
  'output-directory',
  'cache-dir',
  'log-file',
  'log-dir',
  'profile',
  'profile-output',
  'template-file',
])
  refusedFlags[f] = 'it reads or writes files on the agent host';
for (const f of [
  'v',
  'vmodule',
  'log-backtrace-at',
  'log-file-max-size',
  'log-flush-frequency',
  'logtostderr',
  'alsologtostderr',
  'add-dir-header',
  'one-output',
  'skip-log-headers',
  'stderrthreshold',
])
  refusedFlags[f] = 'it changes kubectl’s own logging, which can print request details';
for (const f of ['watch', 'watch-only', 'follow'])
  refusedFlags[f] = 'it never ends; run the command again instead';
for (const f of ['stdin', 'tty', 'attach', 'editor']) refusedFlags[f] = 'chat has no interactive terminal';

/** One-letter forms of refused flags, with why. */
const refusedShort: Record<string, string> = {
  s: '(--server) is not allowed: it changes which cluster kubectl talks to',
  f: '(--filename, or --follow for logs) is not allowed: it reads files on the agent host, or never ends',
  k: '(--kustomize) is not allowed: it reads files on the agent host',
  w: '(--watch) is not allowed: it never ends; run the command again instead',
  i: '(--stdin) is not allowed: chat has no interactive terminal',
  t: '(--tty) is not allowed: chat has no interactive terminal',
  v: '(--v) is not allowed: it changes kubectl’s own logging, which can print request details',
};
/** One-letter flags that take a value: the rest of the word, or the next word. */
const valueShort = new Set(['n', 'o', 'l', 'c', 'L']);
/** Long flags that take a value when written without `=` (so the next word is not a positional). */
const valueLong = new Set([
  'namespace',
  'output',
  'selector',
  'container',
  'field-selector',
  'sort-by',
  'since',
  'since-time',
  'tail',
  'template',
  'label-columns',
  'request-timeout',
  'chunk-size',
  'type',
  'image',
  'replicas',
  'current-replicas',
  'timeout',
  'grace-period',
  'limit-bytes',
  'max-log-requests',
  'pod-running-timeout',
  'subresource',
  'for',
  'dry-run',
  'field-manager',
  'overrides',
  'port',
  'target-port',
  'protocol',
  'name',
  'cascade',
  'api-group',
  'api-version',
  'verbs',
  'resource',
  'min',
  'max',
  'cpu-percent',
  'env',
  'labels',
  'restart',
  'schedule',
  'from',
  'from-literal',
  'patch',
  'raw',
  'to-revision',
  'revision',
  'columns',
  'pod-selector',
]);
/** Output formats that read a local file. */
const fileOutput = /file/i;

/** Verbs whose resource type is the word after a sub-verb (`rollout status deploy/x`, `top pods`). */
const subVerbs = new Set(['rollout', 'set', 'top', 'create']);
/** Verbs with no resource type to check. */
const resourceless = new Set(['api-resources', 'api-versions', 'cluster-info', 'version', 'options', 'auth']);
/** Verbs that act on one kind of object whatever follows. */
const impliedResource: Record<string, string> = {
  cordon: 'nodes',
  uncordon: 'nodes',
  drain: 'nodes',
  events: 'events',
  certificate: 'certificatesigningrequests',
};

interface Scan {
  positionals: string[];
  hasNamespace: boolean;
  problems: string[];
  /** A long flag without `=` the guard does not know: its value cannot be told from a positional. */
  ambiguous?: string;
}

/** Walks the words before `--`, collecting positionals, namespace flags and refused flags. */
function scan(words: string[]): Scan {
  const out: Scan = { positionals: [], hasNamespace: false, problems: [] };
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as string;
    if (word === '--') break;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = word.slice(2, eq < 0 ? undefined : eq);
      const value = eq < 0 ? undefined : word.slice(eq + 1);
      const why = refusedFlags[name];
      if (why) out.problems.push(`\`--${name}\` is not allowed: ${why}.`);
      if (name === 'namespace' || name === 'all-namespaces') out.hasNamespace = true;
      let flagValue = value;
      if (value === undefined && valueLong.has(name)) {
        flagValue = words[i + 1];
        i += 1;
      } else if (value === undefined && !why && !['all-namespaces', 'all', 'help'].includes(name)) {
        out.ambiguous ??= `--${name}`;
      }
      if (name === 'output' && flagValue !== undefined && fileOutput.test(flagValue)) {
        out.problems.push(`\`-o ${flagValue}\` is not allowed: it reads a file on the agent host.`);
      }
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      for (let j = 1; j < word.length; j += 1) {
        const letter = word[j] as string;
        const refused = refusedShort[letter];
        if (refused) {
          out.problems.push(`\`-${letter}\` ${refused}.`);
          continue;
        }
        if (letter === 'A') out.hasNamespace = true;
        // `-p` is --patch for `patch` but --previous (no value) for `logs`.
        if (valueShort.has(letter) || (letter === 'p' && out.positionals[0] === 'patch')) {
          let value = word.slice(j + 1).replace(/^=/, '');
          if (value === '') {
            value = words[i + 1] ?? '';
            i += 1;
          }
          if (letter === 'n') out.hasNamespace = true;
          if (letter === 'o' && fileOutput.test(value)) {
            out.problems.push(`\`-o ${value}\` is not allowed: it reads a file on the agent host.`);
          }
          break;
        }
      }
      continue;
    }
    out.positionals.push(word);
  }
  return out;
}

/** The resource types (plurals) a command acts on, or undefined when it names none. */
function resourcesOf(verb: string, positionals: string[]): string[] | undefined {
  if (resourceless.has(verb)) return [];
  const implied = impliedResource[verb];
  if (implied) return [implied];
  if (verb === 'logs' || verb === 'exec' || verb === 'attach') {
    const target = positionals[1];
    if (target === undefined) return undefined;
    return [target.includes('/') ? pluralResource(target.split('/')[0] as string) : 'pods'];
  }
  const words = subVerbs.has(verb) ? positionals.slice(2) : positionals.slice(1);
  const first = words[0];
  if (first === undefined) return undefined;
  if (verb === 'create') return [pluralResource(first)];
  if (verb === 'explain') return [pluralResource(first)];
  // `get pods,svc x` or `get pod/a deploy/b`: every slash word names its own type.
  if (first.includes('/')) return words.map((w) => pluralResource(w.split('/')[0] as string));
  return first.split(',').map(pluralResource);
}

/**
 * Checks the words after `kubectl` and returns the argv to run: refused subcommands and flags
 * are reported together, `commands.verbs`/`resources` narrow what runs, and a command naming no
 * namespace gets `-n <defaultNamespace>` in front of the verb (so `exec pod -- cmd` stays intact).
 */
export function checkCommand(
  words: string[],
  options: { defaultNamespace: string; restrictions?: CommandRestrictions },
): Verdict {
  const found = scan(words);
  const verb = found.positionals[0];
  if (verb === undefined) return { allowed: false, reason: 'the command names no kubectl subcommand.' };
  const refusedWhy = refusedVerbs[verb];
  if (refusedWhy) return { allowed: false, reason: `\`${verb}\` is not allowed: ${refusedWhy}.` };
  if (!knownVerbs.has(verb)) {
    return { allowed: false, reason: `\`${verb}\` is not a kubectl command this plugin runs.` };
  }
  if (found.problems.length > 0) return { allowed: false, reason: found.problems.join(' ') };

  const allowedVerbs = options.restrictions?.verbs;
  if (optInVerbs.has(verb) && !allowedVerbs?.includes(verb)) {
    return { allowed: false, reason: `\`${verb}\` runs only when the config lists it in commands.verbs.` };
  }
  if (allowedVerbs && !allowedVerbs.includes(verb)) {
    return {
      allowed: false,
      reason: `\`${verb}\` is not an allowed verb here. Allowed: ${allowedVerbs.map((v) => `\`${v}\``).join(', ')}.`,
    };
  }
  const allowedResources = options.restrictions?.resources;
  if (allowedResources) {
    if (found.ambiguous) {
      return {
        allowed: false,
        reason: `write \`${found.ambiguous}=<value>\` (with =) so the resource type can be checked.`,
      };
    }
    const types = resourcesOf(verb, found.positionals);
    if (types === undefined) return { allowed: false, reason: `\`${verb}\` needs a resource type.` };
    const allowedPlurals = new Set(allowedResources.map(pluralResource));
    const outside = types.filter((t) => !allowedPlurals.has(t));
    if (outside.length > 0) {
      return {
        allowed: false,
        reason: `${outside.map((t) => `\`${t}\``).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not an allowed resource here. Allowed: ${allowedResources.map((r) => `\`${r}\``).join(', ')}.`,
      };
    }
  }
  const args = found.hasNamespace ? [...words] : ['-n', options.defaultNamespace, ...words];
  return { allowed: true, verb, args };
}
