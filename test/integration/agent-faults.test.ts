import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { type RunningAgent, startAgent } from '../support/agent-harness.js';
import { repoRoot } from '../support/build-fixtures.js';
import { buildIndexWithoutDependencies } from '../support/fixture-index.js';
import type { TestBot } from '../support/test-bot.js';
import { waitFor } from '../support/test-logger.js';

/*
 * Faults and limits END TO END through the agent: the TypeScript fixture plugins and the Go
 * go-plugin fixtures are published into one repository, installed by the agent from it and
 * driven from chat (a TestBot) and through the incoming-webhook listener.
 */

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const token = 'flood-token';
const bodyLimit = 64 * 1024;

/** Publishes the fixture plugins (TS through buildPlugins, Go as raw binaries) into a repository. */
async function publishFixtures(goDir: string): Promise<string> {
  const repo = await mkdtemp(join(tmpdir(), 'sb-faults-repo-'));
  // buildPlugins resolves `entry` relative to each plugin directory, so the temp plugins
  // dir holds tiny wrappers that import the fixtures by absolute path.
  const pluginsDir = await mkdtemp(join(tmpdir(), 'sb-faults-plugins-'));
  await mkdir(join(pluginsDir, 'fx'));
  const fixtures = join(repoRoot, 'test/fixtures/plugins');
  await writeFile(join(pluginsDir, 'fx', 'exec.ts'), `import '${join(fixtures, 'executor-fixture.ts')}';\n`);
  await writeFile(join(pluginsDir, 'fx', 'source.ts'), `import '${join(fixtures, 'source-fixture.ts')}';\n`);
  await writeFile(
    join(pluginsDir, 'fx', 'plugin.json'),
    JSON.stringify([
      { type: 'executor', name: 'fixture', entry: 'exec.ts' },
      { type: 'source', name: 'fixture', entry: 'source.ts' },
    ]),
  );
  await buildPlugins({ pluginsDir, outputDir: repo, rootDir: repoRoot, platforms: [{ os: 'linux', arch }] });
  // The index builder accepts raw binaries named <type>_<name>_<os>_<arch>.
  await copyFile(join(goDir, 'executor_goecho'), join(repo, `executor_goecho_linux_${arch}`));
  await copyFile(join(goDir, 'source_goticker'), join(repo, `source_goticker_linux_${arch}`));
  await buildIndexWithoutDependencies(repo);
  return repo;
}

/**
 * Final texts in `ops` that are command replies: the goticker stream is re-opened after it
 * closes (the agent keeps streams open), so its tick notifications keep arriving in between.
 */
const replies = (bot: TestBot) =>
  bot.finalTextsWithoutDigests('ops').filter((t) => !/^tick \d+ from |^webhook for hooks: /.test(t));

/** Says `text` and waits for one more command reply in `ops`; returns its text. */
async function ask(bot: TestBot, text: string, timeoutMs = 30_000): Promise<string> {
  const before = replies(bot).length;
  bot.say(text);
  await waitFor(() => replies(bot).length > before, timeoutMs, `a reply to ${text}`);
  return replies(bot)[before] ?? '';
}

describe('agent faults and limits (fixture and Go plugins from a repository)', () => {
  let run: RunningAgent;
  beforeAll(async () => {
    const go = inject('goFixtures');
    if ('error' in go) throw new Error(go.error);
    const repo = await publishFixtures(go.dir);
    run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [fx, go], sources: [ticks, hooks]}}
executors:
  fx:
    sb/fixture: {enabled: true}
  go:
    sb/goecho: {enabled: true}
sources:
  ticks:
    sb/goticker: {enabled: true, config: {count: 3, intervalMs: 10, close: true}}
  hooks:
    sb/fixture: {enabled: true, config: {count: 0}}
settings:
  clusterName: faults
  commands: {deadline: 1s, concurrencyPerChannel: 4}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
  incomingWebhook:
    bodyLimit: ${bodyLimit}
    auth:
      hooks: {type: bearer, token: ${token}}
`,
    );
  }, 180_000);
  afterAll(() => run?.agent.stop());

  it('runs the Go executor and delivers the Go source stream to the channel', async () => {
    const { bot } = run;
    expect((await ask(bot, 'goecho echo hi')).trim()).toBe('hi');
    await waitFor(
      () => [1, 2, 3].every((i) => bot.allText('ops').includes(`tick ${i} from ticks`)),
      30_000,
      'three goticker notifications',
    );
  }, 60_000);

  it('tells the channel an executor crashed mid-command, and works again after the restart', async () => {
    const { bot } = run;
    const reply = await ask(bot, 'fixture crash');
    expect(reply).toMatch(/fixture executor crashed while running `fixture crash`; it is being restarted/);
    // After the supervisor restarts the plugin the next command is answered (retry while it restarts).
    let answer = '';
    await waitFor(
      async () => {
        answer = await ask(bot, 'fixture echo back');
        return answer.includes('back') ? answer : undefined;
      },
      30_000,
      'an answer after the restart',
    );
    expect(answer).toBe('back');
  }, 60_000);

  it('cuts a 10 MB output to the platform limit and attaches the whole output as a file', async () => {
    const { bot } = run;
    const size = 10 * 1024 * 1024;
    const before = bot.received.length;
    bot.say(`fixture big ${size}`);
    const withFile = await waitFor(
      () => bot.received.slice(before).find((o) => o.address.channelId === 'ops' && o.file),
      30_000,
      'a reply with the output attached',
    );
    const content = Buffer.from(withFile.file?.content ?? new Uint8Array());
    expect(content.length).toBe(size);
    expect(content.toString('latin1').replaceAll('x', '')).toBe('');
    const text = JSON.stringify(withFile.message);
    expect(text.length).toBeLessThan(bot.capabilities.maxMessageLength + 1000);
    for (const o of bot.received.slice(before)) {
      const body = o.message.baseBody.codeBlock ?? o.message.baseBody.plaintext ?? '';
      expect(body.length).toBeLessThanOrEqual(bot.capabilities.maxMessageLength);
    }
  }, 60_000);

  it('cancels a command that runs past settings.commands.deadline (1s)', async () => {
    const started = Date.now();
    const reply = await ask(run.bot, 'fixture sleep 5000', 10_000);
    // The reply names the setting that cut it, not plugins.runtime.callDeadline (30 s here).
    expect(reply).toBe(
      '`fixture sleep 5000` did not finish within 1 s and was cancelled. Narrow it down, or ask an operator to raise `settings.commands.deadline`.',
    );
    expect(Date.now() - started).toBeLessThan(4500);
  }, 30_000);

  it('takes a flood of 300 concurrent webhooks, refuses oversized bodies (413) and bad tokens (401)', async () => {
    const { bot, urls } = run;
    const url = `${urls.webhooksUrl}/sources/v1/hooks`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, n) =>
        fetch(url, { method: 'POST', headers, body: JSON.stringify({ n }) }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const seen = () => {
      // Alone or inside digests (the flood outpaces the channel), each event shows its body once.
      const text = bot.allText('ops').replaceAll('\\"', '"');
      return new Set([...text.matchAll(/webhook for hooks: \{"n":(\d+)\}/g)].map((m) => Number(m[1])));
    };
    await waitFor(() => seen().size === 300, 60_000, '300 webhook notifications');
    expect([...seen()].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, n) => n));

    const big = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ pad: 'x'.repeat(bodyLimit + 1) }),
    });
    expect(big.status).toBe(413);

    const bad = await fetch(url, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer wrong' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const none = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
  }, 120_000);
});
