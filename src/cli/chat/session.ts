import { clearLine, createInterface, cursorTo } from 'node:readline';
import {
  type ChannelInfo,
  type ConsoleMessage,
  commandFrame,
  type HelloFrame,
  type ServerFrame,
  socketUrl,
} from '../../core/console-protocol.js';
import { ChatConnection, type ConnectionEvent } from './connection.js';
import { MessageLog } from './message-log.js';
import { formatEntry, formatError, formatStatus, type TranscriptStyle } from './transcript.js';

export interface ChatOptions {
  /** The console's URL (http(s) or ws(s)); a `?token=` in it is used as the token. */
  url: string;
  token?: string;
  /** Channel to type into; default the first. */
  channel?: string;
  user: string;
  /** Messages of history to print per channel on the first connect. */
  history: number;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Connection notices and local errors. */
  errors: NodeJS.WritableStream;
  /** A person at a terminal: prompt, colours, no echo of own commands. */
  interactive: boolean;
  color: boolean;
  /** After input ends, exit once every command was answered and nothing arrived for this long. */
  quietMs?: number;
  /** Output still streaming is reprinted at most this often (default 10 s). */
  streamingReprintMs?: number;
}

const help = `Type a command (help, ping, echo hi…) and press Enter to run it in the current channel.
  /channel NAME   type into another channel (also /join)
  /channels       list the channels
  /status         the agent's plugins, platforms and sources
  /quit           leave (also Ctrl-D)
  //text          send a command that starts with "/"`;

/**
 * `switchboard chat`: a terminal client of the web console. Prints every channel's traffic as
 * plain text, runs typed lines as commands in the current channel, reconnects after drops.
 * Resolves with the exit code: 0 after /quit or the end of input, 1 when the console refuses
 * the token, 2 for a bad URL or channel.
 */
export function runChat(options: ChatOptions): Promise<number> {
  return new Promise((resolve) => {
    let base: URL;
    let wsUrl: URL;
    try {
      base = new URL(options.url);
      wsUrl = new URL(socketUrl(options.url));
    } catch (err) {
      options.errors.write(`switchboard chat: bad --url ${options.url}: ${(err as Error).message}\n`);
      resolve(2);
      return;
    }
    const token = options.token ?? base.searchParams.get('token') ?? undefined;
    wsUrl.searchParams.set('user', options.user);
    base.search = '';
    base.hash = '';
    base.protocol = base.protocol === 'wss:' ? 'https:' : base.protocol === 'ws:' ? 'http:' : base.protocol;
    base.pathname = base.pathname.replace(/\/ws$/, '/');
    const style: TranscriptStyle = { color: options.color, baseUrl: base.href };

    let hello: HelloFrame | undefined;
    let channels: ChannelInfo[] = [];
    let current = options.channel;
    let status: unknown;
    let ended = false;
    let finished = false;
    let lastFrameAt = Date.now();
    const queued: string[] = [];
    /** Commands sent, by ref, until the console echoes or refuses them. */
    const refs = new Map<string, { channel: string; text: string }>();
    let refCount = 0;
    /**
     * Ids of this session's commands as posted, until an agent message names one as the command
     * it answers (`replyTo`). Events that arrive meanwhile answer nothing.
     */
    const unanswered = new Set<string>();
    const waitingForAnswers = () => refs.size > 0 || unanswered.size > 0;
    /** Commands sent on a connection that dropped, until the next history says what became of them. */
    let carried: Map<string, { channel: string; text: string }> | undefined;

    const rl = createInterface({
      input: options.input,
      output: options.interactive ? options.output : undefined,
      terminal: options.interactive,
      historySize: 200,
    });
    const prompt = () => {
      if (!options.interactive || finished) return;
      rl.setPrompt(current ? `#${current}> ` : '> ');
      rl.prompt(true);
    };
    const print = (text: string) => {
      if (options.interactive) {
        clearLine(options.output, 0);
        cursorTo(options.output, 0);
      }
      options.output.write(`${text}\n`);
      prompt();
    };
    const notice = (text: string) => {
      if (options.interactive) {
        clearLine(options.output, 0);
        cursorTo(options.output, 0);
      }
      options.errors.write(`${text}\n`);
      prompt();
    };
    const log = new MessageLog({
      print: (entry, updated) => print(formatEntry(entry, style, updated)),
      streamingReprintMs: options.streamingReprintMs ?? 10_000,
    });

    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      log.flushAll();
      clearInterval(idleCheck);
      if (pumpTimer) clearTimeout(pumpTimer);
      connection.close();
      rl.close();
      resolve(code);
    };

    const answered = (entry: ConsoleMessage) => {
      if (entry.kind === 'bot' && entry.replyTo !== undefined && unanswered.delete(entry.replyTo)) pump();
    };

    const onFrame = (frame: ServerFrame) => {
      lastFrameAt = Date.now();
      switch (frame.type) {
        case 'hello': {
          const restarted = hello !== undefined && hello.session !== frame.session;
          const first = hello === undefined;
          hello = frame;
          channels = frame.channels;
          history = [];
          if (restarted) {
            notice('the agent restarted; messages since:');
            log.reset();
            // Answers to commands the old agent had will not come, and ids restart.
            refs.clear();
            unanswered.clear();
          }
          if (current === undefined || !channels.some((c) => c.id === current)) {
            if (first && current !== undefined) {
              notice(
                `switchboard chat: there is no channel "${current}" on this console; its channels are ${channels.map((c) => c.id).join(', ')}`,
              );
              finish(2);
              return;
            }
            current = channels[0]?.id;
          }
          if (first) {
            notice(
              `connected to ${base.href} as ${frame.user}; typing into #${current ?? '-'} (channels: ${channels.map((c) => c.id).join(', ')}). /help for help.`,
            );
            for (const line of queued.splice(0)) handleLine(line);
          } else {
            notice('reconnected');
            // Sent on the connection that dropped: the history that follows tells what became of them.
            if (!restarted) carried = new Map(refs);
          }
          if (channels.length === 0) printHistory();
          break;
        }
        case 'history':
          if (!history) break;
          history.push(frame.messages);
          if (history.length >= channels.length) printHistory();
          break;
        case 'message': {
          const entry = frame.message;
          if (frame.ref !== undefined && refs.delete(frame.ref)) unanswered.add(entry.id);
          answered(entry);
          log.post(entry);
          break;
        }
        case 'edit':
          log.edit(frame.message);
          break;
        case 'status':
          status = frame.status;
          break;
        case 'error': {
          if (frame.ref !== undefined && refs.delete(frame.ref)) pump();
          print(formatError(frame.error, style));
          break;
        }
      }
    };
    /** Sessions whose history was printed once; later connects print only what is new. */
    const seenSessions = new Set<string>();
    /** History frames since the last hello, printed together in time order. */
    let history: ConsoleMessage[][] | undefined;
    const printHistory = () => {
      if (!hello || !history) return;
      const fresh = !seenSessions.has(hello.session);
      const kept = history.flatMap((entries) => {
        if (!fresh) return entries;
        const cut = Math.max(0, entries.length - options.history);
        for (const old of entries.slice(0, cut)) log.mark(old);
        return entries.slice(cut);
      });
      kept.sort((a, b) => a.postedAt.localeCompare(b.postedAt));
      if (carried) reconcileSent(carried, history.flat());
      carried = undefined;
      for (const entry of kept) log.recall(entry);
      // Answers posted while the connection was down arrive in the history only.
      for (const entries of history) for (const entry of entries) answered(entry);
      seenSessions.add(hello.session);
      history = undefined;
    };

    /**
     * After a reconnect, finds what became of commands whose echo the dropped connection did not
     * bring: one that reached the agent is in the history as a command of ours this session has
     * not seen (then its answer is waited for); one that is not never ran, and is sent again.
     */
    const reconcileSent = (
      sentBefore: Map<string, { channel: string; text: string }>,
      entries: ConsoleMessage[],
    ) => {
      if (!hello) return;
      const me = hello.user;
      const mention = hello.mention.toLowerCase();
      const unseen = entries.filter((e) => e.kind === 'user' && e.user === me && !log.has(e.id));
      const resend: { channel: string; text: string }[] = [];
      for (const [ref, sent] of sentBefore) {
        if (!refs.delete(ref)) continue;
        const typed = sent.text.toLowerCase().startsWith(mention)
          ? sent.text.slice(mention.length).replace(/^[:,]?\s*/, '')
          : sent.text;
        const echo = unseen.find((e) => e.channel === sent.channel && e.text === typed);
        if (echo) {
          unseen.splice(unseen.indexOf(echo), 1);
          unanswered.add(echo.id);
        } else {
          resend.push(sent);
          notice(`"${sent.text}" did not reach the agent before the connection dropped; sending it again`);
        }
      }
      outgoing.unshift(...resend);
      pump();
    };

    /** True between a drop and the next successful connection, to word repeated failures. */
    let down = false;
    const onEvent = (event: ConnectionEvent) => {
      if (event.kind === 'open') {
        down = false;
        return;
      }
      if (event.kind === 'refused') {
        const hint =
          event.status === 401
            ? ' Pass the token with --token (or SWITCHBOARD_CONSOLE_TOKEN), or use the URL printed at start.'
            : '';
        notice(
          `switchboard chat: the console at ${base.href} refused the connection (${event.status}): ${event.message}${hint}`,
        );
        finish(1);
        return;
      }
      if (ended) {
        // Nobody is left to type, and replies cannot arrive: say so and stop.
        notice(`switchboard chat: connection to ${base.href} ${hello ? 'lost' : 'failed'} (${event.reason})`);
        finish(1);
        return;
      }
      const what = down
        ? `still cannot reach ${base.href}`
        : `connection to ${base.href} ${hello ? 'lost' : 'failed'}`;
      down = true;
      notice(`${what} (${event.reason}); retrying in ${(event.retryInMs / 1000).toFixed(1)} s…`);
    };

    const connection = new ChatConnection({ url: wsUrl.href, ...(token ? { token } : {}), onFrame, onEvent });

    const handleLine = (raw: string) => {
      const line = raw.trim();
      if (line === '') return prompt();
      if (line.startsWith('/') && !line.startsWith('//')) return localCommand(line);
      const text = line.startsWith('//') ? line.slice(1) : line;
      if (!hello || current === undefined) {
        queued.push(raw);
        return;
      }
      outgoing.push({ channel: current, text });
      pump();
      prompt();
    };

    /**
     * Commands waiting to be sent, paced a little under the rate the console accepts (from
     * `hello`). Piped input goes one command at a time, the next once the previous is answered,
     * like a script: the agent refuses more than a few commands running at once in a channel.
     */
    const outgoing: { channel: string; text: string }[] = [];
    let tokens = Number.NaN;
    let refilledAt = Date.now();
    let pumpTimer: NodeJS.Timeout | undefined;
    const pump = () => {
      const rate = (hello?.limits.commandsPerSecond ?? 10) * 0.9;
      const burst = Math.max(1, (hello?.limits.commandBurst ?? 20) - 1);
      if (Number.isNaN(tokens)) tokens = burst;
      while (outgoing.length > 0) {
        if (!options.interactive && waitingForAnswers()) return;
        const now = Date.now();
        tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
        refilledAt = now;
        if (tokens < 1) {
          if (!pumpTimer) {
            pumpTimer = setTimeout(
              () => {
                pumpTimer = undefined;
                pump();
              },
              Math.ceil(((1 - tokens) / rate) * 1000),
            );
          }
          return;
        }
        tokens -= 1;
        const next = outgoing.shift() as { channel: string; text: string };
        refCount += 1;
        const ref = `t${refCount}`;
        if (!connection.send(commandFrame(next.channel, next.text, { ref }))) {
          print(
            formatError(
              `not connected to the agent; "${next.text}" was not sent (it reconnects on its own)`,
              style,
            ),
          );
          continue;
        }
        refs.set(ref, next);
      }
    };

    const localCommand = (line: string) => {
      const [word = '', ...rest] = line.slice(1).split(/\s+/);
      const arg = rest.join(' ').replace(/^#/, '');
      switch (word) {
        case 'quit':
        case 'exit':
          finish(0);
          return;
        case 'help':
          print(help);
          return;
        case 'channels':
          print(
            channels.map((c) => `${c.id === current ? '*' : ' '} #${c.id}`).join('\n') || 'no channels yet',
          );
          return;
        case 'channel':
        case 'join':
          if (!channels.some((c) => c.id === arg)) {
            print(
              formatError(`no channel "${arg}"; channels: ${channels.map((c) => c.id).join(', ')}`, style),
            );
            return;
          }
          current = arg;
          print(`typing into #${current}`);
          return;
        case 'status':
          print(formatStatus(status));
          return;
        default:
          print(formatError(`unknown /${word}; /help lists what the terminal understands`, style));
      }
    };

    rl.on('line', handleLine);
    rl.on('SIGINT', () => finish(0));
    rl.on('close', () => {
      ended = true;
      if (!hello && queued.length === 0) finish(0);
    });
    // After the input ends, leave once every command was answered and the console went quiet.
    const idleCheck = setInterval(() => {
      if (!ended || finished || !hello || queued.length > 0 || outgoing.length > 0) return;
      const waiting = waitingForAnswers() || log.unfinished > 0;
      if (!waiting && Date.now() - lastFrameAt >= (options.quietMs ?? 1000)) finish(0);
    }, 100);

    connection.start();
    prompt();
  });
}
