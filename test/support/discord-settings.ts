import { Discord } from '../../src/bots/discord/config.js';
import type { DiscordEmulator } from './discord-emulator/index.js';

/** Settings for a Discord bot that talks to `emu` serving `channels` (alias → ID), with `overrides` on top. */
export function discordTestSettings(
  emu: DiscordEmulator,
  channels: Record<string, string>,
  overrides: Record<string, unknown> = {},
): Discord {
  return Discord.parse({
    enabled: true,
    token: emu.token,
    botID: emu.botUserId,
    apiUrl: emu.apiUrl,
    channels: Object.fromEntries(Object.entries(channels).map(([alias, id]) => [alias, { id }])),
    ...overrides,
  });
}
