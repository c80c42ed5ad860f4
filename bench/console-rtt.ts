import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import WebSocket from 'ws';
import { type Agent, createAgent } from '../src/app/agent.js';
import type { Bot } from '../src/bots/bot.js';
import { type ConsoleBot, createConsoleBot } from '../src/bots/console/index.js';
import { loadConfig } from '../src/config/load.js';
import type { Console } from '../src/config/schema.js';
import type { BotStatus } from '../src/core/bot-status.js';
import type { ServerFrame } from '../src/core/console-protocol.js';
import type { InboundCommand } from '../src/core/inbound-command.js';
import type { DestinationCapabilities, Outbound, PostedRef } from '../src/delivery/destination.js';
import { buildPlugins } from '../src/plugins/publish/build-plugins.js';
import { buildIndex } from '../src/plugins/publish/index-builder.js';
import { type BenchContext, type BenchResult, silentLogger } from './lib/context.js';
import type { Table, TableRow } from './lib/report.js';
import { ms, ratio, type Summary, summarize } from './lib/stats.js';

/**
 * Console round trip (issue 7): a command sent as a WebSocket frame → console → executor
 * bridge → echo plugin → reply rendered and broadcast → the reply frame parsed by the client.
 * The baseline is the same agent path through an in-process bot (command injected, reply taken
 * at Bot.deliver), in the same agent, so the difference is what the console adds: WebSocket in
 * and out, frame checks, rendering, history and broadcast.
 */

const machinePlatform = { os: 'linux' as const, arch: process.arch === 'arm64' ? 'arm64' : 'amd64' };

/** A bot whose "user" is the benchmark: commands go in directly, replies are awaited at deliver. */
class DirectBot implements Bot {
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = {
    edit: true,
    files: true,
    threads: false,
    interactive: true,
    maxMessageLength: 20_000,
  };
  #onCommand: ((c: InboundCommand) => void) | undefined;
  #waiting = new Map<string, () => void>();
  #n = 0;

  constructor(readonly id: string) {}

  async start(onCommand: (c: InboundCommand) => void): Promise<void> {
    this.#onCommand = onCommand;
  }

  async stop(): Promise<void> {
    this.#onCommand = undefined;
  }

  status(): BotStatus {
    return { state: this.#onCommand ? 'connected' : 'stopped', reconnects: 0 };
  }

  mentionPattern(): RegExp {
    return /^@switchboard\b/i;
  }

  async deliver(outbound: Outbound): Promise<PostedRef> {
    const text = outbound.message.baseBody.codeBlock ?? outbound.message.baseBody.plaintext ?? '';
    this.#waiting.get(text)?.();
    this.#n += 1;
    return { channelId: outbound.address.channelId, messageId: String(this.#n) };
  }

  /** Runs `echo <word>` and resolves when the reply is delivered. */
  ask(word: string): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.set(word, () => {
        this.#waiting.delete(word);
        resolve();
      });
      this.#onCommand?.({
        botId: this.id,
        channel: { id: 'ops', name: 'ops' },
        user: { id: 'bench', mention: '@bench', displayName: 'bench' },
        text: `echo ${word}`,
        origin: 'typed',
      });
    });
  }
}

/** A console client that sends commands and resolves when their reply frame arrives. */
class SocketUser {
  readonly #socket: WebSocket;
  readonly #waiting = new Map<string, () => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      // A slow reply is posted early and completed by an edit; either carries the text.
      if ((frame.type !== 'message' && frame.type !== 'edit') || frame.message.kind !== 'bot') return;
      const text = frame.message.message?.baseBody.codeBlock ?? '';
      this.#waiting.get(text)?.();
    });
  }

  static async connect(url: string): Promise<SocketUser> {
    const socket = new WebSocket(new URL('ws?user=bench', url.replace(/^http/, 'ws')));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new SocketUser(socket);
  }

  ask(word: string): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.set(word, () => {
        this.#waiting.delete(word);
        resolve();
      });
      this.#socket.send(JSON.stringify({ type: 'command', channel: 'ops', text: `echo ${word}` }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}

async function publishEcho(repoRoot: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'sb-bench-console-repo-'));
  const manifestDir = join(work, 'plugins', 'echo');
  await mkdir(manifestDir, { recursive: true });
  await writeFile(
    join(manifestDir, 'plugin.json'),
    JSON.stringify([
      {
        type: 'executor',
        name: 'echo',
        entry: relative(manifestDir, join(repoRoot, 'plugins/echo/main.ts')),
      },
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
  return index;
}

async function startAgent(ctx: BenchContext, index: string, direct: DirectBot) {
  const dir = await mkdtemp(join(tmpdir(), 'sb-bench-console-'));
  const file = join(dir, 'config.yaml');
  const channel = '{ops: {name: ops, bindings: {executors: [tools], sources: []}}}';
  // The direct group's platform is the in-process bot, which listens nowhere; its port only has to
  // differ from the console's, since the config check counts port 0 as one port.
  await writeFile(
    file,
    `
communications:
  web:
    console: {enabled: true, port: 0, channels: ${channel}}
  direct:
    console: {enabled: true, port: 1, channels: ${channel}}
executors:
  tools:
    bench/echo: {enabled: true}
settings:
  clusterName: bench
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    bench: {url: "file://${index}"}
`,
  );
  const { config } = await loadConfig({ files: [file] });
  let consoleBot: ConsoleBot | undefined;
  const agent: Agent = createAgent(config, {
    logger: silentLogger,
    version: '0.0.0-bench',
    stateDir: join(dir, 'state'),
    createPlatform: (instance, context) => {
      if (instance.group === 'direct') return direct;
      consoleBot = createConsoleBot({
        id: instance.id,
        settings: instance.settings as Console,
        logger: silentLogger,
        context,
        // The harness runs as a bundle in .cache/bench, away from the page files.
        pageDir: join(ctx.repoRoot, 'src/bots/console/page'),
        pageModules: { 'console-protocol.js': join(ctx.repoRoot, 'src/core/console-protocol.js') },
        // Back-to-back commands are the point here; the per-client flood limit would refuse them.
        commandRate: { perSecond: 1e6, burst: 1e6 },
      });
      return consoleBot;
    },
    ports: { operations: 0, webhooks: 0 },
  });
  await agent.start();
  const url = consoleBot?.url();
  if (!url) throw new Error('the console did not start');
  return { agent, url };
}

/**
 * Sends `count` commands one after another, each once the previous reply is in and at least
 * `gapMs` after the previous send; returns each round trip in ms.
 */
/** Rejects when `promise` takes longer than `ms`: a lost reply fails the benchmark instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply to ${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function timeRounds(
  count: number,
  ask: (word: string) => Promise<void>,
  tag: string,
  gapMs = 0,
  cpu?: number[],
): Promise<number[]> {
  const samples: number[] = [];
  let sent = 0;
  let busyUs = 0;
  for (let i = 0; i < count; i++) {
    const wait = sent + gapMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t = performance.now();
    const before = process.cpuUsage();
    sent = t;
    await within(ask(`${tag}-${i}`), 30_000, `echo ${tag}-${i}`);
    samples.push(performance.now() - t);
    const used = process.cpuUsage(before);
    busyUs += used.user + used.system;
  }
  cpu?.push(busyUs / count);
  return samples;
}

export async function consoleRtt(ctx: BenchContext): Promise<BenchResult> {
  const calls = ctx.quick ? 150 : 200;
  const rounds = ctx.quick ? 2 : 6;
  // The console paces each channel to 20 messages/s (its PacingPolicy); commands 60 ms apart
  // stay under it, so the rows measure latency, not the pacing. A last row shows the pacing.
  const gapMs = 60;
  const watchers = 10;
  const index = await publishEcho(ctx.repoRoot);
  const direct = new DirectBot('direct/console');
  const { agent, url } = await startAgent(ctx, index, direct);
  const user = await SocketUser.connect(url);
  const others: WebSocket[] = [];
  try {
    // Warm-up: plugin process, JIT, sockets.
    await timeRounds(100, (w) => user.ask(w), 'warm-ws', gapMs);
    await timeRounds(100, (w) => direct.ask(w), 'warm-direct');
    const viaConsole: number[] = [];
    const viaBot: number[] = [];
    // CPU time of this process (agent and console client) per command, one figure per block.
    const cpuConsole: number[] = [];
    const cpuBot: number[] = [];
    for (let r = 0; r < rounds; r++) {
      viaConsole.push(...(await timeRounds(calls, (w) => user.ask(w), `ws${r}`, gapMs, cpuConsole)));
      viaBot.push(...(await timeRounds(calls, (w) => direct.ask(w), `direct${r}`, gapMs, cpuBot)));
    }
    // Every connected client gets every reply: the same with ten more tabs open.
    for (let i = 0; i < watchers; i++) {
      const socket = new WebSocket(new URL('ws?user=watcher', url.replace(/^http/, 'ws')));
      socket.on('message', () => undefined);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      others.push(socket);
    }
    const withWatchers = await timeRounds(calls, (w) => user.ask(w), 'watched', gapMs);
    // Back to back: after the burst of 20, replies leave at the paced 20/s.
    const backToBack = await timeRounds(calls, (w) => user.ask(w), 'paced');

    const med = (xs: readonly number[]) => summarize(xs).p50;
    // Each block's console p50 over the in-process p50 of the block after it: the spread of the ratio.
    const blockRatios = Array.from({ length: rounds }, (_, r) => {
      const block = (list: number[]) => list.slice(r * calls, (r + 1) * calls);
      return med(block(viaConsole)) / med(block(viaBot));
    });
    const [c, d, w, p] = [
      summarize(viaConsole),
      summarize(viaBot),
      summarize(withWatchers),
      summarize(backToBack),
    ];
    const row = (measurement: string, s: Summary, extra: Partial<TableRow> = {}): TableRow => ({
      measurement,
      central: ms(s.p50),
      spread: ms(s.p99),
      max: ms(s.max),
      baseline: '-',
      ratio: '-',
      target: '',
      result: 'info',
      ...extra,
    });
    const table: Table = {
      title: 'Console round trip: WebSocket command → echo plugin → rendered reply frame (sequential)',
      centralHeader: 'p50',
      spreadHeader: 'p99',
      rows: [
        row(`in-process bot (same agent path, no console), ${d.n} commands`, d, { baseline: '(baseline)' }),
        row(`console over WebSocket, 1 client, ${c.n} commands`, c, {
          baseline: ms(d.p50),
          ratio: ratio(c.p50 / d.p50),
        }),
        {
          measurement: `  ratio of the p50s per block (${rounds} blocks of ${calls}): median (min–max)`,
          central: ratio(med(blockRatios)),
          spread: ratio(Math.min(...blockRatios)),
          max: ratio(Math.max(...blockRatios)),
          baseline: '-',
          ratio: ratio(med(blockRatios)),
          target: '≤ 1.30×',
          result: med(blockRatios) <= 1.3 ? 'PASS' : 'MISS',
        },
        row(`console over WebSocket, ${watchers} more clients connected, ${w.n} commands`, w, {
          baseline: ms(d.p50),
          ratio: ratio(w.p50 / d.p50),
        }),
        {
          measurement: `CPU of the agent process per command (µs), in-process bot`,
          central: med(cpuBot).toFixed(0),
          spread: '-',
          max: Math.max(...cpuBot).toFixed(0),
          baseline: '(baseline)',
          ratio: '-',
          target: '',
          result: 'info',
        },
        {
          measurement: `CPU of the agent process per command (µs), console (client included)`,
          central: med(cpuConsole).toFixed(0),
          spread: '-',
          max: Math.max(...cpuConsole).toFixed(0),
          baseline: med(cpuBot).toFixed(0),
          ratio: ratio(med(cpuConsole) / med(cpuBot)),
          target: '',
          result: 'info',
        },
        row(`console, back to back (paced at 20 messages/s per channel), ${p.n} commands`, p),
      ],
      notes: [
        `Each command is \`echo <word>\`; the next is sent when the reply to the previous one has arrived and ${gapMs} ms after the previous send. ${rounds} round(s) of ${calls} per path, alternating, after 100 warm-up commands each.`,
        'The console time is measured in the client: from `ws.send` of the command frame to the parsed reply frame, so it includes both WebSocket hops, frame validation, the echo of the command to all clients, rendering, history and the broadcast.',
        `CPU rows: process.cpuUsage() of the one process that runs the agent and the WebSocket client, summed over each command's round trip (the plugin process not counted), per command; median over the ${rounds} block(s) of each path. On a shared machine this reading moves less than wall time.`,
        'The baseline is a second platform of the same agent whose commands are injected in-process and whose replies are taken at `Bot.deliver`.',
      ],
    };
    return {
      tables: [table],
      data: {
        calls,
        rounds,
        gapMs,
        watchers,
        console: c,
        direct: d,
        withWatchers: w,
        backToBack: p,
        cpuUsPerCommand: { console: cpuConsole, direct: cpuBot },
        blockRatios,
      },
    };
  } finally {
    user.close();
    for (const s of others) s.close();
    await agent.stop();
  }
}
