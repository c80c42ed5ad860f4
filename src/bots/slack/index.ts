/**
 * The Slack platform (`socketSlack`): a Bot over Socket Mode. Commands come from mentions in
 * configured channels (and their threads), from direct messages when enabled, and from clicks
 * on the bot's buttons and selects; answers are Block Kit messages within Slack's limits,
 * edited in place while output streams, ephemeral when a plugin asks, and files when long.
 */

import type { BotStatus } from '../../core/bot-status.js';
import type { InboundCommand } from '../../core/inbound-command.js';
import { DeliveryError } from '../../delivery/delivery-error.js';
import type {
  DestinationCapabilities,
  Outbound,
  PacingPolicy,
  PostedRef,
} from '../../delivery/destination.js';
import type { Logger } from '../../log/logger.js';
import type { Bot } from '../bot.js';
import { BoundedMap } from './bounded-map.js';
import { ChannelDirectory, looksLikeChannelId } from './channel-directory.js';
import type { SocketSlack } from './config.js';
import { createSlackDeliverer } from './deliver.js';
import { commandFromInteraction, commandFromMessage, type InboundContext } from './inbound.js';
import { type BlockActionLike, commandFromAction, interactionState } from './interaction.js';
import { slackCapabilities } from './limits.js';
import { slackMentionPattern } from './mention.js';
import { readFormTarget } from './modal.js';
import { createModalOpener } from './open-modal.js';
import {
  type BlockActionsBody,
  type SlackIdentity,
  SlackTransport,
  type ViewSubmissionBody,
} from './transport.js';
import { UserDirectory } from './user-directory.js';
import { slackErrorCode } from './web-errors.js';

export interface SlackBotOptions {
  /** The destination ID, `<group>/socketSlack`. */
  id: string;
  settings: SocketSlack;
  logger: Logger;
  /** How long the first Socket Mode connection may take. Default 30 s. */
  connectTimeoutMs?: number;
}

/** Creates the Slack bot of one communication group; nothing connects until start(). */
export function createSlackBot(options: SlackBotOptions): Bot {
  return new SlackBot(options);
}

/** Element references kept for decoding clicks (see action-codec.ts). */
const keptRefs = 5000;
/** Recent event and click keys, to drop Slack's redeliveries. */
const keptKeys = 2000;

class SlackBot implements Bot {
  readonly id: string;
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = slackCapabilities;
  /** Slack's chat.postMessage budget: about one message per second per channel, short bursts allowed. */
  readonly pacing: PacingPolicy = { ratePerSecond: 1, burst: 3 };

  readonly #options: SlackBotOptions;
  readonly #log: Logger;
  readonly #transport: SlackTransport;
  readonly #refs = new BoundedMap<string, string>(keptRefs);
  readonly #recent = new BoundedMap<string, true>(keptKeys);
  #channels: ChannelDirectory | undefined;
  #identity: SlackIdentity | undefined;
  #inbound: InboundContext | undefined;
  #deliver: ((outbound: Outbound) => Promise<PostedRef | undefined>) | undefined;
  #openModal: ((outbound: Outbound) => Promise<PostedRef | undefined>) | undefined;
  #onCommand: ((command: InboundCommand) => void) | undefined;

  constructor(options: SlackBotOptions) {
    this.id = options.id;
    this.#options = options;
    this.#log = options.logger.child({ component: 'slack', bot: options.id });
    const [group] = options.id.split('/');
    this.#transport = new SlackTransport({
      settings: options.settings,
      configPath: `communications.${group}.socketSlack`,
      logger: this.#log,
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      handlers: {
        message: (event) =>
          this.#dispatch(`m:${event.channel}:${event.ts}`, () => commandFromMessage(event, this.#context())),
        action: (body, action) => this.#action(body, action, Date.now()),
        viewSubmission: (body) => this.#viewSubmission(body),
        channelRenamed: (id, name) => {
          this.#channels?.renamed(id, name);
          const ref = this.#channels?.configuredRef(id);
          if (ref !== undefined && ref !== name && !looksLikeChannelId(ref)) {
            this.#log.warn(
              { channel: ref, newName: name },
              'a configured Slack channel was renamed; update the config',
            );
          }
        },
      },
    });
  }

  async start(onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#onCommand = onCommand;
    const { settings } = this.#options;
    const identity = await this.#transport.authenticate();
    this.#identity = identity;
    const lookup = this.#transport.lookupClient;
    const client = this.#transport.client;
    if (!lookup || !client) throw new Error('the Slack transport did not create its clients');

    const channels = new ChannelDirectory({
      list: async () => {
        const found: { id: string; name: string }[] = [];
        for await (const page of lookup.paginate('conversations.list', {
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1000,
        })) {
          for (const c of (page as { channels?: { id?: string; name?: string }[] }).channels ?? []) {
            if (c.id && c.name) found.push({ id: c.id, name: c.name });
          }
        }
        return found;
      },
    });
    try {
      await channels.resolveConfigured(Object.values(settings.channels).map((c) => c.name));
    } catch (err) {
      this.#transport.markFailed((err as Error).message);
      await this.#transport.stop();
      throw err;
    }
    this.#channels = channels;
    const users = new UserDirectory({
      fetch: async (user) => {
        const info = await lookup.users.info({ user });
        const u = info.user;
        return u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name || user;
      },
      onError: (user, err) =>
        this.#log.debug(
          { user, err: slackErrorCode(err) ?? (err as Error).message },
          'Slack user name unavailable',
        ),
    });
    const direct = settings.directMessages;
    this.#inbound = {
      botId: this.id,
      channels,
      users,
      ...(identity.url ? { workspaceUrl: identity.url } : {}),
      ...(direct.enabled
        ? { directChannelRef: settings.channels[direct.channel]?.name ?? direct.channel }
        : {}),
    };
    const delivery = {
      client,
      channels,
      renderContext: () => ({ botMention: `<@${identity.userId}>`, botName: `@${identity.userName}` }),
      remember: (refs: ReadonlyMap<string, string>) => {
        for (const [token, text] of refs) this.#refs.set(token, text);
      },
      logger: this.#log,
    };
    this.#deliver = createSlackDeliverer(delivery);
    this.#openModal = createModalOpener(delivery);
    await this.#transport.connect();
    this.#log.info(
      { team: identity.teamId, botUser: identity.userId, channels: Object.keys(settings.channels).length },
      'Slack bot connected',
    );
  }

  async stop(): Promise<void> {
    await this.#transport.stop();
  }

  status(): BotStatus {
    return this.#transport.status();
  }

  mentionPattern(): RegExp {
    const userId = this.#identity?.userId;
    // Before start nothing can be addressed to the bot.
    if (!userId) return /^(?!)/;
    return new RegExp(`^${slackMentionPattern(userId).source}`, 'i');
  }

  async deliver(outbound: Outbound): Promise<PostedRef | undefined> {
    if (!this.#deliver) {
      throw new DeliveryError(`${this.id} is not connected`, { reason: 'unavailable', retryable: true });
    }
    return this.#deliver(outbound);
  }

  async openModal(outbound: Outbound): Promise<PostedRef | undefined> {
    return this.#openModal?.(outbound);
  }

  #context(): InboundContext {
    if (!this.#inbound) throw new Error('event before start');
    return this.#inbound;
  }

  /** Hands a command to the agent once; Slack redelivers events it thinks were not acknowledged. */
  #dispatch(key: string, command: () => Promise<InboundCommand | undefined>): void {
    if (this.#recent.seen(key, true)) {
      this.#log.debug({ key }, 'repeated Slack event ignored');
      return;
    }
    command()
      .then((c) => {
        if (!c) return;
        if (c.origin === 'typed' && !c.replyChannelId && !this.mentionPattern().test(c.text.trimStart())) {
          // In channels only text that starts with the mention is a command.
          this.#log.debug({ channel: c.channel.id }, 'mention not at the start ignored');
          return;
        }
        this.#onCommand?.(c);
      })
      .catch((err: unknown) =>
        this.#log.warn({ err: (err as Error).message }, 'Slack event could not be handled'),
      );
  }

  /** `receivedAt`: when the click arrived, the start of its trigger's few seconds. */
  #action(body: BlockActionsBody, action: BlockActionLike, receivedAt: number): void {
    const lookup = (ref: string) => this.#refs.get(ref);
    const mapped = commandFromAction(action, lookup);
    if (mapped.kind === 'ignore') return;
    if (mapped.kind === 'expired') {
      this.#log.warn(
        { user: body.user.id, action: action.action_id },
        'a Slack element from before a restart was used; post the message again',
      );
      return;
    }
    // A button inside one of the bot's forms runs where the form was asked for.
    const form = body.view ? readFormTarget(body.view.private_metadata) : undefined;
    const channelId = body.channel?.id ?? body.container?.channel_id ?? form?.channel;
    if (!channelId) return;
    const threadTs = body.message?.thread_ts ?? form?.thread;
    const state = interactionState(body.state, `<@${this.#identity?.userId}>`, lookup);
    const actionTs = (action as { action_ts?: string }).action_ts ?? '';
    this.#dispatch(
      `a:${body.container?.message_ts ?? ''}:${action.action_id}:${actionTs}:${body.user.id}`,
      () =>
        commandFromInteraction(
          {
            channelId,
            userId: body.user.id,
            text: mapped.text,
            origin: mapped.origin,
            ...(threadTs ? { threadTs } : {}),
            ...(state ? { state } : {}),
            ...(body.trigger_id ? { modalTrigger: { id: body.trigger_id, receivedAt } } : {}),
            // chat.update cannot touch an ephemeral message; an answer to one is posted anew.
            ...(body.container?.message_ts && !body.container.is_ephemeral
              ? { messageTs: body.container.message_ts }
              : {}),
          },
          this.#context(),
        ),
    );
  }

  /**
   * A submitted form (Botkube's view_submission handling): each value filled in becomes the
   * command its element stands for, exactly as a click on it in a channel would, and runs as the
   * person who submitted it in the conversation named by the view's private_metadata.
   */
  #viewSubmission(body: ViewSubmissionBody): void {
    const target = readFormTarget(body.view.private_metadata);
    const served =
      target &&
      (this.#channels?.configuredRef(target.channel) !== undefined ||
        (target.channel.startsWith('D') && this.#inbound?.directChannelRef !== undefined));
    if (!target || !served) {
      this.#log.warn(
        { user: body.user.id, view: body.view.id, channel: target?.channel },
        target
          ? 'a submitted Slack form names a channel this bot does not serve; ignored'
          : 'a submitted Slack form has unreadable private_metadata; ignored',
      );
      return;
    }
    const lookup = (ref: string) => this.#refs.get(ref);
    const values = body.view.state?.values ?? {};
    const state = interactionState({ values }, `<@${this.#identity?.userId}>`, lookup);
    for (const [blockId, actions] of Object.entries(values)) {
      for (const [actionId, value] of Object.entries(actions)) {
        const action = { ...value, action_id: actionId, block_id: blockId } as BlockActionLike;
        // Fields left empty run nothing (inputs in the form are optional).
        if (action.type === 'plain_text_input' && !action.value?.trim()) continue;
        if (action.type === 'multi_static_select' && !action.selected_options?.length) continue;
        const mapped = commandFromAction(action, lookup);
        if (mapped.kind === 'expired') {
          this.#log.warn(
            { user: body.user.id, action: actionId },
            'a Slack form from before a restart was submitted; ask for it again',
          );
          continue;
        }
        if (mapped.kind === 'ignore') continue;
        this.#dispatch(`v:${body.view.id ?? ''}:${blockId}:${actionId}:${body.user.id}`, () =>
          commandFromInteraction(
            {
              channelId: target.channel,
              userId: body.user.id,
              text: mapped.text,
              origin: mapped.origin,
              ...(target.thread ? { threadTs: target.thread } : {}),
              ...(state ? { state } : {}),
            },
            this.#context(),
          ),
        );
      }
    }
  }
}
