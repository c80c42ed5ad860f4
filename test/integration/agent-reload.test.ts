import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeStateFile } from '../../src/app/runtime-state.js';
import { publishBuiltins, type RunningAgent, startAgent } from '../support/agent-harness.js';
import { waitFor } from '../support/test-logger.js';

const config = (
  repo: string,
  dir: string,
  variant: { prefix: string; alias: string; sources: string; cluster?: string },
) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [${variant.sources}]}}
executors:
  tools:
    sb/echo: {enabled: true, config: {prefix: "${variant.prefix}"}}
sources:
  ticks:
    sb/schedule:
      enabled: true
      config: {schedules: [{name: beat, cron: "*/1 * * * * *", message: "tick"}]}
aliases:
  say: {command: "${variant.alias}"}
configWatcher:
  debounce: 100ms
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
settings:
  clusterName: ${variant.cluster ?? 'first-cluster'}
`;

let run: RunningAgent;
let repo: string;
beforeAll(async () => {
  repo = await publishBuiltins();
  run = await startAgent((dir) => config(repo, dir, { prefix: 'v1: ', alias: 'echo', sources: '' }), {
    watch: true,
  });
}, 120_000);
afterAll(() => run?.agent.stop());

/**
 * Rewrites the config file in place. Synchronously: the agent's watcher runs in this process, so
 * its debounce cannot fire between the truncation and the write and load a half-written file.
 */
const rewrite = (text: string) => writeFileSync(run.configFile, text);

/** Final texts in `ops` posted from index `from` on. */
const textsSince = (from: number) => run.bot.finalTexts('ops').slice(from);

const rejections = () =>
  run.lines.filter((l) => l.msg === 'configuration change rejected; the running configuration stays').length;

describe('hot reload', () => {
  it('applies a changed config file without a restart, starting only what changed', async () => {
    run.bot.say('say hello');
    await waitFor(() => textsSince(0).some((t) => t.includes('v1: hello')), 20_000, 'first answer');
    const echoPid = run.agent.status().plugins.find((p) => p.name === 'sb/echo')?.pid;
    expect(run.agent.status().plugins.map((p) => p.name)).toEqual(['sb/echo']);

    // New plugin config, alias target and a source binding: the schedule plugin starts.
    rewrite(config(repo, run.dir, { prefix: 'v2: ', alias: 'echo loud', sources: 'ticks' }));
    await waitFor(
      () => run.agent.status().plugins.some((p) => p.name === 'sb/schedule' && p.state === 'running'),
      20_000,
      'schedule plugin',
    );
    run.bot.say('say world');
    await waitFor(
      () => run.bot.finalTexts('ops').some((t) => t.includes('v2: loud world')),
      20_000,
      'answer after reload',
    );
    await waitFor(
      () => run.bot.finalTexts('ops').filter((t) => t === 'tick').length >= 1,
      20_000,
      'schedule notification',
    );
    // The echo plugin process kept running: its config travels with each call.
    expect(run.agent.status().plugins.find((p) => p.name === 'sb/echo')?.pid).toBe(echoPid);
  }, 90_000);

  it('rejects a broken config file and keeps serving with the running one', async () => {
    const rejected = rejections();
    rewrite('communications: [this is: not valid\n');
    await waitFor(() => rejections() > rejected, 20_000, 'rejection log');
    run.bot.say('say still');
    await waitFor(
      () => run.bot.finalTexts('ops').some((t) => t.includes('v2: loud still')),
      20_000,
      'answer with the old config',
    );
  }, 90_000);

  it("rejects a change the plugin's published schema refuses, naming the path, and keeps the running config", async () => {
    const broken = config(repo, run.dir, { prefix: 'v9: ', alias: 'echo', sources: '' }).replace(
      'config: {prefix: "v9: "}',
      'config: {prefix: "v9: ", colour: red}',
    );
    expect(broken).toContain('colour: red');
    rewrite(broken);
    await waitFor(
      () =>
        run.lines.some(
          (l) =>
            l.msg === 'configuration change rejected; the running configuration stays' &&
            /config\.yaml:\d+:\d+: executors\.tools\["sb\/echo"\]\.config\.colour: plugin sb\/echo: unknown key "colour"/.test(
              String(l.err),
            ),
        ),
      20_000,
      'plugin config rejection',
    );
    run.bot.say('say unchanged');
    await waitFor(
      () => run.bot.finalTexts('ops').some((t) => t.includes('v2: loud unchanged')),
      20_000,
      'answer with the old config',
    );
  }, 90_000);

  it('stops plugins and streams that nothing uses any more', async () => {
    rewrite(config(repo, run.dir, { prefix: 'v3: ', alias: 'echo', sources: '' }));
    await waitFor(
      () => !run.agent.status().plugins.some((p) => p.name === 'sb/schedule'),
      20_000,
      'schedule plugin stopped',
    );
    expect(run.agent.status().sources).toEqual([]);
    run.bot.say('say bye');
    await waitFor(
      () => run.bot.finalTexts('ops').some((t) => t.includes('v3: bye')),
      20_000,
      'answer after second reload',
    );
  }, 90_000);

  it('answers ping and version with the cluster name of the running config', async () => {
    const pongs = () => run.bot.finalTexts('ops').filter((t) => t.startsWith('pong\n'));
    run.bot.say('ping');
    await waitFor(() => pongs().length === 1, 20_000, 'first pong');
    expect(pongs()[0]).toContain('Cluster: first-cluster');

    const reloads = run.lines.filter((l) => l.msg === 'configuration reloaded').length;
    rewrite(
      config(repo, run.dir, { prefix: 'v3: ', alias: 'echo', sources: '', cluster: 'renamed-cluster' }),
    );
    await waitFor(
      () => run.lines.filter((l) => l.msg === 'configuration reloaded').length > reloads,
      20_000,
      'reload',
    );
    run.bot.say('ping');
    await waitFor(() => pongs().length === 2, 20_000, 'second pong');
    expect(pongs()[1]).toContain('Cluster: renamed-cluster');
    run.bot.say('version');
    await waitFor(
      () =>
        run.bot
          .finalTexts('ops')
          .some((t) => t.startsWith('Switchboard version:') && t.includes('renamed-cluster')),
      20_000,
      'version with the new name',
    );
  }, 90_000);
});

describe('edit sourcebindings', () => {
  it('binds a source group from chat at once, persists it, and keeps it across a config reload', async () => {
    expect(run.agent.status().plugins.some((p) => p.name === 'sb/schedule')).toBe(false);
    const start = run.bot.finalTexts('ops').length;
    run.bot.say('edit sourcebindings nope');
    await waitFor(
      () => textsSince(start).some((t) => t.includes('Unknown source group `nope`')),
      20_000,
      'refusal',
    );

    // Not "the last message": the ticks the new binding brings can follow the reply at once.
    const bound = run.bot.finalTexts('ops').length;
    run.bot.say('edit sourcebindings ticks');
    await waitFor(
      () => textsSince(bound).some((t) => t.includes('Source bindings of this channel are now `ticks`')),
      20_000,
      'reply',
    );
    const ticksBefore = run.bot.finalTexts('ops').filter((t) => t === 'tick').length;
    await waitFor(
      () => run.bot.finalTexts('ops').filter((t) => t === 'tick').length > ticksBefore,
      20_000,
      'a notification from the newly bound group',
    );
    const saved = JSON.parse(
      await readFile(runtimeStateFile(join(run.dir, 'state'), [run.configFile]), 'utf8'),
    );
    expect(saved.sourceBindings).toEqual({ 'default/console|ops': ['ticks'] });

    // A config file change keeps the channel's chosen bindings.
    const reloads = () => run.lines.filter((l) => l.msg === 'configuration reloaded').length;
    const before = reloads();
    rewrite(config(repo, run.dir, { prefix: 'v4: ', alias: 'echo', sources: '' }));
    await waitFor(() => reloads() > before, 20_000, 'the file change applied');
    run.bot.say('say again');
    await waitFor(() => run.bot.finalTexts('ops').some((t) => t.includes('v4: again')), 20_000, 'reloaded');
    expect(run.agent.status().sources.map((s) => s.group)).toEqual(['ticks']);
    run.bot.say('status sourcebindings');
    await waitFor(
      () => run.bot.received.some((o) => /^ticks\s+sb\/schedule$/m.test(o.message.baseBody.codeBlock ?? '')),
      20_000,
      'status',
    );
  }, 90_000);
});

describe('plugin config checked against the published schema at start', () => {
  it('refuses to start, naming the file, line and path, before any plugin runs', async () => {
    const repository = await publishBuiltins();
    const failure = await startAgent((dir) =>
      config(repository, dir, { prefix: 'x', alias: 'echo', sources: '' }).replace(
        'config: {prefix: "x"}',
        'config: {prefix: "x", upperCase: "yes"}',
      ),
    ).then(
      (started) => {
        void started.agent.stop();
        throw new Error('the agent started with an invalid plugin config');
      },
      (err: Error) => err,
    );
    expect(failure.message).toMatch(
      /config\.yaml:10:63: executors\.tools\["sb\/echo"\]\.config\.upperCase: plugin sb\/echo: expected boolean, got "yes"/,
    );
  });
});
