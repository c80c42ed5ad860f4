/**
 * Building blocks shared by the config slices: config/slices/ and each platform's own config.ts
 * (bots and sinks import nothing of config/, so the blocks live here). They accept what Botkube
 * accepted: Botkube decodes YAML with mapstructure's weak typing, so `"2112"` is a valid port,
 * `"false"` a valid boolean and `123` a valid string, and environment overrides always arrive as
 * text. Every block carries its description, which ends up in docs/config.md and config.schema.json.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { Duration, formatDuration, parseDuration } from '../core/duration.js';
import { Secret } from '../core/secret.js';

/** A string; numbers are accepted and turned into their decimal text (Botkube did the same). */
export const text = z
  .union([z.string(), z.number()], { error: 'expected a string' })
  .transform((value) => String(value));

/** A non-empty string. */
export const nonEmptyText = text.pipe(z.string().min(1, { error: 'must not be empty' }));

const truthy = new Set(['true', 't', '1']);
const boolWords = ['true', 'false', 't', 'f', '1', '0', 'TRUE', 'FALSE', 'True', 'False', 'T', 'F'] as const;

/** A boolean; also Go's `strconv.ParseBool` words ("true", "False", "1", …) as Botkube accepted them. */
export const flag = z
  .union([z.boolean(), z.enum(boolWords)], { error: 'expected true or false' })
  .transform((value) => (typeof value === 'boolean' ? value : truthy.has(value.toLowerCase())));

/** A whole number, also written as a string of digits. */
export function integer(bounds: { min?: number; max?: number } = {}) {
  let target = z.number().int({ error: 'expected a whole number' });
  if (bounds.min !== undefined) target = target.min(bounds.min, { error: `must be at least ${bounds.min}` });
  if (bounds.max !== undefined) target = target.max(bounds.max, { error: `must be at most ${bounds.max}` });
  return z
    .union([z.number().int(), z.string().regex(/^\s*-?\d+\s*$/, { error: 'expected a whole number' })], {
      error: 'expected a whole number',
    })
    .transform((value) => Number(value))
    .pipe(target);
}

/** A TCP port, as a number or a string of digits (Botkube's `metricsPort: "2112"`). */
export const port = integer({ min: 0, max: 65535 }).meta({ 'x-kind': 'port' });

const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * The address a listener binds: an IPv4 or IPv6 literal (`127.0.0.1`, `0.0.0.0`, `::1`, `::`,
 * brackets allowed and dropped) or a host name such as `localhost`.
 */
export const listenAddress = z
  .string({ error: 'expected an IP address such as 127.0.0.1, 0.0.0.0, ::1 or ::, or a host name' })
  .transform((value) => value.trim().replace(/^\[(.*)\]$/, '$1'))
  .refine((value) => isIP(value) !== 0 || hostName.test(value), {
    // Stops checks of the enclosing object (the console's loopback rule) from judging a non-address.
    abort: true,
    error: (issue) =>
      `"${String(issue.input)}" is not an address; expected an IP address such as 127.0.0.1, 0.0.0.0, ::1 or ::, or a host name`,
  });

/**
 * A Go duration string ("10s", "1m30s", "250ms") parsed into a {@link Duration}.
 * `min` (milliseconds) rejects values that make no sense for the setting.
 */
export function duration(options: { min?: number } = {}) {
  return z
    .string({ error: 'expected a duration such as "10s", "1m30s" or "250ms"' })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a duration; expected a Go duration such as "10s", "1m30s" or "250ms"`,
          params: { code: 'duration' },
        });
        return z.NEVER;
      }
      if (options.min !== undefined && ms < options.min) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is too short; expected at least ${formatDuration(options.min)}`,
          params: { code: 'range' },
        });
        return z.NEVER;
      }
      return new Duration(ms);
    })
    .meta({ 'x-kind': 'duration' });
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A credential: written inline (a string), or read at load time from a file
 * (`{fromFile: /run/secrets/slack-bot-token}`, one trailing newline dropped, relative paths
 * from the directory of the config file) or from an environment variable
 * (`{fromEnv: SLACK_BOT_TOKEN}`). Becomes a {@link Secret}, which never prints its value.
 */
export const secret = z
  .union(
    [
      z.string(),
      z.number(),
      z.strictObject({ fromFile: z.string().min(1) }),
      z.strictObject({
        fromEnv: z.string().regex(envName, { error: 'fromEnv must be an environment variable name' }),
      }),
    ],
    { error: 'expected a string, {fromFile: <path>} or {fromEnv: <VARIABLE>}' },
  )
  .transform((value) => {
    if (typeof value === 'string' || typeof value === 'number') return Secret.of(String(value));
    if ('fromFile' in value) return Secret.pending({ kind: 'file', path: value.fromFile });
    return Secret.pending({ kind: 'env', name: value.fromEnv });
  })
  .meta({ 'x-kind': 'secret' });

/** A list of strings (defaults to empty). */
export const textList = z.array(text, { error: 'expected a list of strings' }).prefault([]);

/**
 * A key Botkube reads and Switchboard does not: any value is accepted (so Botkube configs
 * load unchanged), a warning names it, and the docs list it with `reason`.
 */
export function ignored(reason: string) {
  return z
    .unknown()
    .optional()
    .meta({
      description: `Botkube setting, accepted and ignored: ${reason}`,
      deprecated: true,
      'x-ignored': reason,
    });
}

/** Names the placeholder the docs use for the keys of a map (`<group>`, `<alias>`…). */
export function keyedBy(placeholder: string) {
  return { 'x-key': placeholder };
}

/** `bindings` of a bot channel: which source and executor groups it uses, by name. */
export const BotBindings = z
  .strictObject({
    sources: textList.meta({
      description: 'Source groups (keys of `sources`) whose events are posted to this channel.',
    }),
    executors: textList.meta({
      description: 'Executor groups (keys of `executors`) whose plugins run commands typed in this channel.',
    }),
  })
  .prefault({});
export type BotBindings = z.infer<typeof BotBindings>;

/** `bindings` of a sink: which source groups it receives events from. */
export const SinkBindings = z
  .strictObject({
    sources: textList.meta({
      description: 'Source groups (keys of `sources`) whose events this sink receives.',
    }),
  })
  .prefault({});
export type SinkBindings = z.infer<typeof SinkBindings>;

/** `notification` of a channel. */
export const ChannelNotification = z
  .strictObject({
    disabled: flag.prefault(false).meta({
      description:
        'Mute source events in this channel; commands still work. Can be changed at runtime with `enable/disable notifications`.',
    }),
  })
  .prefault({});

/** A bot channel addressed by name (Slack, Rocket.Chat, the console, Mattermost). */
export const ChannelByName = z.strictObject({
  name: text.meta({ description: 'Channel name, without the leading `#`.' }),
  notification: ChannelNotification,
  bindings: BotBindings,
});
export type ChannelByName = z.infer<typeof ChannelByName>;

/** A bot channel addressed by ID (Discord). */
export const ChannelById = z.strictObject({
  id: text.meta({ description: 'Channel ID (Discord snowflake; quote it in YAML).' }),
  notification: ChannelNotification,
  bindings: BotBindings,
});
export type ChannelById = z.infer<typeof ChannelById>;

/** The `channels` map of a bot, keyed by an alias of the user's choice. */
export function channels<T extends z.ZodType>(channel: T) {
  return z
    .record(z.string(), channel)
    .prefault({})
    .meta({
      ...keyedBy('<channel>'),
      description: 'Channels the bot serves, keyed by an alias of your choice. At least one when enabled.',
    });
}

/** Whether a (raw or parsed) platform section is switched on. */
export function isEnabled(section: unknown): boolean {
  if (typeof section !== 'object' || section === null) return false;
  const value = (section as { enabled?: unknown }).enabled;
  return value === true || (typeof value === 'string' && truthy.has(value.toLowerCase()));
}

/** Adds an issue when a platform is enabled without channels. */
export function requireChannelsWhenEnabled(
  section: { enabled: boolean; channels: Record<string, unknown> },
  ctx: z.RefinementCtx,
  noun = 'channel',
): void {
  if (section.enabled && Object.keys(section.channels).length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['channels'],
      message: `at least one ${noun} is required when the platform is enabled`,
      params: { code: 'missing' },
    });
  }
}

/** Adds an issue when a platform is enabled and a required credential or field is empty. */
export function requireWhenEnabled(
  section: { enabled: boolean } & Record<string, unknown>,
  ctx: z.RefinementCtx,
  keys: readonly string[],
): void {
  if (!section.enabled) return;
  for (const key of keys) {
    const value = section[key];
    const empty = value === undefined || value === '' || (value instanceof Secret && value.isEmpty());
    if (empty) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is required when the platform is enabled`,
        params: { code: 'missing' },
      });
    }
  }
}

/**
 * An http(s) base URL of a platform's API, normalised by `normalise` (client libraries differ on
 * whether they append routes after a `/`); `example` is shown when the value is not a URL.
 */
export function httpBaseUrl(example: string, normalise: (url: string) => string) {
  return text.transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a URL; expected ${example}`,
        params: { code: 'format' },
      });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" must use http or https`,
        params: { code: 'format' },
      });
      return z.NEVER;
    }
    return normalise(value);
  });
}

/**
 * A bot's `directMessages` block: off by default, and when on, the channel alias whose executor
 * bindings direct messages use. Who may write to the bot differs per platform, so `enabled` and
 * the section are described by the caller.
 */
export function directMessages(descriptions: { enabled: string; section: string }) {
  return z
    .strictObject({
      enabled: flag.prefault(false).meta({ description: descriptions.enabled }),
      channel: text.prefault('').meta({
        description:
          'Alias (key of `channels`) whose executor bindings direct messages use. Answers go to the direct message. Required when enabled.',
      }),
    })
    .prefault({})
    .meta({ description: descriptions.section });
}

/** Adds an issue when direct messages are on without naming one of the bot's channel aliases. */
export function requireDirectMessagesChannel(
  section: {
    enabled: boolean;
    channels: Record<string, unknown>;
    directMessages: { enabled: boolean; channel: string };
  },
  ctx: z.RefinementCtx,
): void {
  const direct = section.directMessages;
  if (!section.enabled || !direct.enabled || direct.channel in section.channels) return;
  ctx.addIssue({
    code: 'custom',
    path: ['directMessages', 'channel'],
    message:
      direct.channel === ''
        ? 'directMessages.channel is required when direct messages are enabled; expected one of the channel aliases'
        : `"${direct.channel}" is not a channel alias; expected one of: ${Object.keys(section.channels).join(', ')}`,
    params: { code: direct.channel === '' ? 'missing' : 'invalid' },
  });
}
