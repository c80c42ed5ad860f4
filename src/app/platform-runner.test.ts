import { describe, expect, it } from 'vitest';
import { createTestLogger } from '../../test/support/test-logger.js';
import type { Bot } from '../bots/bot.js';
import type { BotStatus } from '../core/bot-status.js';
import type { InboundCommand } from '../core/inbound-command.js';
import { PlatformRunner } from './platform-runner.js';
import { RetryBook } from './retry-book.js';
import type { PlatformInstance } from './topology.js';

/**
 * A chat connection whose connect the test finishes (or fails) by hand, as a slow Socket Mode
 * handshake would, and which learns its own user only once connected.
 */
class GatedBot implements Bot {
  readonly id = 'default/chat';
  readonly kind = 'chat' as const;
  readonly capabilities = {
    edit: false,
    files: false,
    threads: false,
    interactive: false,
    maxMessageLength: 4000,
  };
  state: BotStatus['state'] = 'stopped';
  onCommand: ((command: InboundCommand) => void) | undefined;
  #connect: { resolve(): void; reject(err: Error): void } | undefined;
  #self: string | undefined;

  constructor(readonly selfId: string) {}

  start(onCommand: (command: InboundCommand) => void): Promise<void> {
    this.state = 'connecting';
    this.onCommand = onCommand;
    return new Promise<void>((resolve, reject) => {
      this.#connect = { resolve, reject };
    });
  }
  connected(): void {
    this.state = 'connected';
    this.#self = this.selfId;
    this.#connect?.resolve();
  }
  refused(): void {
    this.state = 'failed';
    this.#connect?.reject(new Error('invalid_auth'));
  }
  async stop(): Promise<void> {
    this.state = 'stopped';
  }
  status(): BotStatus {
    return { state: this.state, reconnects: 0 };
  }
  mentionPattern(): RegExp {
    // Unknown until connected: the case that broke the HA take-over.
    return new RegExp(`^<@${this.#self ?? 'nobody-yet'}>`);
  }
  async deliver() {
    return { channelId: 'c', messageId: '1' };
  }
  typed(text: string): void {
    this.onCommand?.({
      botId: this.id,
      channel: { id: 'c', name: 'ops' },
      user: { id: 'u', mention: '<@u>', displayName: 'ada' },
      text,
      origin: 'typed',
    });
  }
}

/** The runner has asked the bot to connect (start awaits create() first). */
async function connecting(bot: GatedBot): Promise<void> {
  while (bot.state !== 'connecting') await new Promise((r) => setImmediate(r));
}

const instance: PlatformInstance = {
  id: 'default/chat',
  group: 'default',
  platform: 'chat',
  kind: 'bot',
  settings: {},
};

function runnerOver(bots: GatedBot[], active: () => boolean = () => true) {
  const commands: InboundCommand[] = [];
  const retries = new RetryBook({
    policy: () => ({ initialDelayMs: 60_000, maxDelayMs: 60_000, multiplier: 2, jitter: 0 }),
    onRetry: () => {},
  });
  const runner = new PlatformRunner({
    active,
    create: () => bots.shift(),
    onCommand: (command) => commands.push(command),
    retries,
    log: createTestLogger('error').logger,
  });
  return { runner, commands, retries };
}

describe('PlatformRunner: a start overtaken by a stop (an HA term that ended while connecting)', () => {
  it('closes the connection that finishes after it was stopped and replaced, and keeps the new one', async () => {
    const first = new GatedBot('U0BOT');
    const second = new GatedBot('U0BOT');
    const { runner, commands } = runnerOver([first, second]);
    const firstStart = runner.start(instance);
    await connecting(first);
    await runner.stop(instance.id);
    const secondStart = runner.start(instance);
    await connecting(second);
    // The old term's connect completes now, after the new term made its own.
    first.connected();
    await firstStart;
    expect(first.state).toBe('stopped');
    expect(runner.slots.get(instance.id)?.destination).toBe(second);
    second.connected();
    await secondStart;
    expect(second.state).toBe('connected');
    expect(runner.slots.get(instance.id)?.destination).toBe(second);

    // A command carries the mention of the connection it came through.
    second.typed('<@U0BOT> echo hi');
    expect(commands.map((c) => c.mentionPattern?.source)).toEqual(['^<@U0BOT>']);
  });

  it('a command taken by a connection whose replacement has not connected yet still has its own mention', async () => {
    const first = new GatedBot('U0BOT');
    const second = new GatedBot('U0BOT');
    const { runner, commands } = runnerOver([first, second]);
    const firstStart = runner.start(instance);
    await connecting(first);
    first.connected();
    await firstStart;
    await runner.stop(instance.id);
    void runner.start(instance);
    await connecting(second);
    // Slack redelivered an envelope to the old socket just before it closed.
    first.typed('<@U0BOT> echo during the gap');
    expect(commands[0]?.mentionPattern?.test('<@U0BOT> echo during the gap')).toBe(true);
    // The slot's own bot (the new, still connecting one) would not have recognised it.
    expect(second.mentionPattern().test('<@U0BOT> echo')).toBe(false);
  });

  it('stops a connection that completes after the replica stepped down, and forgets it', async () => {
    let active = true;
    const bot = new GatedBot('U0BOT');
    const { runner, retries } = runnerOver([bot], () => active);
    const started = runner.start(instance);
    await connecting(bot);
    active = false;
    bot.connected();
    await started;
    expect(bot.state).toBe('stopped');
    expect(runner.slots.has(instance.id)).toBe(false);
    expect(retries.get(`platform:${instance.id}`)).toBeUndefined();
  });

  it('a failed start that was already abandoned leaves the current platform alone', async () => {
    const first = new GatedBot('U0BOT');
    const second = new GatedBot('U0BOT');
    const { runner, retries } = runnerOver([first, second]);
    const firstStart = runner.start(instance);
    await connecting(first);
    await runner.stop(instance.id);
    const secondStart = runner.start(instance);
    await connecting(second);
    second.connected();
    await secondStart;
    first.refused();
    await firstStart;
    expect(runner.slots.get(instance.id)?.destination).toBe(second);
    expect(retries.get(`platform:${instance.id}`)).toBeUndefined();
  });

  it('a failed start of the current platform leaves a stand-in and a retry', async () => {
    const bot = new GatedBot('U0BOT');
    const { runner, retries } = runnerOver([bot]);
    const started = runner.start(instance);
    await connecting(bot);
    bot.refused();
    await started;
    expect(runner.slots.get(instance.id)?.role).toBe('stand-in');
    expect(retries.get(`platform:${instance.id}`)?.reason).toBe('invalid_auth');
  });
});
