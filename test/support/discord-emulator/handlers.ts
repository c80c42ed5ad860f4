/**
 * What each REST route does to the emulated Discord's state. Interaction callbacks follow the
 * documented rules: within 3 s of the interaction or 10062, once only or 40060; webhook routes
 * work for 15 minutes after an acknowledgement, and not before it (10015).
 */
import type { APIEmbed, APIMessageTopLevelComponent } from 'discord-api-types/v10';
import { apiChannel, apiMessage, apiUser, type EmuMessage } from './payloads.js';
import { RestError, type RestReply, type RestRequest } from './rest.js';
import type { DiscordState, EmuInteraction } from './state.js';

export interface HandlerOptions {
  state: DiscordState;
  gatewayUrl(): string;
  /** A message the bot posted: echoed to the gateway as MESSAGE_CREATE. */
  echo(message: EmuMessage): void;
  /** Channel IDs that answer 404 10003 (a deleted channel). */
  missingChannels: ReadonlySet<string>;
  ackDeadlineMs: number;
}

const tokenLifetimeMs = 15 * 60 * 1000;

export function createHandlers(options: HandlerOptions) {
  const { state } = options;
  const users = state.users;

  const channel = (id: string) => {
    const found = state.channels.get(id);
    if (!found || options.missingChannels.has(id)) throw new RestError(404, 10003, 'Unknown Channel');
    return found;
  };
  const message = (channelId: string, id: string) => {
    const found = state.messages.get(id);
    if (!found || found.deleted || found.channelId !== channelId)
      throw new RestError(404, 10008, 'Unknown Message');
    return found;
  };
  const ok = (body: unknown): RestReply => ({ status: 200, body });
  const messageFields = (body: Record<string, unknown>) => ({
    content: body.content as string | undefined,
    embeds: body.embeds as APIEmbed[] | undefined,
    components: body.components as APIMessageTopLevelComponent[] | undefined,
  });

  /** The interaction of a webhook route, once acknowledged and while its token lives. */
  const webhookInteraction = (req: RestRequest): EmuInteraction => {
    const found = [...state.interactions.values()].find((i) => i.token === req.params.webhook_token);
    if (!found || req.params.webhook_id !== state.applicationId || found.ackType === undefined) {
      throw new RestError(404, 10015, 'Unknown Webhook');
    }
    if (Date.now() - found.createdAt > tokenLifetimeMs)
      throw new RestError(401, 50027, 'Invalid Webhook Token');
    return found;
  };

  function callback(req: RestRequest): RestReply {
    const interaction = state.interactions.get(req.params.interaction_id ?? '');
    if (!interaction || interaction.token !== req.params.interaction_token)
      throw new RestError(404, 10062, 'Unknown interaction');
    const after = Date.now() - interaction.createdAt;
    if (interaction.ackType !== undefined)
      throw new RestError(400, 40060, 'Interaction has already been acknowledged.');
    if (after > options.ackDeadlineMs) throw new RestError(404, 10062, 'Unknown interaction');
    const type = Number(req.body.type);
    const data = (req.body.data ?? {}) as Record<string, unknown>;
    interaction.ackType = type;
    interaction.ackAfterMs = after;
    const flags = Number(data.flags ?? 0);
    if (type === 4 || type === 5) {
      const reply = state.createMessage({
        channelId: interaction.channelId,
        authorId: state.bot.id,
        ...messageFields(data),
        attachments: req.files,
        flags: type === 5 ? flags | 128 : flags,
        interactionId: interaction.id,
        ...((flags & 64) !== 0 ? { ephemeralFor: interaction.userId } : {}),
      });
      interaction.originalId = reply.id;
      if ((flags & 64) === 0) options.echo(reply);
    } else if (type === 6 || type === 7) {
      if (!interaction.messageId)
        throw new RestError(400, 40004, 'Interaction callback type not allowed for this interaction');
      interaction.originalId = interaction.messageId;
      const clicked = state.messages.get(interaction.messageId);
      if (type === 7 && clicked) state.editMessage(clicked, messageFields(data));
    } else {
      throw new RestError(400, 50035, 'Invalid Form Body', {
        type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: `Value must be one of (4, 5, 6, 7).` }] },
      });
    }
    const original = interaction.originalId ? state.messages.get(interaction.originalId) : undefined;
    if (req.query.get('with_response') === 'true') {
      return ok({
        interaction: {
          id: interaction.id,
          type: interaction.type,
          response_message_id: original?.id ?? null,
          response_message_loading: type === 5,
          response_message_ephemeral: (flags & 64) !== 0,
        },
        ...(original ? { resource: { type, message: apiMessage(original, users) } } : {}),
      });
    }
    return { status: 204 };
  }

  function webhookMessage(req: RestRequest): RestReply {
    const interaction = webhookInteraction(req);
    const id = req.params.message_id ?? interaction.originalId ?? '';
    if (req.route.endsWith('@original') && !interaction.originalId)
      throw new RestError(404, 10008, 'Unknown Message');
    const target = message(interaction.channelId, id);
    if (req.method === 'GET') return ok(apiMessage(target, users));
    if (req.method === 'DELETE') {
      target.deleted = true;
      return { status: 204 };
    }
    state.editMessage(target, messageFields(req.body), req.files);
    return ok(apiMessage(target, users));
  }

  function followUp(req: RestRequest): RestReply {
    const interaction = webhookInteraction(req);
    const flags = Number(req.body.flags ?? 0);
    const posted = state.createMessage({
      channelId: interaction.channelId,
      authorId: state.bot.id,
      ...messageFields(req.body),
      attachments: req.files,
      flags,
      interactionId: interaction.id,
      ...((flags & 64) !== 0 ? { ephemeralFor: interaction.userId } : {}),
    });
    if ((flags & 64) === 0) options.echo(posted);
    return req.query.get('wait') === 'true' ? ok(apiMessage(posted, users)) : { status: 204 };
  }

  return function handle(req: RestRequest): RestReply {
    const p = req.params;
    switch (`${req.method} ${req.route}`) {
      case 'GET /gateway/bot':
        return ok({
          url: options.gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        });
      case 'GET /users/@me':
        return ok({
          ...apiUser(state.bot),
          bot: true,
          mfa_enabled: false,
          locale: 'en-US',
          verified: true,
          email: null,
          premium_type: 0,
        });
      case 'GET /users/{user_id}': {
        const user = users.get(p.user_id ?? '');
        if (!user) throw new RestError(404, 10013, 'Unknown User');
        return ok(apiUser(user));
      }
      case 'POST /users/@me/channels': {
        const recipient = String(req.body.recipient_id ?? '');
        if (!users.has(recipient)) throw new RestError(400, 50007, 'Cannot send messages to this user');
        return ok(apiChannel(state.dmChannel(recipient), users));
      }
      case 'GET /channels/{channel_id}':
        return ok(apiChannel(channel(p.channel_id ?? ''), users));
      case 'GET /channels/{channel_id}/messages':
        return ok(
          state
            .channelMessages(channel(p.channel_id ?? '').id)
            .filter((m) => !m.ephemeralFor)
            .reverse()
            .map((m) => apiMessage(m, users)),
        );
      case 'POST /channels/{channel_id}/messages': {
        const target = channel(p.channel_id ?? '');
        const reference = (req.body.message_reference as { message_id?: string } | undefined)?.message_id;
        const posted = state.createMessage({
          channelId: target.id,
          authorId: state.bot.id,
          ...messageFields(req.body),
          attachments: req.files,
          flags: Number(req.body.flags ?? 0),
          ...(reference ? { referencedMessageId: reference } : {}),
        });
        options.echo(posted);
        return ok(apiMessage(posted, users));
      }
      case 'GET /channels/{channel_id}/messages/{message_id}':
        return ok(apiMessage(message(channel(p.channel_id ?? '').id, p.message_id ?? ''), users));
      case 'PATCH /channels/{channel_id}/messages/{message_id}': {
        const target = message(channel(p.channel_id ?? '').id, p.message_id ?? '');
        if (target.authorId !== state.bot.id)
          throw new RestError(403, 50005, 'Cannot edit a message authored by another user');
        state.editMessage(target, messageFields(req.body), req.files);
        return ok(apiMessage(target, users));
      }
      case 'DELETE /channels/{channel_id}/messages/{message_id}':
        message(channel(p.channel_id ?? '').id, p.message_id ?? '').deleted = true;
        return { status: 204 };
      case 'PUT /applications/{application_id}/guilds/{guild_id}/commands': {
        if (p.application_id !== state.applicationId) throw new RestError(403, 50001, 'Missing Access');
        if (p.guild_id !== state.guildId) throw new RestError(404, 10004, 'Unknown Guild');
        const registered = ((req.body as unknown as Record<string, unknown>[]) ?? []).map((c) => ({
          id: state.ids.next(),
          application_id: state.applicationId,
          version: state.ids.next(),
          default_member_permissions: null,
          type: 1,
          guild_id: state.guildId,
          dm_permission: true,
          nsfw: false,
          ...c,
        }));
        state.commands.set(state.guildId, registered);
        return ok(registered);
      }
      case 'GET /applications/{application_id}/guilds/{guild_id}/commands':
        return ok(state.commands.get(p.guild_id ?? '') ?? []);
      case 'POST /interactions/{interaction_id}/{interaction_token}/callback':
        return callback(req);
      case 'POST /webhooks/{webhook_id}/{webhook_token}':
        return followUp(req);
      case 'GET /webhooks/{webhook_id}/{webhook_token}/messages/@original':
      case 'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original':
      case 'DELETE /webhooks/{webhook_id}/{webhook_token}/messages/@original':
      case 'GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}':
      case 'PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}':
      case 'DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}':
        return webhookMessage(req);
      default:
        throw new RestError(405, 0, '405: Method Not Allowed');
    }
  };
}
