/**
 * The rooms the bot serves: each configured channel name resolved once to its room id (from
 * `rooms.get`, the rooms the bot user is subscribed to), and back, so inbound messages carry the
 * configured name the agent's bindings use and answers find their room.
 */

export interface RoomSummary {
  _id: string;
  name?: string;
  fname?: string;
  t?: string;
}

/** A configured name, with or without the `#`, as rooms are named. */
export function roomName(ref: string): string {
  return ref.startsWith('#') ? ref.slice(1) : ref;
}

export class RoomDirectory {
  readonly #byRef = new Map<string, string>();
  readonly #byId = new Map<string, { ref: string; name: string }>();

  /**
   * Resolves every configured name (the config's `channels.<alias>.name`) among `rooms`.
   * @throws Error naming each configured channel the bot user is not in.
   */
  constructor(configured: { alias: string; name: string }[], rooms: RoomSummary[]) {
    const ids = new Map<string, string>();
    for (const room of rooms) if (room.name) ids.set(room.name.toLowerCase(), room._id);
    const missing: string[] = [];
    for (const { alias, name } of configured) {
      const id = ids.get(roomName(name).toLowerCase());
      if (!id) {
        missing.push(`channels.${alias}.name "${name}"`);
        continue;
      }
      this.#byRef.set(name, id);
      this.#byId.set(id, { ref: name, name: roomName(name) });
    }
    if (missing.length > 0) {
      throw new Error(
        `${missing.join(', ')}: no such room among the bot user's rooms; invite the bot user to it (or fix the name)`,
      );
    }
  }

  /** The configured reference and name of room `rid`, when the bot serves it. */
  served(rid: string): { ref: string; name: string } | undefined {
    return this.#byId.get(rid);
  }

  /** The room id an answer addressed to `channelId` goes to: a configured name's room, else the id itself. */
  roomId(channelId: string): string {
    return this.#byRef.get(channelId) ?? channelId;
  }

  /** Room ids of every served channel. */
  rooms(): string[] {
    return [...this.#byId.keys()];
  }
}
