/**
 * Opening a `form` answer as a modal with `views.open` (Botkube's socket-Slack bot did this for
 * PopupMessage). A trigger is good for about 3 s and once; one older than {@link triggerFreshMs}
 * is not tried. Every failure (stale trigger, a view Slack rejects, network) resolves undefined
 * with a warning naming the reason, and the delivery pipeline then posts the form in the channel.
 */
import type { Outbound, PostedRef } from '../../delivery/destination.js';
import type { SlackDelivererOptions } from './deliver.js';
import { renderSlackModal } from './modal.js';
import { slackErrorCode } from './web-errors.js';

/** Younger than Slack's 3 s, leaving room for the views.open round trip. */
export const triggerFreshMs = 2500;
/** Marks the ref of a modal: it is no message, so nothing may edit it. */
export const viewRefPrefix = 'view:';

export function createModalOpener(options: SlackDelivererOptions & { now?: () => number }) {
  const now = options.now ?? Date.now;
  return async function openModal(outbound: Outbound): Promise<PostedRef | undefined> {
    const trigger = outbound.modalTrigger;
    if (!trigger) return undefined;
    const notShown = (reason: string, extra: Record<string, unknown> = {}) => {
      options.logger.warn(
        { reason, channel: outbound.address.channelId, ...extra },
        'Slack form not opened as a modal; posting it in the channel',
      );
      return undefined;
    };
    const ageMs = now() - trigger.receivedAt;
    if (ageMs > triggerFreshMs) return notShown('trigger expired before the answer was ready', { ageMs });
    let channel: string | undefined;
    try {
      channel = await options.channels.idFor(outbound.address.channelId);
    } catch (err) {
      return notShown('channel lookup failed', { err: slackErrorCode(err) ?? (err as Error).message });
    }
    if (!channel) return notShown('channel not known to the bot');
    const rendering = renderSlackModal(outbound.message, options.renderContext(), {
      channel,
      ...(outbound.address.threadId ? { thread: outbound.address.threadId } : {}),
    });
    if (!rendering.ok) return notShown(rendering.problem);
    options.remember(rendering.refs);
    try {
      const answer = await options.client.views.open({
        trigger_id: trigger.id,
        view: rendering.view as never,
      });
      return { channelId: channel, messageId: `${viewRefPrefix}${answer.view?.id ?? ''}` };
    } catch (err) {
      return notShown(`views.open failed: ${slackErrorCode(err) ?? (err as Error).message}`);
    }
  };
}
