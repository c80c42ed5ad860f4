import { describe, expect, it } from 'vitest';
import {
  builtinVerbs,
  isBuiltinVerb,
  isUsageError,
  parseBuiltin,
  type Route,
  routeCommand,
} from './route.js';
import { tokenize } from './tokenize.js';

const bound = new Set(['kubectl', 'exec']);
const known = new Set(['kubectl', 'exec', 'helm', 'help-desk']);

function route(text: string): Route {
  return routeCommand({ tokens: tokenize(text), boundExecutors: bound, knownExecutors: known });
}

describe('routeCommand', () => {
  it('says empty for no words', () => {
    expect(route('')).toEqual({ kind: 'empty' });
  });

  it('routes a bound plugin, keeping the command as written', () => {
    expect(route(`kubectl  get pods -l "app=a b"`)).toEqual({
      kind: 'plugin',
      plugin: 'kubectl',
      help: false,
      command: 'kubectl get pods -l "app=a b"',
    });
  });

  it('marks plugin help when the second word is exactly help', () => {
    expect(route('kubectl help')).toMatchObject({ kind: 'plugin', help: true, command: 'kubectl help' });
    expect(route('kubectl help pods')).toMatchObject({ kind: 'plugin', help: true });
    expect(route('kubectl --help')).toMatchObject({ kind: 'plugin', help: false });
    expect(route('kubectl Help')).toMatchObject({ kind: 'plugin', help: false });
  });

  it('matches plugin names exactly', () => {
    expect(route('Kubectl get pods')).toEqual({ kind: 'unknown', word: 'Kubectl' });
    expect(route('kubectl2 get')).toEqual({ kind: 'unknown', word: 'kubectl2' });
  });

  it('says not-bound for a known plugin that is not bound to the channel', () => {
    expect(route('helm list')).toEqual({ kind: 'not-bound', plugin: 'helm' });
    expect(route('help-desk')).toEqual({ kind: 'not-bound', plugin: 'help-desk' });
  });

  it('says unknown for anything else', () => {
    expect(route('rm -rf /')).toEqual({ kind: 'unknown', word: 'rm' });
  });

  it('gives built-in verbs precedence over a plugin of the same name', () => {
    const tokens = tokenize('help');
    const plugins = new Set(['help']);
    expect(routeCommand({ tokens, boundExecutors: plugins, knownExecutors: plugins })).toEqual({
      kind: 'builtin',
      command: { verb: 'help' },
    });
  });

  it('routes built-ins in any case, and reports misuse as usage', () => {
    expect(route('Ping')).toEqual({ kind: 'builtin', command: { verb: 'ping' } });
    expect(route('list pods')).toEqual({
      kind: 'usage',
      verb: 'list',
      message: '"list" does not know "pods". Usage: list executors | sources | actions | aliases',
    });
  });

  it('keeps exec the plugin apart from exec the resource word', () => {
    expect(route('exec ls')).toMatchObject({ kind: 'plugin', plugin: 'exec' });
    expect(route('list exec')).toEqual({ kind: 'builtin', command: { verb: 'list', resource: 'executors' } });
  });
});

describe('parseBuiltin', () => {
  const parse = (text: string) => parseBuiltin(text.split(' '));

  it('parses the no-argument verbs and ignores extra words', () => {
    for (const verb of ['help', 'ping', 'version', 'feedback'] as const) {
      expect(parse(verb)).toEqual({ verb });
      expect(parse(`${verb} please`)).toEqual({ verb });
    }
  });

  it('parses list with every resource spelling', () => {
    const spellings = {
      executors: ['executors', 'executor', 'exec', 'EXEC'],
      sources: ['sources', 'source', 'src'],
      actions: ['actions', 'action', 'act'],
      aliases: ['aliases', 'alias', 'als'],
    };
    for (const [resource, words] of Object.entries(spellings)) {
      for (const word of words) expect(parse(`list ${word}`)).toEqual({ verb: 'list', resource });
    }
  });

  it('parses notification toggles with or without the feature word', () => {
    for (const action of ['enable', 'disable'] as const) {
      expect(parse(action)).toEqual({ verb: 'notifications', action });
      for (const word of ['notifications', 'notification', 'notif', 'Notifications']) {
        expect(parse(`${action} ${word}`)).toEqual({ verb: 'notifications', action });
      }
    }
    expect(parse('status notif')).toEqual({ verb: 'notifications', action: 'status' });
  });

  it('parses bare status as the agent status', () => {
    expect(parse('status')).toEqual({ verb: 'status' });
    expect(parse('STATUS')).toEqual({ verb: 'status' });
  });

  it('parses action toggles, keeping the name as written', () => {
    expect(parse('enable action Describe-Pod')).toEqual({
      verb: 'action',
      action: 'enable',
      name: 'Describe-Pod',
    });
    expect(parse('disable act x')).toEqual({ verb: 'action', action: 'disable', name: 'x' });
  });

  it('parses show config and its spellings', () => {
    for (const word of ['config', 'cfg', 'configuration'])
      expect(parse(`show ${word}`)).toEqual({ verb: 'show-config' });
  });

  it('parses source bindings', () => {
    expect(parse('status sourcebindings')).toEqual({ verb: 'sourcebindings', action: 'status', names: [] });
    expect(parse('edit sb')).toEqual({ verb: 'sourcebindings', action: 'edit', names: [] });
    expect(parseBuiltin(['edit', 'SourceBindings', 'a,b', 'c', ','])).toEqual({
      verb: 'sourcebindings',
      action: 'edit',
      names: ['a', 'b', 'c'],
    });
  });

  it('reports a missing or unknown resource with the usage', () => {
    expect(parse('list')).toEqual({
      verb: 'list',
      message: '"list" needs to know what. Usage: list executors | sources | actions | aliases',
    });
    expect(parse('enable pods')).toEqual({
      verb: 'enable',
      message: '"enable" does not know "pods". Usage: enable notifications | enable action <name>',
    });
    expect(parse('status pods')).toMatchObject({
      message: expect.stringContaining('Usage: status | status notifications'),
    });
    expect(parse('show')).toMatchObject({ message: '"show" needs to know what. Usage: show config' });
    expect(parse('edit config')).toMatchObject({
      message: expect.stringContaining('Usage: edit sourcebindings'),
    });
  });

  it('reports extra words after resource commands', () => {
    expect(parse('list executors now')).toEqual({
      verb: 'list',
      message: 'Unexpected "now" after "list executors". Usage: list executors | sources | actions | aliases',
    });
    expect(parse('disable notifications now')).toMatchObject({ verb: 'disable' });
    expect(parse('status notifications x')).toMatchObject({ verb: 'status' });
    expect(parse('status sb x')).toMatchObject({ verb: 'status' });
    expect(parse('show cfg x')).toMatchObject({ verb: 'show' });
  });

  it('reports a missing or extra action name', () => {
    expect(parse('enable action')).toMatchObject({
      message: expect.stringContaining('"enable action" needs the action\'s name'),
    });
    expect(parse('disable action a b')).toMatchObject({
      message: expect.stringContaining('"disable action" takes one name, got "a b"'),
    });
  });

  it('reports a first word that is not a verb, including prototype names', () => {
    expect(parseBuiltin(['kubectl'])).toEqual({
      verb: 'kubectl',
      message: '"kubectl" is not a built-in command. Usage: help',
    });
    expect(parseBuiltin([])).toMatchObject({ verb: '' });
    expect(parse('list constructor')).toMatchObject({
      message: expect.stringContaining('does not know "constructor"'),
    });
  });

  it('tells usage errors from commands', () => {
    expect(isUsageError(parse('list'))).toBe(true);
    expect(isUsageError(parse('ping'))).toBe(false);
  });
});

describe('builtinVerbs', () => {
  it('lists the reserved verbs and matches them in any case', () => {
    expect(builtinVerbs).toContain('help');
    expect(isBuiltinVerb('Enable')).toBe(true);
    expect(isBuiltinVerb('kubectl')).toBe(false);
  });
});
