/**
 * How commands travel inside Slack interactive elements, Botkube's way where it fits: a button's
 * `value` is its command, a select's `action_id` is its command and an option's `value` is
 * appended, an input's `block_id` is its command. Slack caps those fields (2,000, 255, 150
 * characters) and wants `action_id`s unique; a text that does not fit, or would repeat, travels
 * as a short reference (`sbref:<hash>`) the bot keeps for when the element is used.
 */
import { createHash } from 'node:crypto';

const refPrefix = 'sbref:';

/** Encodes element texts for one rendering and collects the references it had to make. */
export class ActionCodec {
  readonly refs = new Map<string, string>();
  readonly #actionIds = new Set<string>();
  readonly #blockIds = new Set<string>();

  /** `text` itself when it fits `max`, else a reference to it. */
  encode(text: string, max: number): string {
    return text.length <= max ? text : this.#ref(text);
  }

  /**
   * An `action_id` unique in this rendering: `preferred` when it fits and is new; else
   * `fallback(n)` for the first free n (when given); else a reference to `preferred`.
   */
  actionId(preferred: string, max: number, fallback?: (n: number) => string): string {
    return this.#unique(this.#actionIds, preferred, max, fallback);
  }

  /** A `block_id` unique in this rendering, as {@link actionId}. */
  blockId(preferred: string, max: number): string {
    return this.#unique(this.#blockIds, preferred, max);
  }

  #unique(seen: Set<string>, preferred: string, max: number, fallback?: (n: number) => string): string {
    let id = preferred.length <= max ? preferred : undefined;
    for (let n = 2; fallback && (id === undefined || seen.has(id)) && n < 1000; n += 1) {
      const candidate = fallback(n);
      id = candidate.length <= max ? candidate : candidate.slice(0, max);
    }
    if (id === undefined || seen.has(id)) {
      const ref = this.#ref(preferred);
      id = ref;
      for (let n = 2; seen.has(id); n += 1) id = `${ref}~${n}`;
    }
    seen.add(id);
    return id;
  }

  #ref(text: string): string {
    const token = `${refPrefix}${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    this.refs.set(token, text);
    return token;
  }
}

/** True when `text` is a reference made by {@link ActionCodec}. */
export function isRef(text: string): boolean {
  return text.startsWith(refPrefix);
}

/**
 * The text an element field stands for: the field itself, or what its reference points to
 * (`undefined` when the reference is unknown, e.g. made before a restart).
 */
export function decodeField(field: string, lookup: (ref: string) => string | undefined): string | undefined {
  if (!isRef(field)) return field;
  const tilde = field.indexOf('~');
  return lookup(tilde === -1 ? field : field.slice(0, tilde));
}
