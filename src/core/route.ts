/**
 * Decides what a cleaned command is: a built-in, a command for an executor plugin bound to the
 * channel, a plugin that exists but is not bound here, or nothing known.
 *
 * **Precedence.** Built-in verbs (see {@link builtinVerbs}) are reserved and always win, compared
 * without regard to case; then a plugin bound to the channel whose name equals the first word
 * exactly; then a plugin known to the agent but not bound here; anything else is unknown.
 * Botkube checks plugins first, so a plugin called `help` or `enable` would take over the
 * agent's own commands there; no published plugin has such a name, and reserving them means a
 * plugin can never hide `help` or `disable notifications`. Config validation should reject
 * executors named like a built-in verb (use {@link isBuiltinVerb}).
 */
import type { Token } from './tokenize.js';
import { rawCommand } from './tokenize.js';

/** What `list` lists. */
export type ListResource = 'executors' | 'sources' | 'actions' | 'aliases';

/**
 * A parsed built-in command.
 * - `status` alone is the agent's status (plugins, bots, this channel's notification state).
 *   In Botkube it meant `status notifications`, so the answer should include that state.
 * - `enable` / `disable` alone mean notifications, as in Botkube.
 */
export type BuiltinCommand =
  | { verb: 'help' }
  | { verb: 'ping' }
  | { verb: 'version' }
  | { verb: 'feedback' }
  | { verb: 'status' }
  | { verb: 'list'; resource: ListResource }
  | { verb: 'notifications'; action: 'enable' | 'disable' | 'status' }
  | { verb: 'action'; action: 'enable' | 'disable'; name: string }
  | { verb: 'show-config' }
  | { verb: 'sourcebindings'; action: 'edit' | 'status'; names: string[] };

/** The result of {@link routeCommand}. */
export type Route =
  /** No words at all: answer with help (configured channels only). */
  | { kind: 'empty' }
  | { kind: 'builtin'; command: BuiltinCommand }
  /** A built-in verb used wrongly; `message` is the chat reply (what was wrong, then the usage). */
  | { kind: 'usage'; verb: string; message: string }
  /**
   * For the executor `plugin`. `help` is true when the second word is exactly `help` (call
   * `Help`); `command` is the whole command as the user wrote it, quoting kept, plugin name first.
   */
  | { kind: 'plugin'; plugin: string; help: boolean; command: string }
  /** An executor that exists but is not bound to this channel. */
  | { kind: 'not-bound'; plugin: string }
  /** The first word names nothing. */
  | { kind: 'unknown'; word: string };

/** Input of {@link routeCommand}. */
export interface RouteInput {
  /** The command's tokens, after alias expansion and with global flags removed. */
  tokens: readonly Token[];
  /** Names of the executor plugins enabled in groups bound to this channel. */
  boundExecutors: ReadonlySet<string>;
  /** Names of every executor plugin the agent knows. */
  knownExecutors: ReadonlySet<string>;
}

/** Built-in verbs, reserved: no plugin of these names can be reached. Lower case. */
export const builtinVerbs: readonly string[] = [
  'help',
  'ping',
  'version',
  'feedback',
  'status',
  'list',
  'enable',
  'disable',
  'show',
  'edit',
];

/** True when `word` is a built-in verb, in any case. */
export function isBuiltinVerb(word: string): boolean {
  return builtinVerbs.includes(word.toLowerCase());
}

/** Routes a command; see the module comment for the precedence. Never throws. */
export function routeCommand(input: RouteInput): Route {
  const first = input.tokens[0];
  if (!first) return { kind: 'empty' };
  if (isBuiltinVerb(first.value)) {
    const parsed = parseBuiltin(input.tokens.map((t) => t.value));
    return isUsageError(parsed)
      ? { kind: 'usage', verb: parsed.verb, message: parsed.message }
      : { kind: 'builtin', command: parsed };
  }
  if (input.boundExecutors.has(first.value)) {
    return {
      kind: 'plugin',
      plugin: first.value,
      help: input.tokens[1]?.value === 'help',
      command: rawCommand(input.tokens),
    };
  }
  if (input.knownExecutors.has(first.value)) return { kind: 'not-bound', plugin: first.value };
  return { kind: 'unknown', word: first.value };
}

/** A built-in verb used wrongly. */
export interface BuiltinUsageError {
  verb: string;
  /** What was wrong, then the usage: the chat reply. */
  message: string;
}

/** Tells a {@link parseBuiltin} failure from a command. */
export function isUsageError(parsed: BuiltinCommand | BuiltinUsageError): parsed is BuiltinUsageError {
  return 'message' in parsed;
}

const resourceWords = new Map<string, string>([
  ['executors', 'executors'],
  ['executor', 'executors'],
  ['exec', 'executors'],
  ['sources', 'sources'],
  ['source', 'sources'],
  ['src', 'sources'],
  ['actions', 'actions'],
  ['action', 'actions'],
  ['act', 'actions'],
  ['aliases', 'aliases'],
  ['alias', 'aliases'],
  ['als', 'aliases'],
  ['notifications', 'notifications'],
  ['notification', 'notifications'],
  ['notif', 'notifications'],
  ['config', 'config'],
  ['configuration', 'config'],
  ['cfg', 'config'],
  ['sourcebindings', 'sourcebindings'],
  ['sourcebinding', 'sourcebindings'],
  ['sb', 'sourcebindings'],
]);

const usage: Record<string, string> = {
  list: 'list executors | sources | actions | aliases',
  enable: 'enable notifications | enable action <name>',
  disable: 'disable notifications | disable action <name>',
  status: 'status | status notifications | status sourcebindings',
  show: 'show config',
  edit: 'edit sourcebindings [source ...]',
};

/**
 * Parses the words of a built-in command (first word a built-in verb, any case). Verbs and
 * resource words are case-insensitive and accept Botkube's short forms (`exec`/`executor`,
 * `src`/`source`, `act`/`action`, `als`/`alias`, `notification`/`notif`, `cfg`/`configuration`,
 * `sb`/`sourcebinding`); action and source-binding names keep their case. `help`, `ping`,
 * `version` and `feedback` ignore extra words; the others reject them. `edit sourcebindings`
 * takes names separated by blanks or commas (a multi-select sends `a,b`).
 *
 * @returns the command, or a {@link BuiltinUsageError} (also for a first word that is not a verb).
 */
export function parseBuiltin(words: readonly string[]): BuiltinCommand | BuiltinUsageError {
  const verb = (words[0] ?? '').toLowerCase();
  const resourceWord = words[1];
  const resource = resourceWord === undefined ? undefined : resourceWords.get(resourceWord.toLowerCase());
  const rest = words.slice(2);
  const wrong = (problem: string): BuiltinUsageError => ({
    verb,
    message: `${problem}. Usage: ${usage[verb] ?? verb}`,
  });
  const noMore = <T extends BuiltinCommand>(command: T): T | BuiltinUsageError =>
    rest.length === 0 ? command : wrong(`Unexpected "${rest.join(' ')}" after "${verb} ${resourceWord}"`);
  const unknownResource = () =>
    resourceWord === undefined
      ? wrong(`"${verb}" needs to know what`)
      : wrong(`"${verb}" does not know "${resourceWord}"`);

  switch (verb) {
    case 'help':
      return { verb: 'help' };
    case 'ping':
      return { verb: 'ping' };
    case 'version':
      return { verb: 'version' };
    case 'feedback':
      return { verb: 'feedback' };
    case 'list':
      if (
        resource === 'executors' ||
        resource === 'sources' ||
        resource === 'actions' ||
        resource === 'aliases'
      ) {
        return noMore({ verb: 'list', resource });
      }
      return unknownResource();
    case 'enable':
    case 'disable':
      if (resourceWord === undefined) return { verb: 'notifications', action: verb };
      if (resource === 'notifications') return noMore({ verb: 'notifications', action: verb });
      if (resource === 'actions') {
        const [name, ...extra] = rest;
        if (name === undefined) return wrong(`"${verb} action" needs the action's name`);
        if (extra.length > 0) return wrong(`"${verb} action" takes one name, got "${rest.join(' ')}"`);
        return { verb: 'action', action: verb, name };
      }
      return unknownResource();
    case 'status':
      if (resourceWord === undefined) return { verb: 'status' };
      if (resource === 'notifications') return noMore({ verb: 'notifications', action: 'status' });
      if (resource === 'sourcebindings')
        return noMore({ verb: 'sourcebindings', action: 'status', names: [] });
      return unknownResource();
    case 'show':
      if (resource === 'config') return noMore({ verb: 'show-config' });
      return unknownResource();
    case 'edit':
      if (resource === 'sourcebindings') {
        const names = rest.flatMap((w) => w.split(',')).filter((n) => n !== '');
        return { verb: 'sourcebindings', action: 'edit', names };
      }
      return unknownResource();
    default:
      return { verb, message: `"${words[0] ?? ''}" is not a built-in command. Usage: help` };
  }
}
