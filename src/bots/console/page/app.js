/**
 * The console page: one pane per channel with its messages and a shared command box, the channel
 * list with unread counts, and the status panel. All traffic goes over one WebSocket; every tab
 * shows the same channels.
 */
import { openConnection } from './connection.js';
import { commandFrame, maxCommandLength, socketUrl } from './protocol.js';
import { fillEntry, renderEntry } from './render-message.js';
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
};

const state = {
  hello: undefined,
  current: undefined,
  /** channel → { pane, list, button, badge, unread, items: Map id → li } */
  channels: new Map(),
  /** Commands sent from this tab, for ↑/↓. */
  sent: [],
  recall: -1,
  refs: 0,
  open: false,
  status: undefined,
};

const user = new URLSearchParams(location.search).get('user') ?? 'web';
const url = new URL(socketUrl(location.href));
url.searchParams.set('user', user);

const connection = openConnection({
  url: url.href,
  onFrame,
  onState(next, info) {
    state.open = next === 'open';
    ui.send.disabled = !state.open;
    ui.connection.dataset.state = next;
    if (next === 'open') ui.connection.textContent = 'connected';
    else if (next === 'connecting') ui.connection.textContent = 'connecting…';
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
      channel.list.replaceChildren();
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
        fillEntry(item, frame.message, (a) => act(frame.message.channel, { ...a, source: frame.message.id }));
        if (stick) scrollToEnd(channel, true);
      }
      break;
    }
    case 'status':
      state.status = frame.status;
      renderStatus(ui.status, frame.status, state.hello?.version);
      break;
    case 'error':
      showError(frame.error);
      break;
  }
}

/** (Re)builds the channel list and panes from `hello`; history frames fill them next. */
function setUp(hello) {
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
    const list = document.createElement('ol');
    list.className = 'messages';
    list.setAttribute('aria-live', 'polite');
    pane.append(list);
    ui.panes.append(pane);
    state.channels.set(info.id, { info, pane, list, button, badge, unread: 0, items: new Map() });
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
  const li = renderEntry(entry, (a) => act(entry.channel, { ...a, source: entry.id }));
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
 * Runs a command in `channel`: typed, or from a button, select or input of a message (`source`,
 * its id, lets an answer marked replaceOriginal take that message's place).
 */
function act(channel, { text, origin, value, source }) {
  const length = text.length + (Array.isArray(value) ? value.join(',').length : (value ?? '').length);
  const limit = state.hello?.limits?.maxCommandLength ?? maxCommandLength;
  if (length > limit) {
    showError(`That command is ${length} characters long; the console accepts at most ${limit}.`);
    return false;
  }
  state.refs += 1;
  const frame = commandFrame(channel, text, { origin, value, source, ref: `r${state.refs}` });
  if (!connection.send(frame)) {
    showError('Not connected to the agent; the command was not sent. It reconnects on its own.');
    return false;
  }
  hideError();
  return true;
}

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

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
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
