/**
 * Outbound messages to Discord: render, then post (`POST /channels/{id}/messages`), edit
 * (`PATCH …/messages/{id}` for `replaces`), or answer an interaction through its webhook (the
 * deferred reply edited, or a follow-up; `onlyVisibleForYou` as an ephemeral follow-up). A long
 * output's file goes in the same request as the message. Messages arrive fitted to 2,000
 * characters by the bridge. Pacing within Discord's per-route buckets and global limit is
 * discord.js's REST queue, which reads the rate-limit headers and waits out `retry_after`; other
 * failures become DeliveryErrors and are retried by the pipeline, never underneath it.
 */
import { MessageFlags, type RawFile, type REST, Routes } from 'discord.js';
import type { Message } from '../../contract/message.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { Outbound, PostedRef } from '../../delivery/destination.js';
import type { Logger } from '../../log/logger.js';
import { interactionThreadPrefix } from './inbound.js';
import type { InteractionBook, PendingInteraction } from './interaction-book.js';
import { checkDiscordPayload, type DiscordPayload, discordLimits } from './limits.js';
import { type DiscordRenderContext, renderDiscordMessage } from './render.js';
import { deliveryErrorFrom, discordErrorCode } from './rest-errors.js';

/** Marks a PostedRef made through an interaction webhook: `w:<interactionId>:<messageId>`. */
const webhookRef = 'w:';

export interface DiscordDelivererOptions {
  rest: REST;
  interactions: InteractionBook;
  renderContext(): Omit<DiscordRenderContext, 'asEvent'>;
  /** Keeps the references a rendering made (see component-ids.ts). */
  remember(refs: ReadonlyMap<string, string>): void;
  logger: Logger;
}

interface Body extends DiscordPayload {
  flags?: number;
  attachments?: { id: string; filename: string }[];
}

export function createDiscordDeliverer(options: DiscordDelivererOptions) {
  const { rest, interactions } = options;

  const render = (message: Message, asEvent: boolean, withFile: boolean): DiscordPayload => {
    const rendering = renderDiscordMessage(message, { ...options.renderContext(), asEvent });
    options.remember(rendering.refs);
    const payload = rendering.payload ?? { content: '', embeds: [], components: [] };
    const problem = checkDiscordPayload(payload, withFile);
    if (problem) {
      throw new DeliveryError(`the Discord rendering of the message breaks a limit: ${problem}`, {
        reason: problem === 'the message is empty' ? 'rejected' : 'too-large',
        retryable: false,
      });
    }
    return payload;
  };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw deliveryErrorFrom(err, what);
    }
  };

  const filesOf = (outbound: Outbound): RawFile[] | undefined => {
    const file = outbound.file;
    if (!file) return undefined;
    if (file.content.byteLength > discordLimits.fileBytes) {
      throw new DeliveryError(`the attachment ${file.name} is larger than Discord's 25 MiB`, {
        reason: 'too-large',
        retryable: false,
      });
    }
    return [
      {
        name: file.name,
        data: Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength),
      },
    ];
  };

  const withAttachments = (body: Body, files: RawFile[] | undefined): Body =>
    files ? { ...body, attachments: files.map((f, id) => ({ id: String(id), filename: f.name })) } : body;

  async function edit(outbound: Outbound, ref: PostedRef): Promise<PostedRef | undefined> {
    const body = render(outbound.message, outbound.kind === 'event', false);
    if (ref.messageId.startsWith(webhookRef)) {
      const [interactionId = '', messageId = ''] = ref.messageId.slice(webhookRef.length).split(':');
      const pending = interactions.get(interactionId);
      // After the token's 15 minutes the message cannot be edited any more: post the new version.
      if (!pending) return undefined;
      await call('interaction message edit', () =>
        rest.patch(Routes.webhookMessage(pending.applicationId, pending.token, messageId), {
          body,
          auth: false,
        }),
      );
      return ref;
    }
    await call('message edit', () =>
      rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), { body }),
    );
    return ref;
  }

  async function answer(
    outbound: Outbound,
    pending: PendingInteraction,
    channelId: string,
  ): Promise<PostedRef> {
    const files = filesOf(outbound);
    const payload = render(outbound.message, outbound.kind === 'event', files !== undefined);
    const ephemeral = outbound.message.onlyVisibleForYou === true;
    const route = (id: string) => ({ channelId, messageId: `${webhookRef}${pending.id}:${id}` });
    if (pending.kind === 'command' && !pending.originalUsed && !ephemeral) {
      const posted = (await call('interaction reply', () =>
        rest.patch(Routes.webhookMessage(pending.applicationId, pending.token, '@original'), {
          body: withAttachments(payload, files),
          ...(files ? { files } : {}),
          auth: false,
        }),
      )) as { id: string };
      pending.originalUsed = true;
      return route(posted.id);
    }
    const body: Body = { ...payload, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) };
    const posted = (await call('interaction follow-up', () =>
      rest.post(Routes.webhook(pending.applicationId, pending.token), {
        body: withAttachments(body, files),
        ...(files ? { files } : {}),
        query: new URLSearchParams({ wait: 'true' }),
        auth: false,
      }),
    )) as { id: string };
    if (pending.kind === 'command' && !pending.originalUsed) {
      // The private answer came as a follow-up; the public "thinking…" reply would stay forever.
      pending.originalUsed = true;
      await rest
        .delete(Routes.webhookMessage(pending.applicationId, pending.token, '@original'), { auth: false })
        .catch((err: unknown) =>
          options.logger.debug({ err: (err as Error).message }, 'deferred Discord reply not removed'),
        );
    }
    return route(posted.id);
  }

  const dmChannels = new Map<string, string>();
  async function directChannel(userId: string): Promise<string> {
    const known = dmChannels.get(userId);
    if (known) return known;
    const opened = (await call('DM channel open', () =>
      rest.post(Routes.userChannels(), { body: { recipient_id: userId } }),
    )) as { id: string };
    dmChannels.set(userId, opened.id);
    return opened.id;
  }

  return async function deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    const { message, address } = outbound;
    if (message.type === 'skipMessage') return undefined;
    if (outbound.replaces && !message.onlyVisibleForYou) {
      const edited = await edit(outbound, outbound.replaces);
      if (edited) return edited;
    }
    const thread = address.threadId ?? '';
    const pending = thread.startsWith(interactionThreadPrefix)
      ? interactions.get(thread.slice(interactionThreadPrefix.length))
      : undefined;
    if (pending && !userMention(message.userHandle)) {
      try {
        return await answer(outbound, pending, address.channelId);
      } catch (err) {
        const code = discordErrorCode((err as DeliveryError).cause);
        // 10062 unknown interaction, 10015 unknown webhook: the token is spent; use the channel.
        if (code !== 10062 && code !== 10015) throw err;
        interactions.forget(pending.id);
        options.logger.debug({ code }, 'Discord interaction expired; answering in the channel');
      }
    }
    const user = userMention(message.userHandle) ?? (message.onlyVisibleForYou ? address.userId : undefined);
    // Without an interaction, only a direct message keeps an answer private.
    const channelId = user ? await directChannel(user) : address.channelId;
    const files = filesOf(outbound);
    const payload = render(message, outbound.kind === 'event', files !== undefined);
    const posted = (await call('message post', () =>
      rest.post(Routes.channelMessages(channelId), {
        body: withAttachments(payload, files),
        ...(files ? { files } : {}),
      }),
    )) as { id: string };
    return { channelId, messageId: posted.id };
  };
}

/** The user ID of `userHandle` (`123`, `<@123>`, `<@!123>`), when it is one. */
function userMention(handle: string | undefined): string | undefined {
  return handle?.match(/^<?@?!?(\d{15,21})>?$/)?.[1];
}
