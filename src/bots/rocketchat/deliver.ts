/**
 * Outbound messages to Rocket.Chat: render, then post (`chat.sendMessage`, with a message id
 * chosen here so a retried post keeps its id, in the thread `tmid` when one is given), edit
 * (`chat.update` for `replaces`: streaming output, paced by the pipeline), or attach
 * (`rooms.media` upload + `rooms.mediaConfirm`). Long messages arrive already fitted by the
 * bridge; a rendering over the limits is refused, never cut here. A retried Outbound resumes
 * after what was already done, so a 429 on the upload does not post the text twice.
 */
import { randomBytes } from 'node:crypto';
import { FormData } from 'undici';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type { Outbound, PostedRef } from '../../delivery/destination.js';
import { checkRocketPayload, type RocketPayload } from './limits.js';
import { renderRocketMessage } from './render.js';
import { type RestClient, RocketApiError } from './rest-client.js';
import type { RoomDirectory } from './room-directory.js';

export interface RocketDelivererOptions {
  rest: RestClient;
  rooms: RoomDirectory;
  /** `@<bot username>`, for the commands behind buttons. */
  botMention: string;
  /** Keeps the commands of a posted message's buttons, so a click on one is known as a click. */
  remember(rid: string, payload: RocketPayload): void;
}

interface Progress {
  id: string;
  posted: boolean;
  /** Uploaded but not yet confirmed: a retry confirms it instead of uploading again. */
  fileId?: string;
  fileDone: boolean;
}

/** Rocket.Chat's id alphabet and length (Meteor's `Random.id()`). */
const idAlphabet = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';

export function newMessageId(): string {
  const bytes = randomBytes(17);
  let id = '';
  for (const byte of bytes) id += idAlphabet[byte % idAlphabet.length];
  return id;
}

export function createRocketDeliverer(options: RocketDelivererOptions) {
  const { rest } = options;
  const progress = new WeakMap<Outbound, Progress>();

  const render = (outbound: Outbound): RocketPayload | undefined => {
    const payload = renderRocketMessage(outbound.message, {
      botMention: options.botMention,
      kind: outbound.kind ?? 'reply',
    });
    if (!payload) return undefined;
    const problem = checkRocketPayload(payload);
    if (problem) {
      throw new DeliveryError(`the Rocket.Chat rendering of the message breaks a limit: ${problem}`, {
        reason: 'too-large',
        retryable: false,
      });
    }
    return payload;
  };

  async function roomFor(outbound: Outbound): Promise<string> {
    const handle = outbound.message.userHandle?.replace(/^@/, '');
    if (handle) {
      const created = (await rest.post('im.create', { username: handle })) as {
        room?: { _id?: string; rid?: string };
      };
      const rid = created.room?._id ?? created.room?.rid;
      if (rid) return rid;
    }
    return options.rooms.roomId(outbound.address.channelId);
  }

  return async function deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    const payload = render(outbound);
    if (!payload && !outbound.file) return undefined;
    const ref = outbound.replaces;
    if (ref && payload) {
      // chat.update changes the text only: buttons stay as first posted.
      await rest.post('chat.update', {
        roomId: ref.channelId,
        msgId: ref.messageId,
        text: payload.msg || '\u200b',
      });
      return ref;
    }
    const rid = await roomFor(outbound);
    const tmid = outbound.message.userHandle
      ? undefined
      : outbound.address.threadId || outbound.message.parentActivityId || undefined;
    const done = progress.get(outbound) ?? { id: newMessageId(), posted: false, fileDone: false };
    progress.set(outbound, done);
    if (payload && !done.posted) {
      // Before the post: the server shows the message to everyone before it answers us, so a
      // click can arrive over the realtime stream while this request is still in flight, and
      // would otherwise be taken for a typed command (no credit to the clicking user).
      options.remember(rid, payload);
      try {
        await rest.post('chat.sendMessage', {
          message: {
            _id: done.id,
            rid,
            msg: payload.msg,
            ...(payload.attachments ? { attachments: payload.attachments } : {}),
            ...(tmid ? { tmid } : {}),
          },
        });
      } catch (err) {
        // An earlier try reached the server although its answer was lost (a timeout): it is posted.
        if (!(err instanceof RocketApiError && err.errorType === 'error-message-already-exists')) throw err;
      }
      done.posted = true;
    }
    let fileMessage: string | undefined;
    if (outbound.file && !done.fileDone) {
      fileMessage = await upload(rest, rid, outbound.file, tmid, done);
      done.fileDone = true;
    }
    const messageId = done.posted ? done.id : fileMessage;
    return messageId ? { channelId: rid, messageId } : undefined;
  };
}

async function upload(
  rest: RestClient,
  rid: string,
  file: { name: string; content: Uint8Array },
  tmid: string | undefined,
  done: Progress,
): Promise<string | undefined> {
  if (!done.fileId) {
    const form = new FormData();
    form.append('file', new Blob([file.content], { type: 'text/plain' }), file.name);
    const stored = (await rest.upload('rooms.media', `rooms.media/${encodeURIComponent(rid)}`, form)) as {
      file?: { _id?: string };
    };
    if (!stored.file?._id) {
      throw new DeliveryError('Rocket.Chat rooms.media answered without a file id', {
        reason: 'rejected',
        retryable: false,
      });
    }
    done.fileId = stored.file._id;
  }
  const fileId = done.fileId;
  const confirmed = (await rest.post(
    'rooms.mediaConfirm',
    { description: file.name, ...(tmid ? { tmid } : {}) },
    'throw',
    `rooms.mediaConfirm/${encodeURIComponent(rid)}/${encodeURIComponent(fileId)}`,
  )) as { message?: { _id?: string } };
  return confirmed.message?._id;
}
