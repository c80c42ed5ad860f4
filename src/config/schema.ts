/**
 * THE configuration schema: the one source of truth for the config's shape, its defaults
 * (here and nowhere else), the inferred `Config` type, config.schema.json and docs/config.md.
 * It accepts Botkube's model unchanged (communications, sources, executors, actions, aliases,
 * settings, plugins, analytics, configWatcher) and adds Switchboard's platforms and settings.
 *
 * Per-platform and per-sink slices live in ./slices/: bots and sinks import their slice's
 * type from here, so the config never depends on platform code (and `config validate` never
 * loads a chat client library).
 */
import { z } from 'zod';
import { keyedBy } from '../platforms/slice-kit.js';
import { Actions, Aliases } from './slices/automation.js';
import { CommunicationGroup } from './slices/communications.js';
import { ExecutorGroups, SourceGroups } from './slices/plugin-groups.js';
import { Plugins } from './slices/plugins.js';
import { Analytics, ConfigWatcherSettings, Settings } from './slices/settings.js';

export const Config = z
  .strictObject({
    communications: z
      .record(z.string(), CommunicationGroup)
      .prefault({})
      .meta({
        ...keyedBy('<group>'),
        description:
          'Communication groups: named sets of chat platforms and sinks, with their channels and bindings.',
      }),
    sources: SourceGroups,
    executors: ExecutorGroups,
    actions: Actions,
    aliases: Aliases,
    settings: Settings.meta({
      description: 'Agent settings: cluster name, logging, HTTP ports, command limits.',
    }),
    plugins: Plugins.meta({
      description:
        'Plugin repositories, process runtime (timeouts, AutoMTLS, environment), restarts and incoming webhooks.',
    }),
    analytics: Analytics.meta({ description: 'Botkube analytics switch; Switchboard sends no analytics.' }),
    configWatcher: ConfigWatcherSettings.meta({
      description: 'Reloading the configuration when its files change.',
    }),
  })
  .meta({
    title: 'Switchboard configuration',
    description: 'Configuration of the Switchboard agent; a Botkube configuration is valid as is.',
  });

/** The validated configuration, with defaults applied. `loadConfig` returns it deep-frozen. */
export type Config = z.infer<typeof Config>;

export type { Console } from '../bots/console/config.js';
export type { Discord } from '../bots/discord/config.js';
export type { RocketChat } from '../bots/rocketchat/config.js';
export type { MessageTrigger, SlackChannel, SocketSlack } from '../bots/slack/config.js';
export type { BotBindings, ChannelById, ChannelByName, SinkBindings } from '../platforms/slice-kit.js';
export type { ElasticsearchIndex, ElasticsearchSink } from '../sinks/elasticsearch/config.js';
export type { WebhookSink } from '../sinks/webhook/config.js';
export type { Action, Alias } from './slices/automation.js';
export type { BotPlatform, CommunicationGroup, SinkPlatform } from './slices/communications.js';
export type { PluginEntry, PluginGroup, PluginRbac } from './slices/plugin-groups.js';
export type {
  PluginRuntime,
  PluginRuntimeOverride,
  Plugins,
  Repository,
  WebhookAuth,
} from './slices/plugins.js';
export type { Settings } from './slices/settings.js';
