import { SocketSlack } from '../../src/bots/slack/config.js';
import type { SlackEmulator } from './slack-emulator/index.js';

/**
 * Settings for a Slack bot that talks to `emu`: channels `ops` (prod-ops) and `dev`, no API
 * retries (tests see each failure), and `overrides` on top.
 */
export function slackTestSettings(emu: SlackEmulator, overrides: Record<string, unknown> = {}): SocketSlack {
  return SocketSlack.parse({
    enabled: true,
    botToken: emu.botToken,
    appToken: emu.appToken,
    apiUrl: emu.apiUrl,
    apiRetries: 0,
    // socket-mode drops a link whose last pong is older than this (checked every third of it), so
    // with 1s a ~0.7 s event-loop stall on a loaded machine caused an unasked-for reconnect, broke
    // reconnect and connection counts, and lost clicks sent to the dropped link (interactive
    // envelopes are not redelivered). Reconnects wait this long too.
    pingTimeout: '5s',
    channels: { ops: { name: 'prod-ops' }, dev: { name: 'dev' } },
    ...overrides,
  });
}
