import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Agent, createAgent } from '../src/app/agent.js';
import type { RocketChat } from '../src/bots/rocketchat/config.js';
import { createRocketChatBot } from '../src/bots/rocketchat/index.js';
import { loadConfig } from '../src/config/load.js';
import { digestHeaderPattern } from '../src/delivery/digest.js';
import { buildPlugins } from '../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../src/plugins/publish/index-builder.js';
import {
  type EmulatedUser,
  type RocketChatEmulator,
  startRocketChatEmulator,
} from '../test/support/rocketchat-emulator/index.js';
import type { RateLimit } from '../test/support/rocketchat-emulator/rate-limiter.js';
import { type BenchContext, type BenchResult, silentLogger, sleep } from './lib/context.js';
import { infoRow, type Table } from './lib/report.js';
import { ms, perSecond, type Summary, summarize } from './lib/stats.js';
import { slackBench } from './slack.js';

/**
 * Rocket.Chat benchmarks (issue 16), the agent with the real Rocket.Chat platform against the
 * Rocket.Chat emulator over loopback, and the Slack benchmark run right after it on the same
 * machine for comparison:
 * - command round trip: a user's mention is streamed over DDP → agent → echo plugin → the
 *   answer's chat.sendMessage has returned (sequential, one command in flight);
 * - event storm: webhook events fanned out to 10 channels, once with the bot exempt from the REST
 *   limiter (a default server: the bot role has api-bypass-rate-limit) and once with the limiter
 *   counting it, paced by the X-RateLimit-* headers.
 */

const machinePlatform = { os: 'linux' as const, arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };
const channelCount = 10;

async function publishRepository(repoRoot: string): Promise<{ dir: string; index: string }> {
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-rc-repo-'));
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

interface Running {
  emu: RocketChatEmulator;
  agent: Agent;
  bot: EmulatedUser;
  user: EmulatedUser;
  webhooksUrl: string;
  rooms: string[];
}

async function startStack(work: string, index: string, rateLimit?: RateLimit): Promise<Running> {
  const emu = await startRocketChatEmulator({ ...(rateLimit ? { rateLimit } : {}), pingIntervalMs: 0 });
  const bot = emu.addUser('switchboard', { roles: ['bot'] });
  const user = emu.addUser('ada');
  const names = Array.from({ length: channelCount }, (_, i) => `bench-${i}`);
  const rooms = names.map((name) => emu.addRoom(name, { members: [bot.id, user.id] }).id);
  const file = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(
    file,
    `
communications:
  default:
    rocketChat:
      enabled: true
      url: ${emu.url}
      userId: ${bot.id}
      authToken: ${bot.token}
      channels:
${names.map((n) => `        ${n}: {name: ${n}, bindings: {executors: [tools], sources: [hooks]}}`).join('\n')}
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
  const agent = createAgent(config, {
    logger: silentLogger,
    version: '0.0.0-bench',
    stateDir: join(work, 'state'),
    createPlatform: (instance) =>
      instance.platform === 'rocketChat'
        ? createRocketChatBot({
            id: instance.id,
            settings: instance.settings as RocketChat,
            logger: silentLogger,
          })
        : undefined,
    ports: { operations: 0, webhooks: 0 },
  });
  const urls = await agent.start();
  if (!urls.webhooksUrl) throw new Error('the agent started without its webhook listener');
  return { emu, agent, bot, user, webhooksUrl: urls.webhooksUrl, rooms };
}

async function stopStack(s: Running | undefined): Promise<void> {
  if (!s) return;
  await s.agent.stop();
  await s.emu.close();
}

/** Mention in → answer stored by the emulator, one in flight, rotating over the channels. */
async function roundTrips(s: Running, count: number, warmup: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const rid = s.rooms[i % s.rooms.length] as string;
    const token = `rtt-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const t0 = performance.now();
    s.emu.post(s.user.id, rid, `@switchboard echo ${token}`);
    const deadline = t0 + 10_000;
    for (;;) {
      if (s.emu.messages(rid).some((m) => m.u._id === s.bot.id && m.msg.includes(token))) break;
      if (performance.now() > deadline) throw new Error(`no answer to command ${i} within 10 s`);
      await sleep(1);
    }
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  return samples;
}

interface EventRun {
  sent: number;
  represented: number;
  seconds: number;
  drainSeconds: number;
  messages: number;
  rateLimited: number;
}

/** Posts webhook events at `rate` for `seconds`, then waits until every one is represented in every channel. */
async function eventStorm(s: Running, rate: number, seconds: number): Promise<EventRun> {
  const ids = Array.from({ length: Math.round(rate * seconds) }, (_, n) => n);
  const t0 = performance.now();
  for (const n of ids) {
    const wait = t0 + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const response = await fetch(`${s.webhooksUrl}/sources/v1/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n, text: `storm ${n}` }),
    });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  }
  const lastPost = performance.now();
  const posted = (rid: string) => s.emu.messages(rid).filter((m) => m.u._id === s.bot.id && !m.file);
  const representedIn = (rid: string) => {
    let count = 0;
    for (const m of posted(rid)) {
      const title = m.attachments?.[0]?.title ?? m.msg.split('\n')[0]?.replaceAll('*', '') ?? '';
      const digest = digestHeaderPattern.exec(title);
      if (digest) count += Number((digest[1] as string).replaceAll(',', ''));
      else if (title.startsWith('event ')) count += 1;
    }
    return count;
  };
  const total = ids.length * channelCount;
  let represented = 0;
  let lastChange = performance.now();
  let doneAt = performance.now();
  for (;;) {
    const now = s.rooms.reduce((sum, rid) => sum + representedIn(rid), 0);
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
    messages: s.rooms.reduce((sum, rid) => sum + posted(rid).length, 0),
    rateLimited: s.emu.stats().rateLimited,
  };
}

const row = infoRow;

export async function rocketChatBench(ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 30 : 200;
  const storm = { rate: 50, seconds: ctx.quick ? 4 : 12 };
  // A limiter that counts the bot: 20 posts per second per route, for all channels together.
  const counted: RateLimit = { calls: 20, windowMs: 1000, exemptBots: false };
  const published = await publishRepository(ctx.repoRoot);
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-rc-'));
  let stack: Running | undefined;
  let rtt: Summary;
  let exempt: EventRun;
  let limited: EventRun;
  try {
    stack = await startStack(work, published.index);
    rtt = summarize(await roundTrips(stack, count, 5));
    await stopStack(stack);
    stack = await startStack(work, published.index);
    exempt = await eventStorm(stack, storm.rate, storm.seconds);
    await stopStack(stack);
    stack = await startStack(work, published.index, counted);
    limited = await eventStorm(stack, storm.rate, storm.seconds);
  } finally {
    await stopStack(stack);
    await Promise.all([work, published.dir].map((d) => rm(d, { recursive: true, force: true })));
  }
  // The baseline, in the same run: the Slack platform through the same agent paths.
  const slack = await slackBench(ctx);
  const slackData = slack.data as {
    roundTrip: Summary;
    events: EventRun & { eventsPerSecond: number };
  };
  const eventsRow = (name: string, run: EventRun) =>
    row(
      `${name}: events represented / sent, events/s, messages, 429s`,
      `${run.represented} / ${run.sent}`,
      perSecond(run.represented / run.seconds),
      `${run.messages} msgs, ${run.rateLimited} × 429, drain ${ms(run.drainSeconds * 1000)}`,
    );
  const table: Table = {
    title: `Rocket.Chat vs Slack: agent + platform + emulator over loopback (${channelCount} channels)`,
    centralHeader: 'p50 / value',
    spreadHeader: 'p99 / rate',
    rows: [
      row(`Rocket.Chat command round trip (${count}, one in flight)`, ms(rtt.p50), ms(rtt.p99), ms(rtt.max)),
      row(
        `Slack command round trip (${count}, ≤ 1 per channel per second)`,
        ms(slackData.roundTrip.p50),
        ms(slackData.roundTrip.p99),
        ms(slackData.roundTrip.max),
      ),
      eventsRow('Rocket.Chat storm, bot exempt from the REST limiter (server default)', exempt),
      eventsRow(`Rocket.Chat storm, limiter counting the bot (${counted.calls} calls/s per route)`, limited),
      eventsRow("Slack storm (Slack's 1 message/s, burst 3 per channel)", slackData.events),
    ],
    notes: [
      'Round trip: from the emulated user posting (the emulator streams the message over DDP) until the answer is stored by the emulator after the bot’s chat.sendMessage; the Slack row is the Slack benchmark’s round trip (Socket Mode envelope in, chat.postMessage returned).',
      `Storm: ${storm.rate} webhook events/s for ${storm.seconds} s, each bound to all ${channelCount} channels. Rocket.Chat’s limiter is per route and IP, not per channel, so with it counting the bot all channels share one budget; the bot holds calls the headers say would be refused, so the 429 count shows whether pacing from the headers worked.`,
    ],
  };
  return {
    tables: [table, ...slack.tables],
    data: { roundTrip: rtt, exempt, limited, slack: slack.data },
  };
}
