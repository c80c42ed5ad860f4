/**
 * A person using a bot message's interactive elements: button clicks, select choices and typed
 * input become `interactive` envelopes carrying block_actions payloads shaped as Slack sends them
 * (user, channel, container, the message with its blocks, state.values, response_url, and a
 * trigger_id that views.open accepts once, within the trigger lifetime).
 */
import type { BlockAction } from '@slack/bolt';
import { interactiveElements } from './block-ids.js';
import { isObject } from './block-validation.js';
import type { EmulatorCore } from './core.js';
import { messageObject } from './payloads.js';
import type { ChannelRecord, MessageRecord, UserRecord } from './store.js';
import { issueTrigger } from './views.js';

type Json = Record<string, unknown>;

export interface Target {
  user: string;
  channel: string;
  messageTs: string;
  actionId?: string;
}

interface Located {
  user: UserRecord;
  channel: ChannelRecord;
  message: MessageRecord;
}

interface Placed {
  blockId: string;
  element: Json;
  block: Json;
}

export async function clickButton(core: EmulatorCore, target: Target & { text?: string }): Promise<void> {
  const where = 'clickButton';
  const located = locate(core, target, where);
  const buttons = placedElements(located.message).filter((p) => p.element.type === 'button');
  const chosen = pick(
    buttons,
    target.actionId,
    target.text,
    where,
    (p) => `${p.element.action_id} ("${label(p.element)}")`,
  );
  const { element } = chosen;
  const action: Json = {
    type: 'button',
    block_id: chosen.blockId,
    action_id: element.action_id,
    text: element.text,
  };
  for (const key of ['value', 'style', 'url'] as const)
    if (element[key] !== undefined) action[key] = element[key];
  await dispatch(core, located, action);
}

export async function selectOption(core: EmulatorCore, target: Target & { values: string[] }): Promise<void> {
  const where = 'selectOption';
  const located = locate(core, target, where);
  const selects = placedElements(located.message).filter(
    (p) => p.element.type === 'static_select' || p.element.type === 'multi_static_select',
  );
  const chosen = pick(selects, target.actionId, undefined, where, (p) => String(p.element.action_id));
  const { element } = chosen;
  const options = optionsOf(element);
  const selected = target.values.map((value) => {
    const option = options.find((o) => o.value === value);
    if (!option) {
      throw new Error(
        `${where}: ${JSON.stringify(value)} is not an option of ${String(element.action_id)}; options: ${options.map((o) => JSON.stringify(o.value)).join(', ')}`,
      );
    }
    return option;
  });
  const multi = element.type === 'multi_static_select';
  if (!multi && selected.length !== 1) {
    throw new Error(`${where}: a static_select takes exactly one value, got ${selected.length}`);
  }
  const value = multi ? { selected_options: selected } : { selected_option: selected[0] };
  setState(located.message, chosen, { type: element.type, ...value });
  const action: Json = {
    type: element.type,
    block_id: chosen.blockId,
    action_id: element.action_id,
    ...value,
  };
  if (element.placeholder !== undefined) action.placeholder = element.placeholder;
  await dispatch(core, located, action);
}

export async function typeInput(core: EmulatorCore, target: Target & { value: string }): Promise<void> {
  const where = 'typeInput';
  const located = locate(core, target, where);
  const inputs = placedElements(located.message).filter((p) => p.element.type === 'plain_text_input');
  const chosen = pick(inputs, target.actionId, undefined, where, (p) => String(p.element.action_id));
  setState(located.message, chosen, { type: 'plain_text_input', value: target.value });
  // Slack sends nothing for an input until the block asks for it with dispatch_action.
  if (chosen.block.dispatch_action !== true) return;
  await dispatch(core, located, {
    type: 'plain_text_input',
    block_id: chosen.blockId,
    action_id: chosen.element.action_id,
    value: target.value,
  });
}

function locate(core: EmulatorCore, target: Target, where: string): Located {
  const user = core.store.requireUser(target.user, where);
  const channel = core.store.requireChannel(target.channel, where);
  const message = core.store.message(channel.id, target.messageTs);
  if (!message) throw new Error(`${where}: no message ${target.messageTs} in ${channel.id}`);
  if (message.user !== core.store.botUserId)
    throw new Error(`${where}: message ${target.messageTs} is not the bot's`);
  if (message.ephemeralTo && message.ephemeralTo !== user.id) {
    throw new Error(
      `${where}: message ${target.messageTs} is ephemeral to ${message.ephemeralTo}, not ${user.id}`,
    );
  }
  return { user, channel, message };
}

function placedElements(message: MessageRecord): Placed[] {
  return (message.blocks ?? []).flatMap((block) =>
    interactiveElements(block).map((element) => ({ blockId: String(block.block_id), element, block })),
  );
}

function pick(
  candidates: Placed[],
  actionId: string | undefined,
  text: string | undefined,
  where: string,
  describe: (p: Placed) => string,
): Placed {
  const available = candidates.map(describe).join(', ') || 'none';
  if (actionId === undefined && text === undefined && candidates.length !== 1) {
    throw new Error(
      `${where}: the message has ${candidates.length} candidates (${available}); pass actionId`,
    );
  }
  const matches = candidates.filter(
    (p) =>
      (actionId === undefined || p.element.action_id === actionId) &&
      (text === undefined || label(p.element) === text),
  );
  if (matches.length !== 1) {
    const wanted = [
      actionId && `actionId ${JSON.stringify(actionId)}`,
      text && `text ${JSON.stringify(text)}`,
    ]
      .filter(Boolean)
      .join(' and ');
    throw new Error(
      `${where}: ${matches.length === 0 ? 'nothing matches' : 'several match'} ${wanted}; available: ${available}`,
    );
  }
  return matches[0] as Placed;
}

function label(element: Json): string | undefined {
  return isObject(element.text) && typeof element.text.text === 'string' ? element.text.text : undefined;
}

function optionsOf(element: Json): { value: string; [key: string]: unknown }[] {
  const direct = Array.isArray(element.options) ? element.options : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.flatMap((g) => (isObject(g) && Array.isArray(g.options) ? g.options : []))
    : [];
  return [...direct, ...grouped].filter(isObject) as { value: string }[];
}

function setState(message: MessageRecord, placed: Placed, value: Json): void {
  const block = message.state.get(placed.blockId) ?? new Map<string, Json>();
  block.set(String(placed.element.action_id), value);
  message.state.set(placed.blockId, block);
}

/** state.values: every stateful element with its initial value, overlaid with what the user chose. */
function stateValues(message: MessageRecord): Record<string, Record<string, Json>> {
  const values: Record<string, Record<string, Json>> = {};
  for (const placed of placedElements(message)) {
    const { element } = placed;
    const actionId = String(element.action_id);
    let initial: Json | undefined;
    if (element.type === 'static_select')
      initial = { type: element.type, selected_option: element.initial_option ?? null };
    if (element.type === 'multi_static_select')
      initial = { type: element.type, selected_options: element.initial_options ?? [] };
    if (element.type === 'plain_text_input')
      initial = { type: element.type, value: element.initial_value ?? null };
    const chosen = message.state.get(placed.blockId)?.get(actionId);
    if (!initial && !chosen) continue;
    values[placed.blockId] = { ...values[placed.blockId], [actionId]: (chosen ?? initial) as Json };
  }
  return values;
}

async function dispatch(core: EmulatorCore, located: Located, action: Json): Promise<void> {
  const { store } = core;
  const { user, channel, message } = located;
  const ephemeral = message.ephemeralTo !== undefined;
  const payload: BlockAction = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: store.teamId },
    api_app_id: store.appId,
    token: core.verificationToken,
    container: { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: ephemeral },
    trigger_id: issueTrigger(core, user.id),
    team: { id: store.teamId, domain: store.teamDomain },
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.kind === 'im' ? 'directmessage' : channel.name },
    state: { values: stateValues(message) as unknown as NonNullable<BlockAction['state']>['values'] },
    response_url: core.responseUrls.create(core, {
      channel: channel.id,
      messageTs: message.ts,
      user: user.id,
    }),
    actions: [{ ...action, action_ts: core.ids.ts() } as unknown as BlockAction['actions'][number]],
  };
  // Slack omits the message of an ephemeral one (the app never saw it stored).
  if (!ephemeral) payload.message = messageObject(store, message) as NonNullable<BlockAction['message']>;
  await core.socket.deliver('interactive', { ...payload, enterprise: null });
}
