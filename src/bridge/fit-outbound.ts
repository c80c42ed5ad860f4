/**
 * The bridges' side of the "fit for destination" step for messages that are not command
 * answers (source events, action answers): one outbound, fitted once, from the capabilities of
 * the destination it is addressed to. Renderers and deliverers only guard their hard limits.
 */
import { fitForDestination } from '../core/fit-message.js';
import type { DestinationCapabilities, Outbound } from '../delivery/destination.js';

/**
 * `outbound` with its message fitted to `capabilities` (see fitForDestination): unchanged when
 * it fits, else cut with a note, and with the whole text as `fileName` where the destination
 * takes files. A file the outbound already carries is kept; the fit then adds none.
 */
export function fitOutbound(
  outbound: Outbound,
  capabilities: DestinationCapabilities,
  fileName: string,
): Outbound {
  const fitted = fitForDestination(outbound.message, capabilities, { fileName });
  if (fitted.action === 'inline') return outbound;
  const file = outbound.file ?? (fitted.action === 'attach' ? fitted.file : undefined);
  return { ...outbound, message: fitted.message, ...(file ? { file } : {}) };
}
