import type { Bot } from '../src/bots/bot.js';
import { Discord } from '../src/bots/discord/config.js';
import { createDiscordBot } from '../src/bots/discord/index.js';
import { SocketSlack } from '../src/bots/slack/config.js';
import { createSlackBot } from '../src/bots/slack/index.js';
import { DeliverySettings } from '../src/config/slices/settings.js';
import type { InboundCommand } from '../src/core/inbound-command.js';
import { digestEventCount } from '../src/delivery/digest.js';
import { createDeliveryPipeline } from '../src/delivery/pipeline.js';
import { startDiscordEmulator } from '../test/support/discord-emulator/index.js';
import { startSlackEmulator } from '../test/support/slack-emulator/index.js';
import { type BenchContext, type BenchResult, silentLogger, sleep } from './lib/context.js';
import { infoRow, type Table } from './lib/report.js';
import { ms, perSecond, type Summary, summarize } from './lib/stats.js';

/**
 * Discord benchmarks (issue 15), Discord and Slack measured the same way in the same run, each
 * platform's real bot (discord.js, bolt) against its emulator over loopback:
 * - command round trip: a user's message arrives over the platform's socket → the bot hands the
 *   command over → its answer is posted and the post has returned. No plugin and no agent: this is
 *   the platform's own cost in and out (sequential, one command in flight, rotating over channels).
 * - storm: events into one channel through the real delivery pipeline, with each emulator enforcing
 *   its platform's budget (Discord: 5 posts per 5 s per channel with bucket headers; Slack: 1 per
 *   second, burst 3, 429 beyond). How long until every event is represented (posted, or counted in
 *   a digest), how many posts, how many 429s.
 */

const channelCount = 5;

interface Platform {
  name: string;
  bot: Bot;
  channels: string[];
  /** The user writes `text` to the bot in `channel`. */
  say(channel: string, text: string): Promise<void>;
  rateLimited(): number;
  close(): Promise<void>;
}

async function discord(budget: { limit: number; windowMs: number }): Promise<Platform> {
  const emu = await startDiscordEmulator({ messageBucket: budget, heartbeatIntervalMs: 5000 });
  const channels = Array.from({ length: channelCount }, (_, i) => emu.addChannel(`bench-${i}`).id);
  const user = emu.addUser('ada').id;
  const bot = createDiscordBot({
    id: 'bench/discord',
    logger: silentLogger,
    settings: Discord.parse({
      enabled: true,
      token: emu.token,
      botID: emu.botUserId,
      apiUrl: emu.apiUrl,
      channels: Object.fromEntries(channels.map((id, i) => [`c${i}`, { id }])),
    }),
  });
  return {
    name: 'Discord',
    bot,
    channels,
    async say(channel, text) {
      emu.userMessage({ user, channel, content: `<@${emu.botUserId}> ${text}` });
    },
    rateLimited: () => emu.stats().rateLimited,
    async close() {
      await bot.stop();
      await emu.close();
    },
  };
}

async function slack(budget: { ratePerSecond: number; burst: number }): Promise<Platform> {
  const emu = await startSlackEmulator({ rateLimit: budget, serverPingIntervalMs: 0 });
  const channels = Array.from({ length: channelCount }, (_, i) => emu.addChannel(`bench-${i}`));
  const user = emu.addUser('ada').id;
  const bot = createSlackBot({
    id: 'bench/socketSlack',
    logger: silentLogger,
    settings: SocketSlack.parse({
      enabled: true,
      botToken: emu.botToken,
      appToken: emu.appToken,
      apiUrl: emu.apiUrl,
      apiRetries: 0,
      channels: Object.fromEntries(channels.map((c) => [c.name, { name: c.name }])),
    }),
  });
  return {
    name: 'Slack',
    bot,
    channels: channels.map((c) => c.name),
    async say(channel, text) {
      const id = channels.find((c) => c.name === channel)?.id ?? channel;
      await emu.userMessage({ user, channel: id, text: `<@${emu.botUserId}> ${text}` });
    },
    rateLimited: () => emu.stats().rateLimited,
    async close() {
      await bot.stop();
      await emu.close();
    },
  };
}

/** Message in → command handed over → answer posted, `count` times after `warmup`. */
async function roundTrips(p: Platform, count: number, warmup: number): Promise<number[]> {
  let waiting: ((command: InboundCommand) => void) | undefined;
  await p.bot.start((command) => waiting?.(command));
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const channel = p.channels[i % p.channels.length] ?? '';
    const token = `rtt-${i}`;
    const t0 = performance.now();
    const command = new Promise<InboundCommand>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${p.name}: no command ${i} within 10 s`)), 10_000);
      waiting = (c) => {
        if (!c.text.includes(token)) return;
        clearTimeout(timer);
        resolve(c);
      };
    });
    await p.say(channel, `echo ${token}`);
    const c = await command;
    await p.bot.deliver({
      address: { destinationId: p.bot.id, channelId: c.replyChannelId ?? c.channel.id },
      message: { baseBody: { codeBlock: token } },
    });
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  return samples;
}

interface StormRun {
  sent: number;
  represented: number;
  posts: number;
  seconds: number;
  rateLimited: number;
}

/** `count` events into one channel at `rate` per second, through the delivery pipeline. */
async function storm(p: Platform, count: number, rate: number): Promise<StormRun> {
  await p.bot.start(() => undefined);
  let represented = 0;
  let posts = 0;
  const counting: Bot = Object.assign(Object.create(p.bot) as Bot, {
    deliver: async (outbound: Parameters<Bot['deliver']>[0]) => {
      const ref = await p.bot.deliver(outbound);
      posts += 1;
      represented += digestEventCount(outbound.message) ?? 1;
      return ref;
    },
  });
  const pipeline = createDeliveryPipeline({
    destination: (id) => (id === p.bot.id ? counting : undefined),
    settings: DeliverySettings.parse({}),
    logger: silentLogger,
  });
  const channelId = p.channels[0] ?? '';
  const t0 = performance.now();
  try {
    for (let n = 0; n < count; n++) {
      const wait = t0 + (n * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      void pipeline.send({
        address: { destinationId: p.bot.id, channelId },
        kind: 'event',
        message: {
          baseBody: {},
          sections: [{ header: `event ${n}`, description: `Pod web-${n} restarted` }],
        },
      });
    }
    let last = represented;
    let lastChange = performance.now();
    while (represented < count && performance.now() - lastChange < 15_000) {
      await sleep(50);
      if (represented !== last) {
        last = represented;
        lastChange = performance.now();
      }
    }
    return {
      sent: count,
      represented,
      posts,
      seconds: (performance.now() - t0) / 1000,
      rateLimited: p.rateLimited(),
    };
  } finally {
    await pipeline.close({ drainMs: 0 });
  }
}

export async function discordBench(ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 30 : 150;
  const events = { count: ctx.quick ? 100 : 300, rate: 50 };
  const results: Record<string, { rtt: Summary; storm: StormRun }> = {};
  const makers = [
    // Round trips measure latency, not pacing: budgets far above one command in flight.
    {
      name: 'Discord',
      fast: () => discord({ limit: 50, windowMs: 1000 }),
      paced: () => discord({ limit: 5, windowMs: 5000 }),
    },
    {
      name: 'Slack',
      fast: () => slack({ ratePerSecond: 50, burst: 50 }),
      paced: () => slack({ ratePerSecond: 1, burst: 3 }),
    },
  ];
  for (const maker of makers) {
    let p = await maker.fast();
    let rtt: Summary;
    try {
      rtt = summarize(await roundTrips(p, count, 5));
    } finally {
      await p.close();
    }
    p = await maker.paced();
    try {
      results[maker.name] = { rtt, storm: await storm(p, events.count, events.rate) };
    } finally {
      await p.close();
    }
  }
  const rows = Object.entries(results).flatMap(([name, r]) => [
    infoRow(
      `${name}: command round trip, message in → answer posted (${count}, one in flight)`,
      ms(r.rtt.p50),
      ms(r.rtt.p99),
      ms(r.rtt.max),
    ),
    infoRow(
      `${name}: storm of ${events.count} events at ${events.rate}/s into one channel: represented / sent`,
      `${r.storm.represented} / ${r.storm.sent}`,
      '-',
      `${r.storm.posts} posts`,
    ),
    infoRow(
      `${name}: storm, events represented per second`,
      perSecond(r.storm.represented / r.storm.seconds),
      '-',
      '-',
    ),
    infoRow(`${name}: storm, 429 answers from the emulator`, String(r.storm.rateLimited), '-', '-'),
  ]);
  const table: Table = {
    title: 'Discord vs Slack: real bots against their emulators over loopback, same run',
    centralHeader: 'p50 / value',
    spreadHeader: 'p99',
    rows,
    notes: [
      'Round trip: from the scripted user posting (gateway MESSAGE_CREATE / Socket Mode envelope) until the bot has handed the command over and its answer’s post (POST /channels/{id}/messages / chat.postMessage) has returned; no plugin, no agent. Rotates over 5 channels under budgets far above the load.',
      'Storm: events sent to the delivery pipeline (default settings: digests when a channel falls behind) for one channel. Discord’s emulator allows 5 posts per 5 s per channel and says so in X-RateLimit-* headers; Slack’s allows 1 per second with bursts of 3 and answers 429 beyond. Represented = events posted alone plus events counted in digests.',
    ],
  };
  return { tables: [table], data: results };
}
