/**
 * response_url: the per-interaction URL an app POSTs JSON to (bolt's `respond()`). Usable 5 times
 * within 30 minutes; `replace_original` edits the message the user clicked, `delete_original`
 * removes it, otherwise a new message goes to the channel (`response_type: in_channel`) or, by
 * default, ephemerally to the user.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { SlackApiError } from './web-api/api-error.js';
import { flag, optionalString } from './web-api/args.js';
import { deleteBotMessage, editBotMessage, postBotMessage, readContent } from './web-api/methods-chat.js';
import type { HttpAnswer } from './web-api/router.js';

export interface ResponseTarget {
  channel: string;
  messageTs: string;
  user: string;
}

interface Entry {
  target: ResponseTarget;
  uses: number;
  expiresAt: number;
}

const MAX_USES = 5;
const LIFETIME_MS = 30 * 60 * 1000;

export class ResponseUrls {
  private readonly entries = new Map<string, Entry>();
  private counter = 0;

  create(core: EmulatorCore, target: ResponseTarget): string {
    const key = randomUUID().replaceAll('-', '');
    this.entries.set(key, { target, uses: 0, expiresAt: Date.now() + LIFETIME_MS });
    this.counter += 1;
    return new URL(`actions/${core.store.teamId}/${this.counter}/${key}`, core.baseUrl).toString();
  }

  /** Handles a POST to the response_url with this key. */
  answer(core: EmulatorCore, key: string, raw: Buffer): HttpAnswer {
    core.stats.responseUrlPosts += 1;
    const entry = this.entries.get(key);
    if (!entry || Date.now() > entry.expiresAt) return reply(404, { ok: false, error: 'expired_url' });
    if (entry.uses >= MAX_USES) return reply(404, { ok: false, error: 'used_url' });
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return reply(400, { ok: false, error: 'invalid_payload' });
    }
    entry.uses += 1;
    try {
      apply(core, entry.target, body);
    } catch (error) {
      if (error instanceof SlackApiError) return reply(400, { ok: false, error: error.code, ...error.extra });
      throw error;
    }
    return reply(200, { ok: true });
  }
}

function apply(core: EmulatorCore, target: ResponseTarget, body: Record<string, unknown>): void {
  const channel = core.store.channel(target.channel);
  if (!channel) throw new SlackApiError('channel_not_found');
  const original = core.store.message(target.channel, target.messageTs);
  if (flag(body, 'delete_original')) {
    if (!original) throw new SlackApiError('message_not_found');
    deleteBotMessage(core, channel, original);
    return;
  }
  const content = readContent(core, body);
  if (flag(body, 'replace_original')) {
    if (!original) throw new SlackApiError('message_not_found');
    editBotMessage(core, channel, original, content);
    return;
  }
  const threadTs = optionalString(body, 'thread_ts') ?? original?.threadTs;
  const inChannel = optionalString(body, 'response_type') === 'in_channel';
  postBotMessage(core, channel, content, {
    ...(threadTs ? { threadTs } : {}),
    ...(inChannel ? {} : { ephemeralTo: target.user }),
  });
}

function reply(status: number, body: Record<string, unknown>): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}
