/**
 * After a reconnect, the messages posted while the bot was away: `chat.syncMessages` per room
 * since the newest message seen before the gap (with a margin for clock skew between server
 * nodes), oldest first. The rooms are the ones already known plus those `rooms.get?updatedSince=`
 * lists as changed in the gap that `follow` accepts: a DM someone first opened while the bot was
 * disconnected exists nowhere else. The caller drops messages it already handled by message id,
 * never by timestamp: two messages may share a millisecond.
 */
import type { Logger } from '../../log/logger.js';
import { dateMs } from './ejson.js';
import type { RocketMessage } from './message-types.js';
import type { RestClient } from './rest-client.js';
import type { RoomSummary } from './room-directory.js';

/** Looked back further than the last message seen, for skew between server nodes. */
const overlapMs = 30_000;

export async function catchUp(options: {
  rest: RestClient;
  rooms: string[];
  sinceMs: number;
  /** Whether a room that changed in the gap, and is not among `rooms`, is read too. */
  follow(room: RoomSummary): boolean;
  logger: Logger;
}): Promise<RocketMessage[]> {
  const since = new Date(options.sinceMs - overlapMs).toISOString();
  const rooms = new Set(options.rooms);
  for (const room of await changedRooms(options.rest, since, options.logger)) {
    if (!rooms.has(room._id) && options.follow(room)) rooms.add(room._id);
  }
  const found: RocketMessage[] = [];
  for (const roomId of rooms) {
    try {
      const answer = (await options.rest.get('chat.syncMessages', { roomId, lastUpdate: since })) as {
        result?: { updated?: RocketMessage[] };
      };
      found.push(...(answer.result?.updated ?? []));
    } catch (err) {
      options.logger.warn(
        { room: roomId, err: (err as Error).message },
        'messages from the gap could not be read',
      );
    }
  }
  return found.sort((a, b) => (dateMs(a.ts) ?? 0) - (dateMs(b.ts) ?? 0));
}

/** The bot user's rooms changed since `since`; none when the server cannot say (the known rooms are still read). */
async function changedRooms(rest: RestClient, since: string, logger: Logger): Promise<RoomSummary[]> {
  try {
    const answer = (await rest.get('rooms.get', { updatedSince: since })) as { update?: RoomSummary[] };
    return answer.update ?? [];
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'rooms changed in the gap could not be listed; rooms first opened in it are not read',
    );
    return [];
  }
}
