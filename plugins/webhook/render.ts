import { type Message, type Section, urlButton } from '../../src/sdk/index.js';
import type { MessageTemplate } from './config.js';
import { lookupPath, parseTemplate, renderTemplate } from './template.js';

/** Renders a template against a payload: one section, with every empty part left out. */
export function renderPayload(template: MessageTemplate, payload: unknown): Message {
  const text = (source: string | undefined, data: unknown = payload) =>
    source === undefined ? '' : renderTemplate(parseTemplate(source), data, payload).trim();
  const section: Section = {};
  const title = text(template.title);
  if (title) section.header = title;
  const description = text(template.text);
  if (description) section.description = description;
  const fields = (template.fields ?? [])
    .map((f) => ({ key: text(f.key), value: text(f.value) }))
    .filter((f) => f.key !== '' && f.value !== '');
  if (fields.length > 0) section.textFields = fields;
  if (template.list) {
    const list = template.list;
    const all = lookupPath(list.items, payload);
    const elements = Array.isArray(all) ? all : [];
    const max = list.max ?? 10;
    const items = elements.slice(0, max).map((element) => text(list.item, element));
    if (elements.length > max) items.push(`… and ${elements.length - max} more`);
    if (items.length > 0)
      section.bulletLists = [{ ...(list.title ? { title: text(list.title) } : {}), items }];
  }
  const code = text(template.codeBlock);
  if (code) section.body = { codeBlock: code };
  const buttons = (template.links ?? [])
    .map((l) => ({ name: text(l.name), url: text(l.url) }))
    .filter((l) => l.name !== '' && /^https?:\/\//.test(l.url))
    .map((l) => urlButton(l.name, l.url));
  if (buttons.length > 0) section.buttons = buttons;
  return { baseBody: {}, sections: [section] };
}
