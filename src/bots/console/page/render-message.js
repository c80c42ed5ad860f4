/**
 * Turns one console message (protocol `ConsoleMessage`) into DOM: the meta line (who, when,
 * edited, still running), then the message model in order — body, sections (header, description, body, fields,
 * lists, buttons, selects, multi-select, inputs, context), inputs, files, notice. Built with DOM
 * calls and textContent only. Controls call `act({ text, origin, value })` to run commands.
 * A form shown as a dialog is rendered the same way, deferred: its selects, multi-selects and
 * inputs run nothing when used, and {@link fieldActions} reads what they would run on Submit.
 */
import { appendInline, appendRichText, codeBlock, safeLink } from './rich-text.js';

/** Each select, multi-select and input with a command → what it runs now (undefined when empty). */
const fieldAction = new WeakMap();

/** A new list item for `entry`. */
export function renderEntry(entry, act) {
  const li = document.createElement('li');
  fillEntry(li, entry, act);
  return li;
}

/** Replaces the content of an item rendered earlier (an edit), keeping the element. */
export function fillEntry(li, entry, act) {
  li.replaceChildren();
  li.className = `msg msg-${entry.kind === 'user' ? 'user' : 'bot'}`;
  li.dataset.id = entry.id;
  li.dataset.kind = entry.kind;
  li.dataset.revision = String(entry.revision ?? 0);
  if (entry.streaming) li.dataset.streaming = 'true';
  else delete li.dataset.streaming;
  li.append(meta(entry));
  if (entry.kind === 'user') {
    const line = el('div', 'command-line');
    line.append(el('span', 'prompt', '›'), el('span', 'command-text', text(entry.text)));
    li.append(line);
    return;
  }
  const body = renderMessageBody(entry.message ?? { baseBody: {} }, act);
  for (const file of list(entry.files)) body.append(fileLink(file));
  if (entry.notice) body.append(el('p', 'notice', entry.notice));
  li.append(body);
}

/**
 * The body of a message model (`ViewMessage`): base body, sections, inputs. With
 * `options.deferred` (a form in a dialog) buttons still run at once, but selects, multi-selects
 * and inputs only hold their value, and Enter in an input calls `options.onSubmit()`.
 */
export function renderMessageBody(message, act, options = {}) {
  const body = el('div', 'body');
  appendBody(body, message.baseBody);
  for (const section of list(message.sections)) body.append(renderSection(section, act, options));
  const inputs = renderInputs(message.plaintextInputs, act, options);
  if (inputs) body.append(inputs);
  return body;
}

/**
 * What the filled selects, multi-selects and inputs under `root` run, in page order: the same
 * `{ text, origin, value }` they run inline. Empty ones are left out.
 */
export function fieldActions(root) {
  const actions = [];
  for (const node of root.querySelectorAll('[data-field]')) {
    const action = fieldAction.get(node)?.();
    if (action) actions.push(action);
  }
  return actions;
}

function meta(entry) {
  const line = el('div', 'meta');
  line.append(el('span', 'author', entry.kind === 'user' ? text(entry.user) || 'you' : 'Switchboard'));
  if (entry.kind === 'user' && entry.origin && entry.origin !== 'typed') {
    line.append(el('span', 'origin', `(${entry.origin})`));
  }
  line.append(timeEl(entry.postedAt, ''));
  if (entry.editedAt) line.append(timeEl(entry.editedAt, 'edited ', 'edited'));
  // Said in words, not only by an animation, so that it reaches screen readers too.
  if (entry.streaming) line.append(el('span', 'streaming', 'running…'));
  const eventTime = entry.message?.timestamp;
  if (eventTime) line.append(timeEl(eventTime, 'event ', 'event-time'));
  return line;
}

function timeEl(iso, prefix, className = '') {
  const t = document.createElement('time');
  if (className) t.className = className;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return t;
  t.dateTime = date.toISOString();
  t.title = date.toString();
  t.textContent = `${prefix}${date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
  return t;
}

function appendBody(parent, body) {
  if (!body) return;
  if (typeof body.plaintext === 'string' && body.plaintext !== '') appendRichText(parent, body.plaintext);
  if (typeof body.codeBlock === 'string' && body.codeBlock !== '') parent.append(codeBlock(body.codeBlock));
}

function renderSection(section, act, options) {
  const s = el('section', section.style?.divider === 'none' ? 'section no-divider' : 'section');
  if (section.header) s.append(el('h3', 'section-header', section.header));
  if (section.description) {
    const d = el('div', 'description');
    appendRichText(d, section.description);
    s.append(d);
  }
  appendBody(s, section.body);
  const fields = list(section.textFields);
  if (fields.length > 0) {
    const dl = el('dl', 'fields');
    for (const field of fields) {
      const item = el('div', 'field');
      const dd = el('dd');
      appendInline(dd, text(field.value));
      item.append(el('dt', '', text(field.key)), dd);
      dl.append(item);
    }
    s.append(dl);
  }
  for (const bullets of list(section.bulletLists)) {
    const box = el('div', 'bullets');
    if (bullets.title) box.append(el('p', 'bullets-title', bullets.title));
    const ul = el('ul');
    for (const item of list(bullets.items)) {
      const li = el('li');
      appendInline(li, text(item));
      ul.append(li);
    }
    box.append(ul);
    s.append(box);
  }
  const buttons = list(section.buttons);
  if (buttons.length > 0) {
    const row = el('div', 'buttons');
    for (const button of buttons) row.append(renderButton(button, act));
    s.append(row);
  }
  const selects = list(section.selects?.items);
  if (selects.length > 0) {
    const row = el('div', 'selects');
    for (const select of selects) row.append(renderSelect(select, act, options));
    s.append(row);
  }
  if (section.multiSelect) s.append(renderMultiSelect(section.multiSelect, act, options));
  const inputs = renderInputs(section.plaintextInputs, act, options);
  if (inputs) s.append(inputs);
  for (const item of list(section.context)) {
    const p = el('p', 'context');
    appendInline(p, text(item.text));
    s.append(p);
  }
  return s;
}

function renderButton(button, act) {
  const wrap = el('span', 'button-wrap');
  const style = button.style === 'primary' || button.style === 'danger' ? ` btn-${button.style}` : '';
  if (button.command) {
    const b = el('button', `btn${style}`, text(button.name) || button.command);
    b.type = 'button';
    b.title = button.command;
    b.dataset.command = button.command;
    b.addEventListener('click', () => act({ text: button.command, origin: 'button' }));
    wrap.append(b);
  } else if (button.url) {
    const a = safeLink(button.url, `${text(button.name) || button.url} ↗`);
    if (a) {
      a.className = `btn btn-link${style}`;
      wrap.append(a);
    } else {
      wrap.append(el('span', 'btn btn-disabled', text(button.name)));
    }
  } else {
    wrap.append(el('span', 'btn btn-disabled', text(button.name)));
  }
  if (button.description) {
    const styleName = button.descriptionStyle || 'code';
    const tag = { bold: 'strong', italic: 'em', text: 'span', code: 'code' }[styleName] ?? 'code';
    wrap.append(el(tag, 'button-description', button.description));
  }
  return wrap;
}

function renderSelect(select, act, options) {
  const label = el('label', 'select');
  if (select.name) label.append(el('span', 'select-name', select.name));
  const s = document.createElement('select');
  const placeholder = new Option(select.name ? `${select.name}…` : 'Choose…', '');
  placeholder.disabled = true;
  s.append(placeholder);
  for (const group of list(select.optionGroups)) {
    const og = document.createElement('optgroup');
    og.label = text(group.name);
    for (const option of list(group.options)) og.append(new Option(text(option.name), text(option.value)));
    s.append(og);
  }
  s.value = select.initialOption?.value ?? '';
  if (s.selectedIndex < 0) s.selectedIndex = 0;
  if (select.command) {
    s.dataset.command = select.command;
    s.dataset.field = 'select';
    const action = () =>
      s.value === '' ? undefined : { text: select.command, origin: 'select', value: s.value };
    fieldAction.set(s, action);
    if (!options.deferred) {
      s.addEventListener('change', () => {
        const chosen = action();
        if (chosen) act(chosen);
      });
    }
  } else {
    s.disabled = true;
  }
  label.append(s);
  return label;
}

function renderMultiSelect(multi, act, options) {
  const box = el('fieldset', 'multi-select');
  box.append(el('legend', '', text(multi.name) || 'Choose'));
  if (multi.description) appendBody(box, multi.description);
  const initial = new Set(list(multi.initialOptions).map((o) => o.value));
  const boxes = [];
  const choices = el('div', 'multi-options');
  for (const option of list(multi.options)) {
    const label = el('label', 'multi-option');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = text(option.value);
    input.checked = initial.has(option.value);
    boxes.push(input);
    label.append(input, ` ${text(option.name)}`);
    choices.append(label);
  }
  box.append(choices);
  const action = () => {
    const values = boxes.filter((b) => b.checked).map((b) => b.value);
    return values.length > 0 ? { text: multi.command, origin: 'multi-select', value: values } : undefined;
  };
  if (multi.command) {
    box.dataset.command = multi.command;
    box.dataset.field = 'multi-select';
    fieldAction.set(box, action);
  }
  // In a dialog the choice is sent with Submit.
  if (options.deferred) return box;
  const apply = el('button', 'btn', 'Apply');
  apply.type = 'button';
  if (multi.command) {
    apply.dataset.command = multi.command;
    apply.addEventListener('click', () => {
      const chosen = action();
      if (chosen) act(chosen);
    });
  } else {
    apply.disabled = true;
  }
  box.append(apply);
  return box;
}

function renderInputs(inputs, act, options) {
  const all = list(inputs);
  if (all.length === 0) return undefined;
  const box = el('div', 'inputs');
  for (const input of all) {
    const form = el('form', 'input-form');
    const label = el('label', 'input-label');
    label.append(el('span', '', text(input.text) || 'Input'));
    const field = document.createElement('input');
    field.type = 'text';
    field.placeholder = text(input.placeholder);
    label.append(field);
    form.append(label);
    // In a dialog the text is sent with Submit, which Enter presses too.
    const send = options.deferred ? undefined : el('button', 'btn', 'Send');
    if (send) {
      send.type = 'submit';
      form.append(send);
    }
    if (input.command) {
      form.dataset.command = input.command;
      form.dataset.field = 'text-input';
      const action = () => {
        const value = field.value.trim();
        return value === '' ? undefined : { text: input.command, origin: 'text-input', value };
      };
      fieldAction.set(form, action);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (options.deferred) {
          options.onSubmit?.();
          return;
        }
        const typed = action();
        if (!typed) return;
        act(typed);
        field.value = '';
      });
    } else {
      field.disabled = true;
      if (send) send.disabled = true;
      form.addEventListener('submit', (event) => event.preventDefault());
    }
    box.append(form);
  }
  return box;
}

function fileLink(file) {
  const a = document.createElement('a');
  a.className = 'file';
  // Relative, so a console behind a path prefix works; the browser resolves it against the page.
  a.href = new URL(text(file.url), document.baseURI).href;
  a.download = text(file.name);
  a.textContent = `⤓ ${text(file.name)} (${formatSize(Number(file.size) || 0)})`;
  return a;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function el(tag, className = '', content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}

function list(value) {
  return Array.isArray(value) ? value : [];
}

function text(value) {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}
