import type { Bot } from '../bots/bot.js';
import type { Destination } from '../delivery/destination.js';
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
