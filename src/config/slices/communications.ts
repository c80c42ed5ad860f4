/**
 * `communications.<group>`: a named group of chat platforms and sinks. The root schema
 * composes the per-platform slices here; each slice will move next to its bot or sink.
 */
import { z } from 'zod';
import { Console } from './console.js';
import { Discord } from './discord.js';
import { RocketChat } from './rocket-chat.js';
import { ElasticsearchSink, WebhookSink } from './sinks.js';
import { SocketSlack } from './socket-slack.js';
import { CloudSlack, CloudTeams, LegacySlack, LegacyTeams, Mattermost, PagerDuty } from './unsupported.js';

export const CommunicationGroup = z
  .strictObject({
    socketSlack: SocketSlack.optional(),
    discord: Discord.optional(),
    rocketChat: RocketChat.optional(),
    console: Console.optional(),
    webhook: WebhookSink.optional(),
    elasticsearch: ElasticsearchSink.optional(),
    mattermost: Mattermost.optional(),
    pagerDuty: PagerDuty.optional(),
    cloudSlack: CloudSlack.optional(),
    cloudTeams: CloudTeams.optional(),
    slack: LegacySlack.optional(),
    teams: LegacyTeams.optional(),
  })
  .meta({ description: 'One communication group: any of the platforms and sinks below.' });
export type CommunicationGroup = z.infer<typeof CommunicationGroup>;

/** Platforms Switchboard runs as two-way bots. */
export const botPlatforms = ['socketSlack', 'discord', 'rocketChat', 'console'] as const;
export type BotPlatform = (typeof botPlatforms)[number];

/** Platforms Switchboard runs as one-way sinks. */
export const sinkPlatforms = ['webhook', 'elasticsearch'] as const;
export type SinkPlatform = (typeof sinkPlatforms)[number];

/**
 * The platforms this build of Switchboard runs: the one list to extend when a bot or sink is
 * implemented (Discord and Rocket.Chat are next). Any other enabled platform is named at
 * `config validate` and at start (see `unimplementedPlatforms`).
 */
export const implementedPlatforms: readonly string[] = ['socketSlack', 'console', 'webhook', 'elasticsearch'];
