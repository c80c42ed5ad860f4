import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Agent, createAgent } from '../src/app/agent.js';
import type { Bot } from '../src/bots/bot.js';
import { createSlackBot } from '../src/bots/slack/index.js';
import { loadConfig } from '../src/config/load.js';
import type { SocketSlack } from '../src/config/schema.js';
import type { InboundCommand } from '../src/core/inbound-command.js';
import type { Outbound, PostedRef } from '../src/delivery/destination.js';
import { digestHeaderPattern } from '../src/delivery/digest.js';
import { buildPlugins } from '../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../src/plugins/publish/index-builder.js';
import { type SlackEmulator, startSlackEmulator } from '../test/support/slack-emulator/index.js';
import { type BenchContext, type BenchResult, silentLogger, sleep } from './lib/context.js';
import { infoRow, type Table } from './lib/report.js';
import { ms, perSecond, type Summary, summarize } from './lib/stats.js';

/**
 * Slack benchmarks (issue 8), the agent with the real Slack platform against the Slack emulator
 * over loopback (unchanged bolt client):
 * - command round trip: a user's mention arrives over Socket Mode → agent → echo plugin → the
 *   answer's chat.postMessage has returned (sequential, one command in flight);
 * - events delivered: a steady stream of webhook events fanned out to 10 channels, with the
 *   emulator enforcing Slack's per-channel budget (1 message/s, burst 3, 429 + Retry-After): how
 *   fast events reach Slack through the delivery pipeline, and whether every one is represented.
 */

const machinePlatform = { os: 'linux' as const, arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };
const channelCount = 10;

/** Publishes echo and webhook into a temporary repository with the real publish functions. */
async function publishRepository(repoRoot: string): Promise<{ dir: string; index: string }> {
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-slack-repo-'));
  const manifestDir = join(work, 'plugins', 'bench');
  await mkdir(manifestDir, { recursive: true });
  const entry = (path: string) => relative(manifestDir, join(repoRoot, path));
  await writeFile(
    join(manifestDir, 'plugin.json'),
    JSON.stringify([
      { type: 'executor', name: 'echo', entry: entry('plugins/echo/main.ts') },
      { type: 'source', name: 'webhook', entry: entry('plugins/webhook/main.ts') },
    ]),
  );
  const repo = join(work, 'repo');
  await mkdir(repo);
  await buildPlugins({
    pluginsDir: join(work, 'plugins'),
    outputDir: repo,
    rootDir: repoRoot,
    platforms: [machinePlatform],
  });
  const index = join(repo, 'index.yaml');
  await buildIndex({ binariesPath: repo, urlBasePath: '.', outputFile: index, logger: silentLogger });
  return { dir: work, index };
}

/** The Slack bot, with every delivery's completion time reported (the bot itself stays untouched). */
class TimedBot implements Bot {
  readonly id: string;
  readonly kind: Bot['kind'];
  readonly capabilities: Bot['capabilities'];
  readonly pacing: Bot['pacing'];
  onDelivered: ((outbound: Outbound, at: number) => void) | undefined;

  constructor(private readonly inner: Bot) {
    this.id = inner.id;
    this.kind = inner.kind;
    this.capabilities = inner.capabilities;
    this.pacing = inner.pacing;
  }

  async deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    const ref = await this.inner.deliver(outbound);
    this.onDelivered?.(outbound, performance.now());
    return ref;
  }

  start(onCommand: (command: InboundCommand) => void) {
    return this.inner.start(onCommand);
  }
  stop() {
    return this.inner.stop();
  }
  status() {
    return this.inner.status();
  }
  mentionPattern() {
    return this.inner.mentionPattern();
  }
}

interface Running {
  emu: SlackEmulator;
  agent: Agent;
  bot: TimedBot;
  webhooksUrl: string;
  channels: { id: string; name: string }[];
  user: string;
}

async function startStack(
  work: string,
  index: string,
  rateLimit: { ratePerSecond: number; burst: number },
): Promise<Running> {
  const emu = await startSlackEmulator({ rateLimit, serverPingIntervalMs: 0 });
  const channels = Array.from({ length: channelCount }, (_, i) => emu.addChannel(`bench-${i}`));
  const user = emu.addUser('ada').id;
  const file = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(
    file,
    `
communications:
  default:
    socketSlack:
      enabled: true
      botToken: ${emu.botToken}
      appToken: ${emu.appToken}
      apiUrl: ${emu.apiUrl}
      channels:
${channels.map((c) => `        ${c.name}: {name: ${c.name}, bindings: {executors: [tools], sources: [hooks]}}`).join('\n')}
executors:
  tools:
    bench/echo: {enabled: true}
sources:
  hooks:
    bench/webhook:
      enabled: true
      config: {template: {title: "event {{ .n }}", text: "{{ .text }}"}}
settings:
  clusterName: bench
plugins:
  cacheDir: ${join(work, 'cache')}
  repositories:
    bench: {url: "file://${index}"}
`,
  );
  const { config } = await loadConfig({ files: [file] });
  let bot: TimedBot | undefined;
  const agent = createAgent(config, {
    logger: silentLogger,
    version: '0.0.0-bench',
    stateDir: join(work, 'state'),
    createPlatform: (instance) => {
      if (instance.platform !== 'socketSlack') return undefined;
      bot = new TimedBot(
        createSlackBot({ id: instance.id, settings: instance.settings as SocketSlack, logger: silentLogger }),
      );
      return bot;
    },
    ports: { operations: 0, webhooks: 0 },
  });
  const urls = await agent.start();
  if (!bot || !urls.webhooksUrl)
    throw new Error('the agent started without the Slack bot or its webhook listener');
  return { emu, agent, bot, webhooksUrl: urls.webhooksUrl, channels, user };
}

async function stopStack(s: Running | undefined): Promise<void> {
  if (!s) return;
  await s.agent.stop();
  await s.emu.close();
}

/**
 * Mention in → answer posted, one command in flight, rotating over the channels so that no
 * channel gets more than one command a second: Slack's budget (and so the pipeline's pacing)
 * would otherwise make every answer after the third wait for its turn.
 */
async function roundTrips(s: Running, count: number, warmup: number): Promise<number[]> {
  const mention = `<@${s.emu.botUserId}>`;
  const lastUse = new Map<string, number>();
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const channel = s.channels[i % s.channels.length] as { id: string };
    const wait = (lastUse.get(channel.id) ?? Number.NEGATIVE_INFINITY) + 1100 - performance.now();
    if (wait > 0) await sleep(wait);
    lastUse.set(channel.id, performance.now());
    const token = `rtt-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const done = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to command ${i} within 10 s`)), 10_000);
      s.bot.onDelivered = (outbound, at) => {
        if (!JSON.stringify(outbound.message).includes(token)) return;
        clearTimeout(timer);
        resolve(at);
      };
    });
    const t0 = performance.now();
    await s.emu.userMessage({ user: s.user, channel: channel.id, text: `${mention} echo ${token}` });
    const at = await done;
    if (i >= warmup) samples.push(at - t0);
  }
  s.bot.onDelivered = undefined;
  return samples;
}

/** Back-to-back commands in one channel: each answer waits for the channel's budget. */
async function pacedRoundTrips(s: Running, count: number): Promise<number[]> {
  const mention = `<@${s.emu.botUserId}>`;
  const channel = s.channels[0] as { id: string };
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const token = `paced-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const done = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to command ${i} within 10 s`)), 10_000);
      s.bot.onDelivered = (outbound, at) => {
        if (!JSON.stringify(outbound.message).includes(token)) return;
        clearTimeout(timer);
        resolve(at);
      };
    });
    const t0 = performance.now();
    await s.emu.userMessage({ user: s.user, channel: channel.id, text: `${mention} echo ${token}` });
    samples.push((await done) - t0);
  }
  s.bot.onDelivered = undefined;
  return samples;
}

interface EventRun {
  sent: number;
  represented: number;
  /** From the first POST to the last event represented. */
  seconds: number;
  /** From the last POST to the last event represented. */
  drainSeconds: number;
  messages: number;
  rateLimited: number;
  perChannel: number[];
}

/**
 * Posts webhook events at a steady `rate` for `seconds` (each fanned out to every channel), then
 * waits until every event is represented in every channel (posted, or counted in a digest) or
 * nothing has changed for 15 s.
 */
async function eventStorm(s: Running, rate: number, seconds: number): Promise<EventRun> {
  const tag = Math.random().toString(36).slice(2, 8);
  const ids = Array.from({ length: Math.round(rate * seconds) }, (_, n) => `ev-${tag}-${n}`);
  const t0 = performance.now();
  for (const [n, id] of ids.entries()) {
    const wait = t0 + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const response = await fetch(`${s.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n, text: id }),
    });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  }
  const lastPost = performance.now();
  const posted = (channel: string) => s.emu.messages(channel).filter((m) => !m.files);
  const representedIn = (channel: string) => {
    let count = 0;
    for (const m of posted(channel)) {
      const first = (m.blocks as { type: string; text?: { text?: string } }[] | undefined)?.[0];
      const header = first?.type === 'header' ? (first.text?.text ?? '') : '';
      const digest = digestHeaderPattern.exec(header);
      if (digest) count += Number((digest[1] as string).replaceAll(',', ''));
      else if (header.startsWith('event ')) count += 1;
    }
    return count;
  };
  const total = ids.length * channelCount;
  let represented = 0;
  let lastChange = performance.now();
  let doneAt = performance.now();
  for (;;) {
    const now = s.channels.reduce((sum, c) => sum + representedIn(c.id), 0);
    if (now !== represented) {
      represented = now;
      lastChange = performance.now();
      doneAt = lastChange;
    }
    if (represented >= total || performance.now() - lastChange > 15_000) break;
    await sleep(50);
  }
  return {
    sent: total,
    represented,
    seconds: (doneAt - t0) / 1000,
    drainSeconds: Math.max(0, doneAt - lastPost) / 1000,
    messages: s.channels.reduce((sum, c) => sum + posted(c.id).length, 0),
    rateLimited: s.emu.stats().rateLimited,
    perChannel: s.channels.map((c) => representedIn(c.id)),
  };
}

const row = infoRow;

export async function slackBench(ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 30 : 200;
  const paced = ctx.quick ? 6 : 12;
  const storm = { rate: 50, seconds: ctx.quick ? 4 : 12 };
  const published = await publishRepository(ctx.repoRoot);
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-slack-'));
  let stack: Running | undefined;
  try {
    stack = await startStack(work, published.index, { ratePerSecond: 1, burst: 3 });
    const rtt: Summary = summarize(await roundTrips(stack, count, 5));
    await sleep(1500);
    const pacedRtt: Summary = summarize(await pacedRoundTrips(stack, paced));
    await stopStack(stack);
    stack = undefined;

    stack = await startStack(work, published.index, { ratePerSecond: 1, burst: 3 });
    const run = await eventStorm(stack, storm.rate, storm.seconds);
    const eventsPerSecond = run.represented / run.seconds;
    const messagesPerSecond = run.messages / run.seconds;
    const table: Table = {
      title: `Slack: agent + Slack platform + emulator over loopback (${channelCount} channels, Slack's budget of 1 message/s and burst 3 per channel)`,
      centralHeader: 'p50 / value',
      spreadHeader: 'p99',
      rows: [
        row(
          `command round trip: mention in → answer posted (${count}, one in flight, ≤ 1 per channel per second)`,
          ms(rtt.p50),
          ms(rtt.p99),
          ms(rtt.max),
        ),
        row(
          `command round trip, ${paced} back to back in one channel (paced)`,
          ms(pacedRtt.p50),
          ms(pacedRtt.p99),
          ms(pacedRtt.max),
        ),
        row(
          `events represented per second: ${storm.rate} events/s for ${storm.seconds} s, each to ${channelCount} channels`,
          perSecond(eventsPerSecond),
          '-',
          '-',
        ),
        row('messages posted per second, same run', perSecond(messagesPerSecond), '-', '-'),
        row(
          'events represented / sent',
          `${run.represented} / ${run.sent}`,
          '-',
          `min per channel ${Math.min(...run.perChannel)}`,
        ),
        row('last event represented after the last POST', ms(run.drainSeconds * 1000), '-', '-'),
        row('429 answers from the emulator', String(run.rateLimited), '-', '-'),
      ],
      notes: [
        'Round trip: from the scripted user posting (the emulator sends the app_mention envelope) until the Slack bot’s chat.postMessage for the answer has returned; the echo plugin runs in its own process. The first row rotates over the channels so no channel is asked more than once a second; the paced row sends the next command as soon as the previous answer is posted, in one channel, so after the burst each answer waits for the channel’s budget.',
        `Events: one webhook POST per event, bound to all ${channelCount} channels, so ${storm.rate * channelCount} channel-events/s; the emulator answers 429 with Retry-After beyond the budget, as Slack does. An event counts once per channel whose messages stand for it (posted alone, or counted in a digest’s header); events/s = represented / (first POST → last event represented).`,
      ],
    };
    return {
      tables: [table],
      data: {
        roundTrip: rtt,
        pacedRoundTrip: pacedRtt,
        events: { ...run, eventsPerSecond, messagesPerSecond },
      },
    };
  } finally {
    await stopStack(stack);
    await Promise.all([work, published.dir].map((d) => rm(d, { recursive: true, force: true })));
  }
}
