/**
 * Modals: the trigger_ids that interactions hand out (single use, valid `triggerLifetimeMs`),
 * the views an app opens with them (`views.open`, checked as Slack checks a modal), and a person
 * submitting an open view, which reaches the app as a `view_submission` interactive envelope.
 */
import { validateBlocks } from './block-validation.js';
import type { EmulatorCore } from './core.js';
import { SlackApiError } from './web-api/api-error.js';

type Json = Record<string, unknown>;

export interface TriggerRecord {
  user: string;
  issuedAt: number;
  /** The view it was exchanged for; a trigger opens one view only. */
  viewId?: string;
}

export interface ViewRecord {
  id: string;
  user: string;
  /** The view as the app sent it, plus Slack's fields (id, team_id, state, hash…). */
  view: Json;
  open: boolean;
}

/** Slack's modal limits (docs.slack.dev, "Modals" and the view object). */
const MODAL = { blocks: 100, title: 24, privateMetadata: 3000, callbackId: 255, externalId: 255 } as const;

/** A new trigger_id for an interaction by `user`. */
export function issueTrigger(core: EmulatorCore, user: string): string {
  const id = core.ids.triggerId();
  core.triggers.set(id, { user, issuedAt: Date.now() });
  return id;
}

/** views.open: exchanges a trigger for a modal shown to the trigger's user. */
export function openView(core: EmulatorCore, triggerId: string, view: unknown): Json {
  const trigger = core.triggers.get(triggerId);
  if (!trigger) throw new SlackApiError('invalid_trigger_id');
  if (trigger.viewId) throw new SlackApiError('exchanged_trigger_id');
  if (Date.now() - trigger.issuedAt > core.triggerLifetimeMs) throw new SlackApiError('expired_trigger_id');
  const problems = checkView(core, view);
  if (problems.length > 0) {
    throw SlackApiError.withMessages('invalid_arguments', problems);
  }
  const id = core.ids.next('V');
  trigger.viewId = id;
  const sent = view as Json;
  const stored: Json = {
    id,
    team_id: core.store.teamId,
    type: 'modal',
    blocks: sent.blocks,
    private_metadata: sent.private_metadata ?? '',
    callback_id: sent.callback_id ?? '',
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${id}`,
    title: sent.title,
    clear_on_close: sent.clear_on_close === true,
    notify_on_close: sent.notify_on_close === true,
    close: sent.close ?? null,
    submit: sent.submit ?? null,
    previous_view_id: null,
    root_view_id: id,
    app_id: core.store.appId,
    external_id: sent.external_id ?? '',
    app_installed_team_id: core.store.teamId,
    bot_id: core.store.botId,
  };
  core.views.set(id, { id, user: trigger.user, view: stored, open: true });
  return { view: stored };
}

/**
 * Everything Slack would reject in a modal view, as `[json-pointer]` messages: type modal,
 * title plain_text ≤ 24, submit/close plain_text ≤ 24 (submit required with input blocks),
 * ≤ 100 valid blocks, private_metadata ≤ 3,000, callback_id ≤ 255.
 */
export function checkView(core: EmulatorCore, view: unknown): string[] {
  if (typeof view !== 'object' || view === null || Array.isArray(view)) {
    return ['view must be an object [json-pointer:/view]'];
  }
  const v = view as Json;
  const problems: string[] = [];
  const fail = (pointer: string, what: string) => problems.push(`${what} [json-pointer:/view${pointer}]`);
  if (v.type !== 'modal') fail('/type', `must be "modal", got ${JSON.stringify(v.type)}`);
  const label = (key: 'title' | 'submit' | 'close', required: boolean) => {
    const value = v[key];
    if (value === undefined) {
      if (required) fail(`/${key}`, 'missing required field');
      return;
    }
    const text = value as Json;
    if (typeof value !== 'object' || value === null || text.type !== 'plain_text') {
      fail(`/${key}/type`, 'must be a plain_text object');
    } else if (typeof text.text !== 'string' || text.text.length === 0) {
      fail(`/${key}/text`, 'must be a non-empty string');
    } else if (text.text.length > MODAL.title) {
      fail(`/${key}/text`, `must be less than ${MODAL.title + 1} characters`);
    }
  };
  label('title', true);
  const hasInputs = Array.isArray(v.blocks) && v.blocks.some((b) => (b as Json)?.type === 'input');
  label('submit', hasInputs);
  label('close', false);
  if (!Array.isArray(v.blocks)) fail('/blocks', 'missing required field');
  else {
    for (const message of validateBlocks(v.blocks, { ...core.limits, blocks: MODAL.blocks })) {
      problems.push(message.replace('[json-pointer:/blocks', '[json-pointer:/view/blocks'));
    }
  }
  const string = (key: string, max: number) => {
    const value = v[key];
    if (value === undefined) return;
    if (typeof value !== 'string') fail(`/${key}`, 'must be a string');
    else if (value.length > max) fail(`/${key}`, `must be less than ${max + 1} characters`);
  };
  string('private_metadata', MODAL.privateMetadata);
  string('callback_id', MODAL.callbackId);
  string('external_id', MODAL.externalId);
  return problems;
}

/** What a person enters in an open view: per action_id, text for inputs, option values for selects. */
export type ViewInput = Record<string, string | string[]>;

/**
 * A person submits an open view: the `view_submission` envelope carries `view.state.values` for
 * every input block (empty ones with null values, as Slack sends them). Resolves on the app's
 * ack; rejects after ackTimeoutMs, or when `values` names what the view does not have.
 */
export async function submitView(
  core: EmulatorCore,
  target: { user: string; viewId: string; values: ViewInput; privateMetadata?: string },
): Promise<unknown> {
  const where = 'submitView';
  const record = core.views.get(target.viewId);
  if (!record) throw new Error(`${where}: no view ${target.viewId}`);
  if (!record.open) throw new Error(`${where}: view ${target.viewId} is closed`);
  if (record.user !== target.user) {
    throw new Error(`${where}: view ${target.viewId} is open for ${record.user}, not ${target.user}`);
  }
  const user = core.store.requireUser(target.user, where);
  const values: Record<string, Record<string, Json>> = {};
  const unused = new Set(Object.keys(target.values));
  for (const block of (record.view.blocks ?? []) as Json[]) {
    if (block.type !== 'input') continue;
    const element = block.element as Json;
    const actionId = String(element.action_id);
    const given = target.values[actionId];
    unused.delete(actionId);
    values[String(block.block_id)] = { [actionId]: stateOf(element, given, where) };
  }
  if (unused.size > 0) {
    throw new Error(`${where}: the view has no input with action_id ${[...unused].join(', ')}`);
  }
  record.open = false;
  const view = {
    ...record.view,
    state: { values },
    ...(target.privateMetadata !== undefined ? { private_metadata: target.privateMetadata } : {}),
  };
  const payload = {
    type: 'view_submission',
    team: { id: core.store.teamId, domain: core.store.teamDomain },
    user: { id: user.id, username: user.name, name: user.name, team_id: core.store.teamId },
    api_app_id: core.store.appId,
    token: core.verificationToken,
    trigger_id: issueTrigger(core, user.id),
    view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return (await core.socket.deliver('interactive', payload)).payload;
}

function stateOf(element: Json, given: string | string[] | undefined, where: string): Json {
  const type = String(element.type);
  const options = [
    ...((element.options as Json[] | undefined) ?? []),
    ...((element.option_groups as Json[] | undefined) ?? []).flatMap((g) => (g.options as Json[]) ?? []),
  ];
  const option = (value: string) => {
    const found = options.find((o) => o.value === value);
    if (!found)
      throw new Error(`${where}: ${JSON.stringify(value)} is not an option of ${element.action_id}`);
    return found;
  };
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  switch (type) {
    case 'plain_text_input':
      return { type, value: given === undefined ? null : list.join('') };
    case 'static_select':
      if (list.length > 1) throw new Error(`${where}: a static_select takes one value`);
      return { type, selected_option: list[0] === undefined ? null : option(list[0]) };
    case 'multi_static_select':
      return { type, selected_options: list.map(option) };
    default:
      throw new Error(`${where}: input element type ${type} is not emulated`);
  }
}
