import type { Bot } from '../../src/bots/bot.js';
import type { BotStatus } from '../../src/core/bot-status.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import { RecordingDestination } from './recording-destination.js';

/**
 * A test platform: a real Bot whose "users" are the test. Commands go in through
 * `say`, everything the agent sends is recorded.
 */
export class TestBot extends RecordingDestination implements Bot {
  #onCommand: ((command: InboundCommand) => void) | undefined;
  started = false;

  async start(onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#onCommand = onCommand;
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  status(): BotStatus {
    return { state: this.started ? 'connected' : 'stopped', reconnects: 0 };
  }

  mentionPattern(): RegExp {
    return /^@switchboard\b/i;
  }

  /** A user types `text` in `channel`. */
  say(text: string, channel = 'ops', user = { id: 'U1', mention: '@ada', displayName: 'Ada' }): void {
    if (!this.#onCommand) throw new Error('the agent has not started this bot');
    this.#onCommand({ botId: this.id, channel: { id: channel, name: channel }, user, text, origin: 'typed' });
  }
}
