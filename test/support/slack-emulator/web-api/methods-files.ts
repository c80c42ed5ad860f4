/**
 * The upload flow of files.uploadV2: files.getUploadURLExternal reserves a file and hands out a
 * loopback upload URL, the client POSTs the bytes there (multipart, one part, or raw), and
 * files.completeUploadExternal shares the files, posting a file_share message when a channel is given.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from '../core.js';
import { nowSeconds } from '../store.js';
import { SlackApiError } from './api-error.js';
import { integer, jsonArgument, optionalString, requiredString } from './args.js';
import { postableChannel } from './channel-access.js';
import type { MethodDefinition } from './method.js';
import { postBotMessage } from './methods-chat.js';

export const fileMethods: Record<string, MethodDefinition> = {
  'files.getUploadURLExternal': {
    token: 'bot',
    run: ({ core, args }) => {
      const filename = requiredString(args, 'filename');
      const length = integer(args, 'length', Number.NaN, 1, 1024 * 1024 * 1024, 'invalid_arguments');
      if (Number.isNaN(length))
        throw SlackApiError.withMessages('invalid_arguments', ['missing required field: length']);
      const uploadKey = randomUUID();
      const id = core.ids.next('F');
      core.store.files.set(id, {
        id,
        uploadKey,
        filename,
        length,
        completed: false,
        created: nowSeconds(),
        ...optionalFields({
          altText: optionalString(args, 'alt_txt'),
          snippetType: optionalString(args, 'snippet_type'),
        }),
      });
      return { upload_url: new URL(`upload/v1/${uploadKey}`, core.baseUrl).toString(), file_id: id };
    },
  },
  'files.completeUploadExternal': {
    token: 'bot',
    run: ({ core, args }) => {
      const listed = jsonArgument(args, 'files', 'invalid_arguments');
      if (!Array.isArray(listed) || listed.length === 0) {
        throw SlackApiError.withMessages('invalid_arguments', [
          'files must be a non-empty JSON array of {"id","title"}',
        ]);
      }
      const channelRef = optionalString(args, 'channel_id') ?? optionalString(args, 'channels');
      const channel = channelRef === undefined ? undefined : postableChannel(core, channelRef);
      const threadTs = optionalString(args, 'thread_ts');
      const initialComment = optionalString(args, 'initial_comment');
      const files = listed.map((entry) => {
        const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
        const file = typeof id === 'string' ? core.store.files.get(id) : undefined;
        if (!file) throw new SlackApiError('file_not_found');
        if (!file.content) {
          throw SlackApiError.withMessages('invalid_arguments', [
            `file ${file.id} has not been uploaded to its upload_url`,
          ]);
        }
        const title = (entry as { title?: unknown }).title;
        if (typeof title === 'string' && title !== '') file.title = title;
        return file;
      });
      for (const file of files) {
        file.completed = true;
        Object.assign(file, optionalFields({ channel: channel?.id, threadTs, initialComment }));
      }
      if (channel) {
        postBotMessage(
          core,
          channel,
          { text: initialComment ?? '' },
          { subtype: 'file_share', files: files.map((f) => f.id), ...(threadTs ? { threadTs } : {}) },
        );
      }
      return { files: files.map((file) => ({ id: file.id, title: file.title ?? file.filename })) };
    },
  },
};

/**
 * The upload URL: stores the bytes of a reserved file. Answers like files.slack.com: 200
 * `OK - <bytes>`, 404 for an unknown URL, 400 for an empty body.
 */
export function acceptUpload(
  core: EmulatorCore,
  key: string,
  content: Buffer | undefined,
): { status: number; text: string } {
  core.stats.uploads += 1;
  const file = [...core.store.files.values()].find((f) => f.uploadKey === key);
  if (!file || file.completed) return { status: 404, text: 'upload URL not found' };
  if (!content || content.length === 0) return { status: 400, text: 'no file content' };
  file.content = content;
  return { status: 200, text: `OK - ${content.length}` };
}

function optionalFields<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
