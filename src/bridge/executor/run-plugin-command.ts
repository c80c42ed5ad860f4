import { codeBlockMessage, type Message, plaintextMessage } from '../../contract/message.js';
import { parseMessage } from '../../contract/message-read.js';
import { fitForDestination } from '../../core/fit-message.js';
import type {
  Address,
  DestinationCapabilities,
  ModalTrigger,
  Outbound,
  PostedRef,
} from '../../delivery/destination.js';
import type { Logger } from '../../log/logger.js';
import type { ExecuteCall, ExecutorClient } from '../../plugins/host/executor-client.js';
import { failureReply } from './user-replies.js';

/** The one way the bridge posts: through the delivery pipeline, never to a bot directly. */
export interface Replier {
  /**
   * `modalTrigger`: show it as a modal where the platform can (see Outbound.modalTrigger).
   * `streaming`: more of this output follows as edits (see Outbound.streaming).
   */
  post(
    message: Message,
    file?: { name: string; content: Uint8Array },
    options?: { modalTrigger?: ModalTrigger; streaming?: boolean },
  ): Promise<PostedRef | undefined>;
  edit(ref: PostedRef, message: Message, options?: { streaming?: boolean }): Promise<void>;
}

export interface PluginCommandOptions {
  plugin: string;
  client: ExecutorClient;
  call: ExecuteCall;
  /** Context line shown under the answer, e.g. "`kubectl get pods` on prod". */
  header: string;
  deadlineMs: number;
  /** What the destination takes; long output is fitted to it once, here (see fitForDestination). */
  capabilities: DestinationCapabilities;
  replier: Replier;
  /**
   * Where failures and left-out messages are logged (warn), as the chat reply promises; a child
   * that names the channel (or the action), since the reply only says "the agent log".
   */
  log: Logger;
  /**
   * The message whose button or select gave the command. An answer marked `replaceOriginal`
   * (an interactive builder's next step) replaces it, on platforms that can edit.
   */
  original?: PostedRef;
  /**
   * The click's permission to open a modal: a `form` answer is handed to the pipeline with it,
   * so it opens as a modal (Botkube's PopupMessage) instead of replacing or posting.
   */
  modalTrigger?: ModalTrigger;
  /** Applied to the final answer and its extra messages (the `--filter` flag); never re-runs the command. */
  transform?: (message: Message) => Message;
  /** Streaming edits happen at most this often. */
  editIntervalMs?: number;
  now?: () => number;
  signal?: AbortSignal;
}

export type CommandResult = 'ok' | 'error' | 'timeout' | 'unavailable';

/** Messages one answer may post, the answer itself included (Botkube's limit). */
export const maxMessagesPerAnswer = 15;

/**
 * Runs one command on an executor plugin and delivers the answer: output that
 * streams is shown live by editing one message at most once per interval
 * (platforms that cannot edit get only the final answer); output longer than the
 * platform allows is cut and attached in full as a file; failures get a short
 * reply saying what happened and what to do. Never throws.
 *
 * Extra messages that come with an answer (ExecuteResponse `messages`) are posted
 * after it, in order, each as a new message through the same replier, so the
 * delivery pipeline paces them. They are shaped like the answer: `transform` (the
 * `--filter` flag) applies to each, so a filter narrows everything the command
 * posts, and each is cut and attached as a file when too long. As in Botkube, a
 * `skipMessage` answer or extra is not posted (the answer still is when its live
 * message already shows output), and at most {@link maxMessagesPerAnswer} messages
 * are posted in all; the header goes on the first one posted, and the last one
 * says how many were left out. Extras that are not a JSON api.Message are left out
 * too, said so in the same note, and make the result `error`. A failed command
 * posts only its failure reply. Failures (except cancellation and the plugin's own error,
 * which the reply shows whole) and left-out messages are logged at warn.
 */
export async function runPluginCommand(options: PluginCommandOptions): Promise<CommandResult> {
  const now = options.now ?? Date.now;
  const interval = options.editIntervalMs ?? 1000;
  const live = options.capabilities.edit;
  let text = '';
  let replaced: Message | undefined;
  let posted: PostedRef | undefined;
  // The first live post waits one interval too: quick commands then produce one message, not post + edit.
  let lastEdit = now();
  let pendingEdit: ReturnType<typeof setTimeout> | undefined;
  let editing: Promise<void> = Promise.resolve();

  const shape = (m: Message) => (options.transform ? options.transform(m) : m);
  const current = (): Message => withHeader(shape(replaced ?? codeBlockMessage(text)), options.header);
  const flush = () => {
    pendingEdit = undefined;
    lastEdit = now();
    const snapshot = fitForDestination(current(), options.capabilities, {
      fileName: 'output.txt',
      snapshot: true,
    }).message;
    editing = editing.then(async () => {
      if (posted) await options.replier.edit(posted, snapshot, { streaming: true });
      else posted = await options.replier.post(snapshot, undefined, { streaming: true });
    });
  };
  const scheduleEdit = () => {
    if (!live || pendingEdit) return;
    const wait = Math.max(0, lastEdit + interval - now());
    pendingEdit = setTimeout(flush, wait);
  };

  let result: CommandResult = 'ok';
  // The answer as shaped, without the header: it goes on whichever message is posted first.
  let final: Message;
  let extras: Uint8Array[] = [];
  try {
    for await (const chunk of options.client.executeStreaming(options.call, {
      deadlineMs: options.deadlineMs,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      if (chunk.kind === 'extra') {
        // Not push(...messages): a plugin may send more than a call can take as arguments.
        for (const message of chunk.messages) extras.push(message);
        continue;
      }
      if (chunk.kind === 'output') {
        text += chunk.text;
      } else {
        replaced = parseMessage(chunk.message);
        text = '';
      }
      scheduleEdit();
    }
    final = shape(replaced ?? codeBlockMessage(text === '' ? '(no output)' : text));
  } catch (err) {
    const code = (err as { code?: string }).code;
    result =
      code === 'SB_ERR_PLUGIN_DEADLINE'
        ? 'timeout'
        : code === 'SB_ERR_PLUGIN_UNAVAILABLE' || code === 'SB_ERR_PLUGIN_QUARANTINED'
          ? 'unavailable'
          : 'error';
    final = failureReply(options.plugin, options.call.command, err, options.deadlineMs);
    extras = [];
    logFailure(options, err);
  }
  if (pendingEdit) clearTimeout(pendingEdit);
  await editing;

  const showAnswer = final.type !== 'skipMessage' || posted !== undefined;
  const more = readExtras(extras, shape, maxMessagesPerAnswer - (showAnswer ? 1 : 0));
  if (more.unreadable > 0) result = 'error';
  const note = leftOutNote(more.leftOut, more.unreadable);
  if (note) {
    options.log.warn(
      {
        plugin: options.plugin,
        command: options.call.command,
        messages: extras.length + 1,
        limit: maxMessagesPerAnswer,
        leftOut: more.leftOut,
        unreadable: more.unreadable,
      },
      'command answer had messages that were not posted',
    );
  }
  const plan = [...(showAnswer ? [final] : []), ...more.messages];
  if (plan.length === 0) {
    // Every message was a skipMessage: nothing is sent. Only unreadable ones get a word.
    if (note) await options.replier.post(withHeader(plaintextMessage(note), options.header));
    return result;
  }
  const last = plan.length - 1;
  const decorated = plan.map((m, i) => {
    const headed = i === 0 ? withHeader(m, options.header) : m;
    return i === last && note ? withContext(headed, note) : headed;
  });

  for (const [i, m] of decorated.entries()) {
    const isAnswer = showAnswer && i === 0;
    // The answer's file is output.txt; the n-th extra posted gets output-n.txt.
    const fileName = isAnswer ? 'output.txt' : `output-${showAnswer ? i : i + 1}.txt`;
    const fitted = fitForDestination(m, options.capabilities, { fileName });
    const message = fitted.message;
    const file = fitted.action === 'attach' ? fitted.file : undefined;
    if (!isAnswer) {
      await options.replier.post(message, file);
      continue;
    }
    // A live message already shows this answer; it stays the one place the answer is.
    const original =
      m.replaceOriginal && options.capabilities.edit && !posted && !file ? options.original : undefined;
    // A form with a trigger opens as a modal; a live message or a file keeps it in the channel.
    const modalTrigger = m.type === 'form' && !posted && !file ? options.modalTrigger : undefined;
    if (modalTrigger) await options.replier.post(message, undefined, { modalTrigger });
    else if (original) await options.replier.edit(original, message);
    else if (posted && !file) await options.replier.edit(posted, message);
    else await options.replier.post(message, file);
  }
  return result;
}

/**
 * Logs a failed command for the operator the chat reply sends here. Not a cancellation (someone
 * asked for it), nor the plugin's own error (the reply quotes it whole).
 */
function logFailure(options: PluginCommandOptions, err: unknown): void {
  const code = (err as { code?: string }).code;
  if (code === 'SB_ERR_PLUGIN_CANCELLED' || code === 'SB_ERR_PLUGIN_CALL') return;
  options.log.warn(
    {
      plugin: options.plugin,
      command: options.call.command,
      code: code ?? 'none',
      err: err instanceof Error ? err.message : String(err),
      ...(code === 'SB_ERR_PLUGIN_DEADLINE' ? { deadlineMs: options.deadlineMs } : {}),
    },
    'command failed',
  );
}

/**
 * Reads an answer's extra messages: skipMessage ones are dropped, the others shaped and
 * kept up to `room`; the rest are counted as left out, unparseable ones as unreadable.
 */
function readExtras(
  raw: Uint8Array[],
  shape: (m: Message) => Message,
  room: number,
): { messages: Message[]; leftOut: number; unreadable: number } {
  const messages: Message[] = [];
  let leftOut = 0;
  let unreadable = 0;
  for (const bytes of raw) {
    let message: Message;
    try {
      message = parseMessage(bytes);
    } catch {
      unreadable += 1;
      continue;
    }
    if (message.type === 'skipMessage') continue;
    if (messages.length < room) messages.push(shape(message));
    else leftOut += 1;
  }
  return { messages, leftOut, unreadable };
}

function leftOutNote(leftOut: number, unreadable: number): string | undefined {
  const parts: string[] = [];
  if (leftOut > 0) {
    parts.push(
      `${leftOut} more ${leftOut === 1 ? 'message was' : 'messages were'} not posted: one answer posts at most ${maxMessagesPerAnswer}.`,
    );
  }
  if (unreadable > 0) {
    parts.push(
      `${unreadable} ${unreadable === 1 ? 'message' : 'messages'} from the plugin could not be read (not a JSON api.Message) and ${unreadable === 1 ? 'was' : 'were'} not posted.`,
    );
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function withHeader(message: Message, header: string): Message {
  return withContext(message, header);
}

function withContext(message: Message, text: string): Message {
  return { ...message, sections: [...(message.sections ?? []), { context: [{ text }] }] };
}

/** Builds a replier over a send function (the delivery pipeline's entry). */
export function replierFor(
  address: Address,
  send: (outbound: Outbound) => Promise<PostedRef | undefined>,
): Replier {
  return {
    post: (message, file, options) =>
      send({
        address,
        message,
        ...(file ? { file } : {}),
        ...(options?.modalTrigger ? { modalTrigger: options.modalTrigger } : {}),
        ...(options?.streaming ? { streaming: true } : {}),
      }),
    edit: async (ref, message, options) => {
      await send({ address, message, replaces: ref, ...(options?.streaming ? { streaming: true } : {}) });
    },
  };
}
