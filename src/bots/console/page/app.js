/**
 * The console page: one pane per channel with its messages and a shared command box, the channel
 * list with unread counts, and the status panel. All traffic goes over one WebSocket; every tab
 * shows the same channels.
 */
import { openConnection } from './connection.js';
import { commandFrame, maxCommandLength, socketUrl } from './console-protocol.js';
import { fieldActions, fillEntry, renderEntry, renderMessageBody } from './render-message.js';
import { renderStatus } from './status-panel.js';

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'),
  channelList: $('channel-list'),
  title: $('channel-title'),
  panes: $('message-panes'),
  form: $('command-form'),
  input: $('command'),
  send: $('send'),
  error: $('command-error'),
  status: $('status-panel'),
  statusToggle: $('status-toggle'),
  formDialog: $('form-dialog'),
  formTitle: $('form-title'),
  formBody: $('form-body'),
  formError: $('form-error'),
  formCancel: $('form-cancel'),
  formSubmit: $('form-submit'),
};

const state = {
  hello: undefined,
  current: undefined,
  /**
   * channel → { pane, list, button, badge, unread, items: Map id → li of this session,
   * past: the items earlier sessions showed, kept above this session's history }
   */
  channels: new Map(),
  /** Commands sent from this tab, for ↑/↓. */
  sent: [],
  recall: -1,
  refs: 0,
  open: false,
  status: undefined,
  /** The channel of the form shown in the dialog, while it is open. */
  formChannel: undefined,
};

const user = new URLSearchParams(location.search).get('user') ?? 'web';
const url = new URL(socketUrl(location.href));
url.searchParams.set('user', user);

const connection = openConnection({
  url: url.href,
  onFrame,
  onState(next, info) {
    state.open = next === 'open';
    // Run only looks disabled while the socket is down: a disabled default button would make
    // Enter do nothing at all, where the submit handler says that the command was not sent.
    ui.send.disabled = false;
    ui.send.classList.toggle('btn-disabled', !state.open);
    ui.send.setAttribute('aria-disabled', String(!state.open));
    ui.connection.dataset.state = next;
    if (next === 'open') {
      ui.connection.textContent = 'connected';
      // The "not sent" error was about the connection, which is back; the command is still in the box.
      if (ui.error.dataset.kind === 'offline') hideError();
    } else if (next === 'connecting') ui.connection.textContent = 'connecting…';
    else {
      ui.connection.textContent = `disconnected; retrying in ${Math.ceil(info.delay / 1000)} s`;
      void explainClose();
    }
  },
});

function onFrame(frame) {
  switch (frame.type) {
    case 'hello':
      setUp(frame);
      break;
    case 'history': {
      const channel = state.channels.get(frame.channel);
      if (!channel) return;
      // This session's messages as the agent has them now, below what earlier sessions showed.
      channel.list.replaceChildren(...channel.past);
      channel.items.clear();
      for (const entry of frame.messages) add(channel, entry, false);
      scrollToEnd(channel, true);
      break;
    }
    case 'message': {
      const channel = state.channels.get(frame.message.channel);
      if (channel) add(channel, frame.message, true);
      break;
    }
    case 'edit': {
      const channel = state.channels.get(frame.message.channel);
      if (!channel) return;
      const item = channel.items.get(frame.message.id);
      if (!item) add(channel, frame.message, true);
      else {
        const stick = atEnd(channel);
        fillEntry(item, frame.message, actions(frame.message));
        if (stick) scrollToEnd(channel, true);
      }
      break;
    }
    case 'form':
      showForm(frame);
      break;
    case 'status':
      state.status = frame.status;
      renderStatus(ui.status, frame.status, state.hello?.version);
      break;
    case 'error':
      showError(frame.error);
      break;
  }
}

/**
 * (Re)builds the channel list and panes from `hello`; history frames fill them next. After a
 * reconnect to the same session the history replaces what the page showed. After a restart (a
 * new session) message ids start over and the agent no longer has the earlier messages, so they
 * stay above a note, out of reach of the new session's edits.
 */
function setUp(hello) {
  const restarted = state.hello !== undefined && state.hello.session !== hello.session;
  const before = new Map(state.channels);
  state.hello = hello;
  state.channels.clear();
  ui.channelList.replaceChildren();
  ui.panes.replaceChildren();
  for (const info of hello.channels) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'channel';
    button.dataset.channel = info.id;
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.hidden = true;
    button.append(`#${info.name}`, badge);
    button.addEventListener('click', () => select(info.id));
    const li = document.createElement('li');
    li.append(button);
    ui.channelList.append(li);

    const pane = document.createElement('section');
    pane.className = 'pane';
    pane.dataset.channel = info.id;
    pane.hidden = true;
    const old = before.get(info.id);
    // Kept until the history frame: no blank pane in between.
    const list = old?.list ?? document.createElement('ol');
    list.className = 'messages';
    list.setAttribute('aria-live', 'polite');
    let past = old?.past ?? [];
    if (old && restarted && list.children.length > 0) {
      const note = document.createElement('li');
      note.className = 'notice';
      note.dataset.kind = 'restart';
      note.textContent =
        'The agent restarted; the messages above are from before, and it no longer has them.';
      // Their commands died with the agent: the output stops where it is.
      for (const marker of list.querySelectorAll('[data-streaming] .streaming')) {
        marker.textContent = 'interrupted';
        marker.classList.add('interrupted');
      }
      past = [...list.children, note];
      list.append(note);
    }
    pane.append(list);
    ui.panes.append(pane);
    state.channels.set(info.id, { info, pane, list, past, button, badge, unread: 0, items: new Map() });
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  select(state.channels.has(wanted) ? wanted : (state.current ?? hello.channels[0]?.id));
  ui.input.disabled = state.channels.size === 0;
  ui.input.placeholder = `Type a command for ${hello.mention}, e.g. help`;
  if (state.status !== undefined) renderStatus(ui.status, state.status, hello.version);
}

function select(id) {
  const channel = state.channels.get(id);
  if (!channel) return;
  state.current = id;
  for (const [key, c] of state.channels) {
    const on = key === id;
    c.pane.hidden = !on;
    if (on) c.button.setAttribute('aria-current', 'true');
    else c.button.removeAttribute('aria-current');
  }
  channel.unread = 0;
  channel.badge.hidden = true;
  ui.title.textContent = `#${channel.info.name}`;
  if (location.hash !== `#${encodeURIComponent(id)}`)
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  scrollToEnd(channel, true);
  ui.input.focus();
}

function add(channel, entry, live) {
  const stick = atEnd(channel);
  const li = renderEntry(entry, actions(entry));
  channel.items.set(entry.id, li);
  channel.list.append(li);
  if (live && state.current !== channel.info.id) {
    channel.unread += 1;
    channel.badge.textContent = String(channel.unread);
    channel.badge.hidden = false;
  }
  if (stick) scrollToEnd(channel, true);
}

/**
 * What the controls of `entry` run. They name their message (`source`) only while the session
 * that gave it its id lasts: after a restart the same id is another message.
 */
function actions(entry) {
  const session = state.hello?.session;
  return (a) => act(entry.channel, state.hello?.session === session ? { ...a, source: entry.id } : a);
}

/**
 * Runs a command in `channel`: typed, or from a button, select or input of a message (`source`,
 * its id, lets an answer marked replaceOriginal take that message's place). `report` shows why
 * it was not sent (under the command box, or in the form dialog).
 */
function act(channel, { text, origin, value, source }, report = showError) {
  const length = text.length + (Array.isArray(value) ? value.join(',').length : (value ?? '').length);
  const limit = state.hello?.limits?.maxCommandLength ?? maxCommandLength;
  if (length > limit) {
    report(`That command is ${length} characters long; the console accepts at most ${limit}.`);
    return false;
  }
  state.refs += 1;
  const frame = commandFrame(channel, text, { origin, value, source, ref: `r${state.refs}` });
  if (!connection.send(frame)) {
    report('Not connected to the agent; the command was not sent. It reconnects on its own.', 'offline');
    return false;
  }
  hideError();
  return true;
}

/**
 * Shows a `form` answer to a click of this page in the dialog, built like any message but with
 * its fields held until Submit. The form is no channel message, so its commands name no `source`.
 */
function showForm(frame) {
  const channel = state.channels.get(frame.channel);
  if (!channel) return;
  const dialog = ui.formDialog;
  if (dialog.open) dialog.close();
  state.formChannel = frame.channel;
  const button = (action) => {
    if (runFromForm([action])) dialog.close();
  };
  const body = renderMessageBody(frame.form, button, { deferred: true, onSubmit: submitForm });
  if (typeof frame.notice === 'string' && frame.notice !== '') {
    const notice = document.createElement('p');
    notice.className = 'notice';
    notice.textContent = frame.notice;
    body.append(notice);
  }
  ui.formTitle.textContent = `Form for #${channel.info.name}`;
  ui.formBody.replaceChildren(body);
  hideFormError();
  dialog.dataset.channel = frame.channel;
  dialog.dataset.id = frame.id;
  dialog.showModal();
}

/** Runs `actions` in the form's channel; false (the dialog stays open) when they cannot be sent. */
function runFromForm(actions) {
  const channel = state.formChannel;
  if (channel === undefined) return false;
  if (!state.open) {
    showFormError('Not connected to the agent; nothing was sent. It reconnects on its own.');
    return false;
  }
  for (const action of actions) if (!act(channel, action, showFormError)) return false;
  return true;
}

/** Submit: every filled field runs its command, as it would in the channel; then the dialog closes. */
function submitForm() {
  if (runFromForm(fieldActions(ui.formBody))) ui.formDialog.close();
}

function showFormError(text, kind) {
  showLine(ui.formError, text, kind);
}

function hideFormError() {
  hideLine(ui.formError);
}

ui.formSubmit.addEventListener('click', submitForm);
ui.formCancel.addEventListener('click', () => ui.formDialog.close());
// Esc closes the dialog natively (its cancel event); either way nothing of the form is kept.
ui.formDialog.addEventListener('close', () => {
  // The event comes a task after close(): a form that replaced this one may be showing by then.
  if (ui.formDialog.open) return;
  state.formChannel = undefined;
  ui.formBody.replaceChildren();
  hideFormError();
});

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  if (text === '' || state.current === undefined) return;
  if (!act(state.current, { text, origin: 'typed' })) return;
  state.sent.push(text);
  if (state.sent.length > 100) state.sent.shift();
  state.recall = -1;
  ui.input.value = '';
});

ui.input.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  if (state.sent.length === 0) return;
  event.preventDefault();
  const last = state.sent.length - 1;
  if (event.key === 'ArrowUp') state.recall = state.recall < 0 ? last : Math.max(0, state.recall - 1);
  else state.recall = state.recall < 0 || state.recall >= last ? -1 : state.recall + 1;
  ui.input.value = state.recall < 0 ? '' : (state.sent[state.recall] ?? '');
});

ui.statusToggle.addEventListener('click', () => {
  const show = ui.status.hidden;
  ui.status.hidden = !show;
  ui.statusToggle.setAttribute('aria-expanded', String(show));
});

window.addEventListener('hashchange', () => select(decodeURIComponent(location.hash.slice(1))));

function atEnd(channel) {
  const pane = channel.pane;
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 48;
}

function scrollToEnd(channel, force) {
  if (force) channel.pane.scrollTop = channel.pane.scrollHeight;
}

/** Shows `text` under the command box; `kind` 'offline' marks an error the reconnect clears. */
function showError(text, kind) {
  showLine(ui.error, text, kind);
}

function hideError() {
  hideLine(ui.error);
}

/** Shows an error line (under the command box or in the form dialog). */
function showLine(line, text, kind = 'command') {
  line.textContent = text;
  line.dataset.kind = kind;
  line.hidden = false;
}

function hideLine(line) {
  line.hidden = true;
  line.textContent = '';
  delete line.dataset.kind;
}

/** After a drop, tells a refused token (401) apart from an agent that is away. */
async function explainClose() {
  try {
    const response = await fetch('api/session', { credentials: 'same-origin', cache: 'no-store' });
    if (response.status === 401 || response.status === 403) {
      ui.connection.textContent = 'access refused';
      showError((await response.text()).trim());
    }
  } catch {
    // The agent is not reachable; the reconnect loop keeps trying.
  }
}
