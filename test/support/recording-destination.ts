import { DeliveryError } from '../../src/delivery/delivery-error.js';
import type {
  Destination,
  DestinationCapabilities,
  Outbound,
  PostedRef,
} from '../../src/delivery/destination.js';
import { digestEventCount } from '../../src/delivery/digest.js';

/**
 * A test platform: a real Destination that keeps what it is given, and can be
 * told to fail. It stands where a chat platform or sink would be.
 */
export class RecordingDestination implements Destination {
  readonly kind: 'chat' | 'sink' = 'chat';
  readonly received: Outbound[] = [];
  failNext = 0;
  #n = 0;

  constructor(
    readonly id: string,
    readonly capabilities: DestinationCapabilities = {
      edit: true,
      files: true,
      threads: true,
      interactive: true,
      maxMessageLength: 4000,
    },
  ) {}

  async deliver(outbound: Outbound): Promise<PostedRef> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new DeliveryError(`${this.id} is down`, { reason: 'unavailable', retryable: true });
    }
    this.received.push(outbound);
    this.#n += 1;
    return { channelId: outbound.address.channelId, messageId: String(this.#n) };
  }

  /** The text of each posted message as it stands after all edits, in posting order. */
  finalTexts(channelId?: string): string[] {
    const latest = new Map<string, string>();
    let n = 0;
    for (const o of this.received) {
      if (channelId !== undefined && o.address.channelId !== channelId) continue;
      const key = o.replaces ? o.replaces.messageId : `new-${n++}`;
      latest.set(key, o.message.baseBody.plaintext ?? o.message.baseBody.codeBlock ?? '');
    }
    return [...latest.values()];
  }

  /**
   * Everything posted to the channel as one string: each message as JSON plus the text of its
   * attached file, so an event is found whether it was posted alone or inside a digest (whose
   * details may sit in the message or in its file).
   */
  allText(channelId?: string): string {
    return this.received
      .filter((o) => channelId === undefined || o.address.channelId === channelId)
      .map(
        (o) => `${JSON.stringify(o.message)}\n${o.file ? Buffer.from(o.file.content).toString('utf8') : ''}`,
      )
      .join('\n');
  }

  /** Final texts of messages that are not event digests (command replies and single events). */
  finalTextsWithoutDigests(channelId?: string): string[] {
    const digests = new Set(
      this.received.filter((o) => digestEventCount(o.message) !== undefined).map((o) => o.message),
    );
    const latest = new Map<string, string>();
    let n = 0;
    for (const o of this.received) {
      if (channelId !== undefined && o.address.channelId !== channelId) continue;
      const key = o.replaces ? o.replaces.messageId : `new-${n++}`;
      if (digests.has(o.message)) continue;
      latest.set(key, o.message.baseBody.plaintext ?? o.message.baseBody.codeBlock ?? '');
    }
    return [...latest.values()];
  }

  texts(channelId?: string): string[] {
    return this.received
      .filter((o) => channelId === undefined || o.address.channelId === channelId)
      .map((o) => o.message.baseBody.plaintext ?? o.message.baseBody.codeBlock ?? '');
  }
}
