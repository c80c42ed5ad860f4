import type { Bot } from '../bots/bot.js';
import type { Destination, DestinationCapabilities } from '../delivery/destination.js';
import type { PlatformConnection } from '../metrics/metrics.js';
import type { PlatformInstance } from './topology.js';

/**
 * A running platform as the agent holds it, tagged once when it is created: status, readiness,
 * metrics and command routing read the role instead of probing the object again.
 * A `stand-in` keeps a failed bot's messages queued while it is retried.
 */
export type PlatformSlot =
  | { role: 'bot'; destination: Bot }
  | { role: 'sink'; destination: Destination }
  | { role: 'stand-in'; destination: Destination };

/**
 * Tags what `AgentDeps.createPlatform` made for an instance. The config says what the instance
 * is (`communications` bots or sinks), so the object is never probed for methods to find out.
 */
export function slotFor(kind: PlatformInstance['kind'], created: Bot | Destination): PlatformSlot {
  return kind === 'bot'
    ? { role: 'bot', destination: created as Bot }
    : { role: 'sink', destination: created };
}

/** Bots disconnect; sinks flush their batches and close their connections; stand-ins hold nothing. */
export async function stopSlot(slot: PlatformSlot | undefined): Promise<void> {
  if (!slot || slot.role === 'stand-in') return;
  const stoppable = slot.destination as { stop?: () => Promise<void> };
  await stoppable.stop?.();
}

/** What an unknown or removed destination is answered with: plain text, nothing to edit or attach. */
const noCapabilities: DestinationCapabilities = {
  edit: false,
  files: false,
  threads: false,
  interactive: false,
  maxMessageLength: 2000,
};

/** A running platform's capabilities by destination ID, read live (a reload may replace it). */
export function capabilitiesOf(
  slots: ReadonlyMap<string, PlatformSlot>,
): (destinationId: string) => DestinationCapabilities {
  return (id) => slots.get(id)?.destination.capabilities ?? noCapabilities;
}

/** How a running bot is addressed in its chat; undefined for sinks, stand-ins and unknown IDs. */
export function mentionOf(
  slots: ReadonlyMap<string, PlatformSlot>,
): (destinationId: string) => RegExp | undefined {
  return (id) => {
    const slot = slots.get(id);
    return slot?.role === 'bot' ? slot.destination.mentionPattern() : undefined;
  };
}

/** The connection state of each running bot, for the platform metrics. */
export function botConnections(slots: ReadonlyMap<string, PlatformSlot>): () => PlatformConnection[] {
  return () =>
    [...slots.values()].flatMap((slot) => {
      if (slot.role !== 'bot') return [];
      const status = slot.destination.status();
      return [{ id: slot.destination.id, state: status.state, reconnects: status.reconnects }];
    });
}
