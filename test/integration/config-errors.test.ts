import { describe, expect } from 'vitest';
import { ConfigError, formatIssue, loadConfig } from '../../src/config/index.js';
import { hasCode } from '../../src/errors/switchboard-error.js';
import { test } from '../support/temp-dir.js';

/** Loads the files, expecting failure; returns the error lines with the temp dir shortened to `$DIR`. */
async function failures(files: string[], dir: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig({ files, env });
  } catch (err) {
    expect(hasCode(err, 'SB_ERR_CONFIG_INVALID')).toBe(true);
    return (err as ConfigError).issues.map((issue) => formatIssue(issue).replaceAll(dir, '$DIR'));
  }
  throw new Error('expected the config to be rejected');
}

const slack = (channel: string) => `communications:
  team:
    socketSlack:
      enabled: true
      botToken: xoxb-1
      appToken: xapp-1
      channels:
${channel}`;

describe('config errors name the file, line, column, path, value and expectation', () => {
  test('a value of the wrong type', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'configWatcher:\n  enabled: yes\n');
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:2:12: configWatcher.enabled: expected true or false, got "yes"',
    ]);
  });

  test('a value outside an enum', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'settings:\n  log:\n    formatter: xml\n');
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:3:16: settings.log.formatter: expected "text" or "json", got "xml"',
    ]);
  });

  test('an unknown key, with a suggestion, pointing at the key', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'plugins:\n  restartPolicy:\n    treshold: 3\n');
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:3:5: plugins.restartPolicy.treshold: unknown key "treshold"; did you mean "threshold"?',
    ]);
  });

  test('a missing required key, pointing at its parent', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'aliases:\n  kgp:\n    displayName: Get pods\n');
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:2:3: aliases.kgp.command: missing; expected a string',
    ]);
  });

  test('an action command template that does not compile, with its line and column', async ({ dir }) => {
    const file = await dir.write(
      'a.yaml',
      [
        'sources:',
        '  k8s:',
        '    switchboard/demo: {enabled: true}',
        'executors:',
        '  e:',
        '    switchboard/echo: {enabled: true}',
        'actions:',
        '  describe:',
        '    enabled: true',
        '    command: "echo {{ .Event.name | shout }}"',
        '    bindings: {sources: [k8s], executors: [e]}',
        '',
      ].join('\n'),
    );
    const [line] = await failures([file], dir.path);
    expect(line).toMatch(/^\$DIR\/a\.yaml:10:14: actions\.describe\.command: template 1:\d+: .*"shout"/);
  });

  test('a credential missing from an enabled platform', async ({ dir }) => {
    const file = await dir.write(
      'a.yaml',
      'communications:\n  team:\n    discord:\n      enabled: true\n      botID: "1"\n      channels: {c: {id: "2"}}\n',
    );
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:3:5: communications.team.discord.token: token is required when the platform is enabled',
    ]);
  });

  test('a bad duration', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'plugins:\n  healthCheckInterval: 10 seconds\n');
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:2:24: plugins.healthCheckInterval: "10 seconds" is not a duration; expected a Go duration such as "10s", "1m30s" or "250ms"',
    ]);
  });

  test('a binding to a group that does not exist, naming the channel', async ({ dir }) => {
    const file = await dir.write(
      'a.yaml',
      `${slack('        ops:\n          name: ops\n          bindings: {sources: [pod-failure], executors: [nope]}\n')}sources:
  pod-failures:
    botkube/kubernetes: {enabled: true}
`,
    );
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:10:32: communications.team.socketSlack.channels.ops.bindings.sources[0]: channel "ops" of communications.team.socketSlack binds source group "pod-failure", which is not defined under sources (did you mean "pod-failures"?)',
      '$DIR/a.yaml:10:58: communications.team.socketSlack.channels.ops.bindings.executors[0]: channel "ops" of communications.team.socketSlack binds executor group "nope", which is not defined under executors (no executor groups are defined)',
    ]);
  });

  test('malformed YAML, with its line and column', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'settings:\n  clusterName: prod\n  log: [info\nplugins: {}\n');
    const [line] = await failures([file], dir.path);
    expect(line).toMatch(/^\$DIR\/a\.yaml:4:1: invalid YAML: /);
  });

  test('only the file problem when a file does not parse, not errors caused by its absence', async ({
    dir,
  }) => {
    const groups = await dir.write('groups.yaml', 'sources:\n  pods: {botkube/kubernetes: {enabled: true\n');
    const channels = await dir.write(
      'channels.yaml',
      slack('        ops: {name: ops, bindings: {sources: [pods]}}\n'),
    );
    const lines = await failures([groups, channels], dir.path);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\$DIR\/groups\.yaml:\d+:\d+: invalid YAML: /);
  });

  test('a duplicate key', async ({ dir }) => {
    const file = await dir.write('a.yaml', 'settings:\n  clusterName: a\n  clusterName: b\n');
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:3:3: invalid YAML: Map keys must be unique ("clusterName" is written twice)',
    ]);
  });

  test('a "billion laughs" document: the alias limit, not a bare ReferenceError', async ({ dir }) => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const file = await dir.write(
      'a.yaml',
      `lol:
${levels.map((l) => `  ${l}`).join('\n')}
`,
    );
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml: invalid YAML: its aliases expand too much (more than 10,000 alias expansions, as in a "billion laughs" document); write the values out or use fewer nested aliases',
    ]);
  });

  test('an empty, blank or comment-only file (a truncated save) is refused, naming the file', async ({
    dir,
  }) => {
    const expected = (name: string) =>
      `$DIR/${name}: the config file is empty (or holds only comments); an empty config is refused so that a half-written file never replaces the running config`;
    const empty = await dir.write('empty.yaml', '');
    const blank = await dir.write('blank.yaml', '\n  \n');
    const comments = await dir.write('comments.yaml', '# settings come later\n---\n');
    expect(await failures([empty], dir.path)).toEqual([expected('empty.yaml')]);
    expect(await failures([blank], dir.path)).toEqual([expected('blank.yaml')]);
    expect(await failures([comments], dir.path)).toEqual([expected('comments.yaml')]);
  });

  test('a secret file that does not exist, and an unset secret variable', async ({ dir }) => {
    const file = await dir.write(
      'a.yaml',
      `${slack('        ops: {name: ops}\n')}    rocketChat:
      enabled: true
      url: https://chat.example
      userId: bot
      authToken: {fromEnv: ROCKET_TOKEN}
      channels: {ops: {name: ops}}
`.replace('botToken: xoxb-1', 'botToken: {fromFile: secrets/slack-bot}'),
    );
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:5:17: communications.team.socketSlack.botToken: cannot read secret file $DIR/secrets/slack-bot: no such file',
      '$DIR/a.yaml:13:18: communications.team.rocketChat.authToken: secret comes from environment variable ROCKET_TOKEN, which is not set',
    ]);
  });

  test('a config variable that cannot be parsed', async ({ dir }) => {
    expect(await failures([], dir.path, { SWITCHBOARD_ALIASES: '{k: [' })).toEqual([
      expect.stringMatching(
        /^environment variable SWITCHBOARD_ALIASES: aliases: the value starts with "\{" but is not valid YAML/,
      ),
    ]);
  });

  test('a file that does not exist', async ({ dir }) => {
    expect(await failures([`${dir.path}/missing.yaml`], dir.path)).toEqual([
      '$DIR/missing.yaml: cannot read the config file: no such file',
    ]);
  });

  test('plugins bound together at different versions, and a Slack token of the wrong kind', async ({
    dir,
  }) => {
    const file = await dir.write(
      'a.yaml',
      `${slack('        ops:\n          name: ops\n          bindings: {executors: [a, b]}\n').replace('appToken: xapp-1', 'appToken: xoxb-1')}executors:
  a:
    botkube/kubectl@v1.0.0: {enabled: true}
  b:
    botkube/kubectl@v1.1.0: {enabled: true}
`,
    );
    expect(await failures([file], dir.path)).toEqual([
      '$DIR/a.yaml:6:17: communications.team.socketSlack.appToken: appToken must start with "xapp-" (see https://api.slack.com/authentication/token-types)',
      '$DIR/a.yaml:10:33: communications.team.socketSlack.channels.ops.bindings.executors: channel "ops" of communications.team.socketSlack binds plugin "kubectl" at different versions (botkube/kubectl@v1.0.0 in "a", botkube/kubectl@v1.1.0 in "b"); use one',
    ]);
  });

  test('every problem of every file at once, each in the file that wrote it, warnings apart', async ({
    dir,
  }) => {
    const first = await dir.write(
      'first.yaml',
      'settings:\n  clusterName: prod\n  upgradeNotifier: true\n  log: {level: loud}\nplugins:\n  cacheDir: /tmp\n',
    );
    const second = await dir.write(
      'second.yaml',
      'settings:\n  log: {level: verbose}\nplugins:\n  cacheDir: 5\n  cachedir: /x\n',
    );
    let error: ConfigError | undefined;
    try {
      await loadConfig({ files: [first, second], env: {} });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.code).toBe('SB_ERR_CONFIG_INVALID');
    expect(error?.issues.map((i) => formatIssue(i).replaceAll(dir.path, '$DIR'))).toEqual([
      '$DIR/second.yaml:2:16: settings.log.level: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
      '$DIR/second.yaml:5:3: plugins.cachedir: unknown key "cachedir"; did you mean "cacheDir"?',
    ]);
    expect(error?.warnings.map((i) => formatIssue(i).replaceAll(dir.path, '$DIR'))).toEqual([
      '$DIR/first.yaml:3:3: settings.upgradeNotifier: Botkube setting ignored by Switchboard: Switchboard does not check for releases.',
    ]);
    expect(error?.message.split('\n')[0]).toBe('invalid configuration: 2 errors');
  });
});
