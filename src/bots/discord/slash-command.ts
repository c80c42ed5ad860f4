/**
 * `/switchboard <command>`: the slash command registered in every server the bot is in (guild
 * commands appear at once; global ones take up to an hour). It carries the whole command line in
 * one string option, so every executor and built-in works through it unchanged.
 */
import { ApplicationCommandOptionType, type REST, Routes } from 'discord.js';

export const slashCommandName = 'switchboard';
export const slashCommandOption = 'command';

/** The body of `PUT /applications/{app}/guilds/{guild}/commands`. */
export const slashCommandDefinition = [
  {
    name: slashCommandName,
    type: 1,
    description: 'Run a Switchboard command, e.g. kubectl get pods',
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: slashCommandOption,
        description: 'The command line, as you would type it after the bot mention',
        required: true,
        max_length: 4000,
      },
    ],
  },
];

/** Replaces the bot's commands in `guildId` with {@link slashCommandDefinition}. */
export async function registerSlashCommand(
  rest: REST,
  applicationId: string,
  guildId: string,
): Promise<void> {
  await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body: slashCommandDefinition });
}
