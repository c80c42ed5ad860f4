import { describe, expect, it } from 'vitest';
import { type CommandContext, parseChatCommand } from './command-pipeline.js';

const context: CommandContext = {
  // A Slack mention, as bots/slack/mention.ts builds it (core tests import no bot).
  mention: /<@U0BOT(?:\|[^>]*)?>/i,
  requireMention: true,
  decodeSlackEntities: true,
  aliases: { kgp: { command: 'kubectl get pods', displayName: 'List pods' } },
  passthroughPlugins: ['helm'],
  clusterName: 'prod',
  boundExecutors: new Set(['kubectl', 'helm']),
  knownExecutors: new Set(['kubectl', 'helm', 'exec']),
};

describe('parseChatCommand', () => {
  it('runs the whole pipeline: mention, markup, quotes, alias, flags, route', () => {
    expect(
      parseChatCommand('<@U0BOT> kgp -l “app=web” --filter=Running --cluster-name prod', context),
    ).toEqual({
      kind: 'command',
      route: { kind: 'plugin', plugin: 'kubectl', help: false, command: 'kubectl get pods -l "app=web"' },
      command: 'kubectl get pods -l "app=web"',
      alias: { name: 'kgp', command: 'kubectl get pods', displayName: 'List pods' },
      filter: 'Running',
      mentioned: true,
    });
  });

  it('keeps --filter for a passthrough plugin and reads the header flag', () => {
    expect(
      parseChatCommand('<@U0BOT> helm list --filter web --bk-cmd-header "Helm releases"', context),
    ).toMatchObject({
      kind: 'command',
      route: { kind: 'plugin', plugin: 'helm', command: 'helm list --filter web' },
      header: 'Helm releases',
    });
  });

  it('ignores text without the mention when one is required, and accepts it otherwise', () => {
    expect(parseChatCommand('ping', context)).toEqual({ kind: 'ignored', reason: 'no-mention' });
    expect(parseChatCommand('ping', { ...context, requireMention: false })).toMatchObject({
      kind: 'command',
      route: { kind: 'builtin', command: { verb: 'ping' } },
      mentioned: false,
    });
  });

  it('stays silent when another cluster is named', () => {
    expect(parseChatCommand('<@U0BOT> ping --cluster-name dev', context)).toEqual({
      kind: 'ignored',
      reason: 'other-cluster',
    });
    expect(parseChatCommand('<@U0BOT> ping --cluster-name dev --all-clusters', context)).toMatchObject({
      kind: 'command',
    });
  });

  it('returns syntax errors as invalid, with a message for chat', () => {
    const result = parseChatCommand('<@U0BOT> kubectl get pods -l "app', context);
    expect(result).toMatchObject({ kind: 'invalid', text: 'kubectl get pods -l "app' });
    if (result.kind !== 'invalid') throw new Error('unreachable');
    expect(result.error.code).toBe('SB_ERR_COMMAND_SYNTAX');
    expect(result.error.message).toContain('unterminated double quote');
    expect(parseChatCommand('<@U0BOT> ping --filter', context)).toMatchObject({ kind: 'invalid' });
  });

  it('decodes Slack entities before tokenizing', () => {
    expect(parseChatCommand('<@U0BOT> kubectl get pods &gt; x', context)).toMatchObject({
      route: { kind: 'plugin', command: 'kubectl get pods > x' },
    });
  });

  it('routes empty, not-bound and unknown commands', () => {
    expect(parseChatCommand('<@U0BOT>', context)).toMatchObject({
      kind: 'command',
      route: { kind: 'empty' },
    });
    expect(parseChatCommand('<@U0BOT> exec ls', context)).toMatchObject({
      route: { kind: 'not-bound', plugin: 'exec' },
    });
    expect(parseChatCommand('<@U0BOT> rm x', context)).toMatchObject({
      route: { kind: 'unknown', word: 'rm' },
    });
  });

  it('works with a minimal context', () => {
    const minimal: CommandContext = {
      clusterName: 'c',
      boundExecutors: new Set(),
      knownExecutors: new Set(),
    };
    expect(parseChatCommand('  help ', minimal)).toEqual({
      kind: 'command',
      route: { kind: 'builtin', command: { verb: 'help' } },
      command: 'help',
      mentioned: false,
    });
  });
});
