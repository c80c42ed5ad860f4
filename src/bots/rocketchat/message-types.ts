/**
 * The parts of Rocket.Chat's message and room objects the bot reads (`IMessage`, the room facts
 * `__my_messages__` appends). Dates arrive as `Date` over DDP (EJSON revived) and as ISO text
 * over REST.
 */

/** A message as the stream or `chat.syncMessages` delivers it. */
export interface RocketMessage {
  _id: string;
  rid: string;
  msg?: string;
  ts?: unknown;
  u?: { _id: string; username?: string; name?: string };
  /** Thread root; set on replies in a thread. */
  tmid?: string;
  /** System message type (user joined, topic changed…); never a command. */
  t?: string;
  editedAt?: unknown;
  mentions?: { _id: string; username?: string; type?: string }[];
}

/** What `__my_messages__` says about the message's room. */
export interface RoomMeta {
  /** False for a public room the bot can read but has not joined. */
  roomParticipant?: boolean;
  /** `c` channel, `p` private group, `d` direct message, `l` livechat. */
  roomType?: string;
  roomName?: string;
}
