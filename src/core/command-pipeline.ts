/**
 * The whole chat-command parsing pipeline in one pure call, in Botkube's order: clean the text
 * (`command-text.ts`), expand an alias (`aliases.ts`), tokenize (`tokenize.ts`), take out the
 * global flags and decide whether this cluster answers (`global-flags.ts`), then route
 * (`route.ts`). The bridge decides what to do with the result.
 */
import type { SwitchboardError } from '../errors/switchboard-error.js';
import { type AliasDefinition, type AppliedAlias, expandAliases } from './aliases.js';
import { cleanCommandText } from './command-text.js';
import { extractGlobalFlags, shouldAnswer } from './global-flags.js';
import { type Route, routeCommand } from './route.js';
import { rawCommand, tokenize } from './tokenize.js';

/** What the pipeline needs to know about the agent and the channel. */
export interface CommandContext {
  /** The bot's mention (see `cleanCommandText`). */
  mention?: RegExp;
  /** Only text starting with the mention is a command (false for Slack message triggers). */
  requireMention?: boolean;
  /** Slack: decode `&lt;` `&gt;` `&amp;`. */
  decodeSlackEntities?: boolean;
  aliases?: Readonly<Record<string, AliasDefinition>>;
  /** Plugins that receive Botkube-form global flags (see `global-flags.ts`). */
  passthroughPlugins?: Iterable<string>;
  /** `settings.clusterName`. */
  clusterName: string;
  boundExecutors: ReadonlySet<string>;
  knownExecutors: ReadonlySet<string>;
}

/** The result of {@link parseChatCommand}. */
export type ParsedChatCommand =
  /** Not for this agent: no mention where one is required, or `--cluster-name` names another cluster. Say nothing. */
  | { kind: 'ignored'; reason: 'no-mention' | 'other-cluster' }
  /**
   * The command cannot be parsed (SB_ERR_COMMAND_SYNTAX); `error.message` is safe to post.
   * The cluster is unknown at this point, so every agent in a shared channel may answer.
   */
  | { kind: 'invalid'; error: SwitchboardError; text: string }
  | {
      kind: 'command';
      route: Route;
      /** The command after alias expansion, without global flags, quoting kept: for headers. */
      command: string;
      alias?: AppliedAlias;
      /** `--filter` text, to apply to the output (`output-filter.ts`). */
      filter?: string;
      /** `--bk-cmd-header` text, replacing the default header. */
      header?: string;
      mentioned: boolean;
    };

/**
 * Parses one chat message. Never throws for user input: parse failures come back as
 * `invalid`; anything else thrown is a bug.
 */
export function parseChatCommand(text: string, context: CommandContext): ParsedChatCommand {
  const cleaned = cleanCommandText(text, {
    ...(context.mention ? { mention: context.mention } : {}),
    ...(context.decodeSlackEntities ? { decodeSlackEntities: true } : {}),
  });
  if (context.requireMention && !cleaned.mentioned) return { kind: 'ignored', reason: 'no-mention' };
  const expanded = expandAliases(cleaned.text, context.aliases ?? {});
  let flags: ReturnType<typeof extractGlobalFlags>;
  try {
    flags = extractGlobalFlags(
      tokenize(expanded.text),
      context.passthroughPlugins ? { passthroughPlugins: context.passthroughPlugins } : {},
    );
  } catch (err) {
    if ((err as SwitchboardError).code === 'SB_ERR_COMMAND_SYNTAX') {
      return { kind: 'invalid', error: err as SwitchboardError, text: expanded.text };
    }
    throw err;
  }
  if (!shouldAnswer(flags, context.clusterName)) return { kind: 'ignored', reason: 'other-cluster' };
  const route = routeCommand({
    tokens: flags.tokens,
    boundExecutors: context.boundExecutors,
    knownExecutors: context.knownExecutors,
  });
  const result: ParsedChatCommand = {
    kind: 'command',
    route,
    command: rawCommand(flags.tokens),
    mentioned: cleaned.mentioned,
  };
  if (expanded.alias) result.alias = expanded.alias;
  if (flags.filter !== undefined) result.filter = flags.filter;
  if (flags.header !== undefined) result.header = flags.header;
  return result;
}
