import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullBundle } from '../../src/plugins/repository/index.js';
import {
  alertmanagerBin,
  freePort,
  publishBuiltins,
  type RunningAgent,
  startAgent,
  startAlertmanager,
} from '../support/agent-harness.js';
import { repoRoot } from '../support/build-fixtures.js';
import { startStaticServer } from '../support/static-server.js';
import type { TestBot } from '../support/test-bot.js';
import { waitFor } from '../support/test-logger.js';

/*
 * The built-in plugins end to end THROUGH THE AGENT: published into a repository, installed by
 * the agent from it, driven from chat (a TestBot) and by real event producers (Alertmanager,
 * cron), with the answers read back from what the bot was given.
 */

const linesScript = join(repoRoot, 'test/fixtures/exec/lines.sh');
const gateScript = join(repoRoot, 'test/fixtures/exec/gate.sh');

const channelTexts = (bot: TestBot, channel = 'ops') =>
  bot.received.filter((o) => o.address.channelId === channel).map((o) => JSON.stringify(o.message));

const audits = (run: RunningAgent) => run.lines.filter((l) => l.audit === true).length;

/**
 * Says `text` and waits until the command is done; returns its reply's final text. Output that
 * streams for over a second is posted live and then edited, so the first version of the reply
 * can be partial: the audit line, written once the last edit was delivered, marks the end.
 */
async function ask(run: RunningAgent, text: string, timeoutMs = 30_000): Promise<string> {
  const { bot } = run;
  const before = bot.finalTexts('ops').length;
  const audited = audits(run);
  bot.say(text);
  await waitFor(
    () => audits(run) > audited && bot.finalTexts('ops').length > before,
    timeoutMs,
    `a reply to ${text}`,
  );
  return bot.finalTexts('ops')[before] ?? '';
}

const repoConfig = (repo: string, dir: string) => `
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}`;

describe('exec through the agent', () => {
  let run: RunningAgent;
  let gateDir: string;
  beforeAll(async () => {
    const repo = await publishBuiltins();
    gateDir = await mkdtemp(join(tmpdir(), 'sb-e2e-gate-'));
    run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [shell], sources: []}}
executors:
  shell:
    sb/exec:
      enabled: true
      config:
        commands:
          echo: {args: [".*"]}
          lines: {path: "${linesScript}", args: ["[0-9]{1,3}"]}
          gate: {path: "${gateScript}", args: ["${gateDir}/[a-z]+"]}
        timeout: 60s
plugins:${repoConfig(repo, dir)}
`,
    );
  }, 180_000);
  afterAll(() => run?.agent.stop());

  it('refuses a command that is not allowed, saying what is allowed', async () => {
    const reply = await ask(run, 'exec rm -rf /');
    expect(reply).toMatch(/Refused/);
    expect(reply).toContain('`rm` is not an allowed command');
    expect(reply).toMatch(/Allowed:.*`echo`/s);
    expect(reply).toContain('`lines`');
  });

  it('refuses a shell sequence: nothing goes through a shell', async () => {
    const reply = await ask(run, 'exec ls; reboot');
    // `ls;` is one plain word, not `ls` followed by a separator, and is no allowed name.
    expect(reply).toContain('Refused: `ls;` is not an allowed command. Allowed:');
  });

  it('passes $(…) as literal text, never running it', async () => {
    const reply = await ask(run, 'exec echo $(id)');
    expect(reply).not.toContain('uid=');
    // Either echoed as typed, or refused; with `echo` allowing `.*` it is echoed.
    expect(reply).toContain('$(id)');
  });

  it('streams output live: a post, then edits of the same message, ending with every line', async () => {
    const { bot } = run;
    const flag = join(gateDir, 'release');
    const start = bot.received.length;
    bot.say(`exec gate ${flag}`);
    // The first line is shown while the command still runs (it waits for the flag file).
    const liveIndex = await waitFor(
      () => {
        const i = bot.received.findIndex(
          (o, n) => n >= start && (o.message.baseBody.codeBlock ?? '').includes(`waiting for ${flag}`),
        );
        return i >= 0 ? i + 1 : undefined;
      },
      30_000,
      'the live post with the first line',
    );
    const live = bot.received[liveIndex - 1];
    expect(live?.replaces).toBeUndefined();
    expect(live?.message.baseBody.codeBlock).not.toContain('released');
    await writeFile(flag, '');
    await waitFor(
      () => bot.finalTexts('ops').some((t) => t.includes('released')),
      30_000,
      'the final text with the last line',
    );
    // TestBot numbers posted messages in delivery order: the live post is message `liveIndex`.
    const edits = bot.received.slice(liveIndex).filter((o) => o.replaces?.messageId === String(liveIndex));
    expect(edits.length).toBeGreaterThanOrEqual(1);
    const final = edits.at(-1)?.message.baseBody.codeBlock ?? '';
    expect(final).toContain(`waiting for ${flag}`);
    expect(final).toContain('released');
  });

  it('answers a longer output with every line', async () => {
    const reply = await ask(run, 'exec lines 40');
    for (let i = 1; i <= 40; i++) expect(reply).toContain(`line ${i}\n`);
  });
});

describe('alertmanager through the agent (real Alertmanager)', () => {
  let run: RunningAgent;
  let am: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    if (!existsSync(alertmanagerBin))
      throw new Error(`${alertmanagerBin} is missing: run .ci/install-deps.sh (prometheus-alertmanager)`);
    const repo = await publishBuiltins();
    const port = await freePort();
    run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [am], sources: [alerts]}}
executors:
  am:
    sb/alertmanager: {enabled: true, config: {url: "http://127.0.0.1:${port}"}}
sources:
  alerts:
    sb/alertmanager: {enabled: true}
plugins:${repoConfig(repo, dir)}
`,
    );
    am = await startAlertmanager(port, `${run.urls.webhooksUrl}/sources/v1/alerts`);
  }, 180_000);
  afterAll(async () => {
    await am?.stop();
    await run?.agent.stop();
  });

  const postAlert = async (labels: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const response = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels, ...extra }]),
    });
    expect(response.status).toBe(200);
  };

  it('posts FIRING and then RESOLVED notifications to the bound channel', async () => {
    const labels = { alertname: 'SwitchboardE2E', severity: 'critical' };
    const annotations = { summary: 'end to end through the agent' };
    const startsAt = new Date().toISOString();
    await postAlert(labels, { annotations, startsAt });
    await waitFor(
      () => channelTexts(run.bot).some((t) => t.includes('[FIRING:1] SwitchboardE2E')),
      60_000,
      'the firing notification in the channel',
    );
    expect(channelTexts(run.bot).find((t) => t.includes('[FIRING:1] SwitchboardE2E'))).toContain(
      'end to end through the agent',
    );
    await postAlert(labels, { annotations, startsAt, endsAt: new Date(Date.now() - 1000).toISOString() });
    await waitFor(
      () => channelTexts(run.bot).some((t) => t.includes('[RESOLVED] SwitchboardE2E')),
      60_000,
      'the resolved notification in the channel',
    );
  }, 150_000);

  it('creates a silence from chat, made by the chat user', async () => {
    const reply = await ask(
      run,
      'alertmanager silence alertname="SwitchboardE2ESilence" --for 1h --comment "e2e"',
    );
    expect(reply).toMatch(/^Ada silenced alertname="SwitchboardE2ESilence" for 1h/);
    const silences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as {
      createdBy: string;
      comment: string;
      status: { state: string };
      matchers: { name: string; value: string }[];
      startsAt: string;
      endsAt: string;
    }[];
    const silence = silences.find((s) => s.matchers.some((m) => m.value === 'SwitchboardE2ESilence'));
    expect(silence).toMatchObject({
      createdBy: 'Ada',
      comment: 'e2e',
      status: { state: 'active' },
      matchers: [{ name: 'alertname', value: 'SwitchboardE2ESilence' }],
    });
    const length = Date.parse(silence?.endsAt ?? '') - Date.parse(silence?.startsAt ?? '');
    expect(Math.abs(length - 3600_000)).toBeLessThan(60_000);
  });
});

describe('schedule through the agent', () => {
  let run: RunningAgent;
  let gateDir: string;
  beforeAll(async () => {
    const repo = await publishBuiltins();
    gateDir = await mkdtemp(join(tmpdir(), 'sb-e2e-action-gate-'));
    run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [ticks]}}
executors:
  tools:
    sb/echo: {enabled: true}
  shell:
    sb/exec:
      enabled: true
      config:
        commands:
          gate: {path: "${gateScript}", args: ["${gateDir}/[a-z]+"]}
sources:
  ticks:
    sb/schedule:
      enabled: true
      config:
        schedules:
          - {name: heartbeat, cron: "*/1 * * * * *", message: "e2e heartbeat"}
          - {name: backstage, cron: "*/1 * * * * *"}
actions:
  on-tick:
    enabled: true
    displayName: On tick
    command: "echo scheduled {{ .Event.schedule }}"
    bindings: {sources: [ticks], executors: [tools]}
  stuck:
    enabled: true
    displayName: Stuck
    command: "exec gate ${gateDir}/open"
    bindings: {sources: [ticks], executors: [shell]}
plugins:${repoConfig(repo, dir)}
`,
    );
  }, 180_000);
  afterAll(async () => {
    await writeFile(join(gateDir, 'open'), '');
    await run?.agent.stop();
  });

  const answers = (schedule: string) =>
    channelTexts(run.bot).filter((t) => t.includes(`scheduled ${schedule}`) && t.includes('On tick')).length;

  it('posts the scheduled message every second while an action is stuck', async () => {
    const count = () => channelTexts(run.bot).filter((t) => t.includes('e2e heartbeat')).length;
    const before = count();
    // Every second; allow for a loaded machine (the first fire can also take a moment to come).
    await waitFor(() => count() >= before + 2, 20_000, 'two scheduled notifications');
  });

  it('runs the other action bound to the schedule source, which a stuck action does not hold up', async () => {
    const before = answers('heartbeat');
    await waitFor(() => answers('heartbeat') >= before + 2, 20_000, "the action's answers in the channel");
    // Every run of the stuck action so far is still waiting on its gate.
    expect(channelTexts(run.bot).some((t) => t.includes('released'))).toBe(false);
  });

  it('runs actions for an action-only fire (skipMessage) without posting the fire itself', async () => {
    // A fire is handed to the channel before its actions run; by the second answer the first fire
    // has had a whole second to be posted, had it been.
    await waitFor(() => answers('backstage') >= 2, 20_000, 'two action answers for the silent schedule');
    expect(channelTexts(run.bot).some((t) => t.includes('Schedule backstage'))).toBe(false);
  });

  it('delivers the stuck action once it can finish, and counts runs by result', async () => {
    await writeFile(join(gateDir, 'open'), '');
    await waitFor(
      () => channelTexts(run.bot).some((t) => t.includes('released') && t.includes('Stuck')),
      20_000,
      "the stuck action's answer",
    );
    // A run is counted after its answer is handed to the pipeline, so the count may trail the answer.
    const metrics = () => fetch(`${run.urls.operationsUrl}/metrics`).then((r) => r.text());
    await waitFor(
      async () => /switchboard_action_runs_total\{action="stuck",result="ok"\} [1-9]/.test(await metrics()),
      15_000,
      'the stuck action counted as ok',
    );
    const text = await metrics();
    expect(text).toMatch(/switchboard_action_runs_total\{action="on-tick",result="ok"\} [1-9]/);
    expect(text).toMatch(/switchboard_action_runs_total\{action="stuck",result="ok"\} [1-9]/);
  });
});

describe('an agent running from an offline bundle (no network)', () => {
  let run: RunningAgent;
  let requestsWhileOnline = 0;
  let serverRequests: { path: string }[] = [];
  let bundleIndex = '';
  beforeAll(async () => {
    const repo = await publishBuiltins();
    const server = await startStaticServer(repo);
    const bundle = await mkdtemp(join(tmpdir(), 'sb-e2e-bundle-'));
    let pulled: Awaited<ReturnType<typeof pullBundle>>;
    try {
      pulled = await pullBundle({
        cacheDir: await mkdtemp(join(tmpdir(), 'sb-e2e-pullcache-')),
        repositories: { sb: { url: `${server.url}index.yaml` } },
        plugins: ['sb/echo'],
        outputDir: bundle,
      });
    } finally {
      serverRequests = server.requests;
      requestsWhileOnline = server.requests.length;
      // The network is gone from here on.
      await server.close();
    }
    bundleIndex = pulled.repositories.sb ?? '';
    run = await startAgent(
      (dir) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: []}}
executors:
  tools:
    sb/echo: {enabled: true}
plugins:
  cacheDir: ${join(dir, 'fresh-cache')}
  repositories:
    sb: {url: "${bundleIndex}"}
`,
    );
  }, 180_000);
  afterAll(() => run?.agent.stop());

  it('pulled the bundle over HTTP into a file:// repository', async () => {
    expect(requestsWhileOnline).toBeGreaterThan(0);
    expect(serverRequests.map((r) => r.path)).toContain('/index.yaml');
    expect(bundleIndex).toMatch(/^file:\/\/.*\/sb\/index\.yaml$/);
    const index = await readFile(new URL(bundleIndex), 'utf8');
    // Archive URLs are relative to the bundle index: nothing points back at the server.
    expect(index).not.toContain('127.0.0.1');
    expect(index).toContain('url: echo/');
  });

  it('installs from the bundle and answers a command', async () => {
    const reply = await ask(run, 'echo offline');
    expect(reply).toContain('offline');
    // Nothing reached the (closed) server after it went away.
    expect(serverRequests).toHaveLength(requestsWhileOnline);
  });
});
