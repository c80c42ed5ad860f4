/**
 * After a reconnect, the messages posted while the bot was away: `chat.syncMessages` per served
 * room since the newest message seen before the gap (with a margin for clock skew between server
 * nodes), oldest first. The caller drops those it already handled by message id, never by
 * timestamp: two messages may share a millisecond.
 */
import type { Logger } from '../../log/logger.js';
import { dateMs } from './ejson.js';
import type { RocketMessage } from './message-types.js';
import type { RestClient } from './rest-client.js';

/** Looked back further than the last message seen, for skew between server nodes. */
const overlapMs = 30_000;

export async function catchUp(options: {
  rest: RestClient;
  rooms: string[];
  sinceMs: number;
  logger: Logger;
}): Promise<RocketMessage[]> {
  const since = new Date(options.sinceMs - overlapMs).toISOString();
  const found: RocketMessage[] = [];
  for (const roomId of options.rooms) {
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
