/**
 * The channel a Discord thread lives in. THREAD_CREATE and GUILD_CREATE fill discord.js's cache
 * with threads and their `parent_id`; a thread the gateway has not announced (a private thread
 * the bot was just mentioned into) reaches the bot as a channel built from a message's
 * `channel_type` alone, without a parent, so that one is fetched (`GET /channels/{id}`) once and
 * kept in discord.js's cache.
 */
import type { Channel, Client } from 'discord.js';
import type { Logger } from '../../log/logger.js';

/** The parent's ID when `channelId` is a thread; undefined for any other channel or on failure. */
export async function threadParentOf(
  client: Client,
  channelId: string,
  logger: Logger,
): Promise<string | undefined> {
  const cached = client.channels.cache.get(channelId);
  const known = parentOf(cached);
  if (known !== 'unknown') return known;
  try {
    const fetched = parentOf(await client.channels.fetch(channelId, { force: true }));
    return fetched === 'unknown' ? undefined : fetched;
  } catch (err) {
    logger.debug({ channelId, err: (err as Error).message }, 'Discord channel could not be fetched');
    return undefined;
  }
}

/** A thread's parent, undefined when the channel is no thread, 'unknown' when it must be fetched. */
function parentOf(channel: Channel | null | undefined): string | undefined | 'unknown' {
  if (!channel) return 'unknown';
  if (!channel.isThread()) return channel.partial ? 'unknown' : undefined;
  return channel.parentId ?? 'unknown';
}
