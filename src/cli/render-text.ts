import type { Message } from '../sdk/api/message.js';

/**
 * Renders a message as plain terminal text: headers, bodies, fields, lists,
 * context lines, and buttons as the commands they would run.
 */
export function renderMessageText(message: Message): string {
  const out: string[] = [];
  const body = (b: { codeBlock?: string; plaintext?: string } | undefined) => {
    if (b?.plaintext) out.push(b.plaintext);
    if (b?.codeBlock) out.push(b.codeBlock.replace(/\n$/, ''));
  };
  body(message.baseBody);
  for (const section of message.sections ?? []) {
    if (section.header) out.push(`== ${section.header} ==`);
    if (section.description) out.push(section.description);
    body(section.body);
    for (const field of section.textFields ?? []) out.push(`${field.key}: ${field.value}`);
    for (const list of section.bulletLists ?? []) {
      if (list.title) out.push(list.title);
      for (const item of list.items ?? []) out.push(`  • ${item}`);
    }
    for (const button of section.buttons ?? []) {
      out.push(`[${button.name}] ${button.command ? `→ ${button.command}` : (button.url ?? '')}`);
    }
    for (const item of section.context ?? []) out.push(`  ${item.text}`);
  }
  return out.join('\n');
}
