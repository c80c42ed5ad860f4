/**
 * The state every part of the emulator shares (workspace, socket, settings, counters), and the one
 * path by which events reach the app: subscription and membership checks, the `event_callback`
 * wrapper, spec checks, then Socket Mode delivery.
 */
import type { MessageLimits } from './block-validation.js';
import type { IdFactory } from './ids.js';
import type { TokenBuckets } from './rate-limiter.js';
import type { ResponseUrls } from './response-urls.js';
import type { Ack, SocketModeServer } from './socket-server.js';
import type { SpecValidator, SpecViolation } from './spec-validation.js';
import type { ChannelRecord, WorkspaceStore } from './store.js';
import type { EmulatorStats, EventSubscription } from './types.js';
import type { TriggerRecord, ViewRecord } from './views.js';

export interface FaultState {
  slowMs: number;
  /** Per method: HTTP statuses still to answer. */
  httpFailures: Map<string, number[]>;
  /** Per method: Slack error codes still to answer. */
  slackErrors: Map<string, string[]>;
}

export interface EmulatorCore {
  readonly store: WorkspaceStore;
  readonly ids: IdFactory;
  readonly socket: SocketModeServer;
  readonly buckets: TokenBuckets;
  readonly responseUrls: ResponseUrls;
  readonly limits: MessageLimits;
  readonly retryAfterSeconds: number;
  readonly echoBotMessages: boolean;
  readonly subscriptions: ReadonlySet<EventSubscription>;
  readonly botToken: string;
  readonly appToken: string;
  readonly verificationToken: string;
  readonly faults: FaultState;
  readonly stats: Omit<
    EmulatorStats,
    'connections' | 'liveConnections' | 'redeliveries' | 'envelopes' | 'acks' | 'expired'
  >;
  readonly validator: SpecValidator | undefined;
  readonly violations: SpecViolation[];
  /** trigger_ids handed out with interactions, by id. */
  readonly triggers: Map<string, TriggerRecord>;
  /** How long a trigger_id may be exchanged for a view (Slack: 3 s). */
  readonly triggerLifetimeMs: number;
  /** Views opened with views.open, by view id. */
  readonly views: Map<string, ViewRecord>;
  /** `http://127.0.0.1:<port>/` once listening. */
  baseUrl: string;
}

export type ChannelType = 'channel' | 'group' | 'im';

export function channelType(channel: ChannelRecord): ChannelType {
  return channel.kind === 'public' ? 'channel' : channel.kind === 'private' ? 'group' : 'im';
}

/** Whether the app hears `message` events from this channel (its message.* subscription and membership). */
export function hearsMessages(core: EmulatorCore, channel: ChannelRecord): boolean {
  if (!channel.members.has(core.store.botUserId)) return false;
  const subscription = ({ public: 'message.channels', private: 'message.groups', im: 'message.im' } as const)[
    channel.kind
  ];
  return core.subscriptions.has(subscription);
}

/** Wraps `event` as Slack's `event_callback` and delivers it as an `events_api` envelope. */
export function emitEvent(core: EmulatorCore, event: Record<string, unknown>): Promise<Ack> {
  const { store } = core;
  const eventTs = typeof event.event_ts === 'string' ? event.event_ts : core.ids.ts();
  const payload: Record<string, unknown> = {
    token: core.verificationToken,
    team_id: store.teamId,
    context_team_id: store.teamId,
    context_enterprise_id: null,
    api_app_id: store.appId,
    event: { ...event, event_ts: eventTs },
    type: 'event_callback',
    event_id: core.ids.eventId(),
    event_time: Number.parseInt(eventTs.split('.')[0] ?? '0', 10),
    authorizations: [
      {
        enterprise_id: null,
        team_id: store.teamId,
        user_id: store.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-emu-${core.ids.shortId()}`,
  };
  if (core.validator) {
    const problems = core.validator.checkEvent(payload);
    if (problems.length > 0) core.violations.push({ kind: 'event', subject: String(event.type), problems });
  }
  return core.socket.deliver('events_api', payload);
}
