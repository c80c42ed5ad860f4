/**
 * Outbound messages to Slack: render, then post (`chat.postMessage`, in the thread when one is
 * given), edit (`chat.update` for `replaces`), show privately (`chat.postEphemeral` for
 * `onlyVisibleForYou`), or attach (`files.getUploadURLExternal` + upload +
 * `files.completeUploadExternal`). Long messages arrive already fitted (cut, with the whole text
 * as `file`) by the bridge from Slack's capabilities; a message that would still take more than
 * {@link maxInlineParts} Slack messages is refused, never cut here. Failures become DeliveryErrors; a retried Outbound resumes
 * after the parts already posted, so a 429 on the second part does not repeat the first.
 */
import type { webApi } from '@slack/bolt';
import type { Message } from '../../contract/message.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { Outbound, PostedRef } from '../../delivery/destination.js';
import type { Logger } from '../../log/logger.js';
import type { SlackPayload } from './blocks.js';
import type { ChannelDirectory } from './channel-directory.js';
import { checkSlackPayload } from './limits.js';
import { viewRefPrefix } from './open-modal.js';
import { renderSlackMessage, type SlackRenderContext } from './render.js';
import { withNotice } from './render-parts.js';
import { deliveryErrorFrom } from './web-errors.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

/**
 * Slack messages one outbound message may become. The bridge's fit step keeps messages within
 * `slackCapabilities.maxTotalLength`, which renders to fewer; more is refused as too large.
 */
export const maxInlineParts = 3;
const ephemeralPrefix = 'ephemeral:';

export interface SlackDelivererOptions {
  client: WebClient;
  channels: ChannelDirectory;
  /** Known once the bot has authenticated. */
  renderContext(): SlackRenderContext;
  /** Keeps the references a rendering made (see action-codec.ts). */
  remember(refs: ReadonlyMap<string, string>): void;
  logger: Logger;
}

interface Progress {
  posted: string[];
  fileDone: boolean;
}

export function createSlackDeliverer(options: SlackDelivererOptions) {
  const { client } = options;
  const progress = new WeakMap<Outbound, Progress>();

  const render = (message: Message): SlackPayload[] => {
    const rendering = renderSlackMessage(message, options.renderContext());
    options.remember(rendering.refs);
    for (const part of rendering.parts) {
      const problem = checkSlackPayload(part);
      if (problem) {
        // A renderer bug: never send what Slack would reject or silently drop.
        throw new DeliveryError(`the Slack rendering of the message breaks a limit: ${problem}`, {
          reason: 'too-large',
          retryable: false,
        });
      }
    }
    return rendering.parts;
  };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw deliveryErrorFrom(err, what);
    }
  };

  async function channelFor(outbound: Outbound): Promise<string> {
    const user = userHandleId(outbound.message.userHandle);
    if (user) {
      const opened = await call('conversations.open', () => client.conversations.open({ users: user }));
      const id = opened.channel?.id;
      if (id) return id;
    }
    const ref = outbound.address.channelId;
    let id: string | undefined;
    try {
      id = await options.channels.idFor(ref);
    } catch (err) {
      throw deliveryErrorFrom(err, 'conversations.list');
    }
    if (id === undefined) {
      throw new DeliveryError(`Slack channel "${ref}" is not known to the bot`, {
        reason: 'unknown-channel',
        retryable: false,
      });
    }
    return id;
  }

  async function edit(outbound: Outbound, ref: PostedRef): Promise<PostedRef> {
    const parts = render(outbound.message);
    const first = parts[0];
    if (!first) return ref;
    const part = parts.length > 1 ? withNotice(first, '… cut to fit one message') : first;
    await call('chat.update', () =>
      client.chat.update({
        channel: ref.channelId,
        ts: ref.messageId,
        text: part.text,
        blocks: part.blocks as never,
      }),
    );
    return ref;
  }

  async function ephemeral(
    outbound: Outbound,
    channel: string,
    thread: string | undefined,
  ): Promise<PostedRef> {
    const user = outbound.address.userId;
    if (!user) {
      throw new DeliveryError('a message only its requester may see has no requester (address.userId)', {
        reason: 'rejected',
        retryable: false,
      });
    }
    let ts = '';
    for (const part of render(outbound.message)) {
      const answer = await call('chat.postEphemeral', () =>
        client.chat.postEphemeral({
          channel,
          user,
          text: part.text,
          blocks: part.blocks as never,
          ...(thread ? { thread_ts: thread } : {}),
        }),
      );
      ts ||= answer.message_ts ?? '';
    }
    // Ephemeral messages cannot be edited with chat.update; a later edit posts a new one.
    return { channelId: channel, messageId: `${ephemeralPrefix}${ts}` };
  }

  return async function deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    const { message } = outbound;
    if (message.type === 'skipMessage') return undefined;
    const ref = outbound.replaces;
    // Ephemeral messages and modals cannot be changed with chat.update; an edit posts anew.
    const editable =
      ref && !ref.messageId.startsWith(ephemeralPrefix) && !ref.messageId.startsWith(viewRefPrefix);
    if (ref && editable && !message.onlyVisibleForYou) {
      return edit(outbound, ref);
    }
    const channel = await channelFor(outbound);
    const thread = userHandleId(message.userHandle)
      ? undefined
      : outbound.address.threadId || message.parentActivityId || undefined;
    if (message.onlyVisibleForYou) return ephemeral(outbound, channel, thread);

    const parts = render(message);
    const file = outbound.file;
    if (parts.length > maxInlineParts) {
      // Only a message that skipped the fit step (or one with very many blocks) gets here.
      throw new DeliveryError(
        `the message renders to ${parts.length} Slack messages, more than ${maxInlineParts}; it was not fitted to Slack's capabilities`,
        { reason: 'too-large', retryable: false },
      );
    }
    const done = progress.get(outbound) ?? { posted: [], fileDone: false };
    progress.set(outbound, done);
    for (const part of parts.slice(done.posted.length)) {
      const answer = await call('chat.postMessage', () =>
        client.chat.postMessage({
          channel,
          text: part.text,
          blocks: part.blocks as never,
          unfurl_links: false,
          unfurl_media: false,
          ...(thread ? { thread_ts: thread } : {}),
        }),
      );
      done.posted.push(answer.ts ?? '');
    }
    if (file && !done.fileDone) {
      const content = file.content;
      const name = file.name;
      const data = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      const upload = { file: data, filename: name, title: name };
      await call('file upload', () =>
        client.files.uploadV2(
          thread ? { ...upload, channel_id: channel, thread_ts: thread } : { ...upload, channel_id: channel },
        ),
      );
      done.fileDone = true;
    }
    const first = done.posted[0];
    return first ? { channelId: channel, messageId: first } : undefined;
  };
}

/** The user ID of `userHandle` (`U123`, `<@U123>`), when it is one. */
function userHandleId(handle: string | undefined): string | undefined {
  const match = handle?.match(/^<?@?([UW][A-Z0-9]+)(?:\|[^>]*)?>?$/);
  return match?.[1];
}
