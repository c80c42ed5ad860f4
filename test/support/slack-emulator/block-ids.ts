/**
 * Slack fills in a `block_id` for every block posted without one, and an `action_id` for every
 * interactive element without one; the stored message (and block_actions payloads) carry them.
 */
import { isObject } from './block-validation.js';
import type { IdFactory } from './ids.js';

type Json = Record<string, unknown>;

export function assignBlockIds(blocks: unknown[], ids: IdFactory): Json[] {
  return blocks.map((original) => {
    const block = structuredClone(original) as Json;
    if (typeof block.block_id !== 'string') block.block_id = ids.shortId();
    for (const element of interactiveElements(block)) {
      if (typeof element.action_id !== 'string') element.action_id = ids.shortId();
    }
    return block;
  });
}

/** The interactive elements of a block: actions elements, a section accessory, an input element. */
export function interactiveElements(block: Json): Json[] {
  const found: Json[] = [];
  if (block.type === 'actions' && Array.isArray(block.elements)) {
    for (const element of block.elements) if (isObject(element)) found.push(element);
  }
  if (block.type === 'section' && isObject(block.accessory) && block.accessory.type !== 'image')
    found.push(block.accessory);
  if (block.type === 'input' && isObject(block.element)) found.push(block.element);
  return found;
}
