/**
 * How a command travels in a Discord component: a button's or select's `custom_id` is
 * `<n>:<command>` (n keeps ids unique in the message, as Discord requires), a select option's
 * value is the value itself. Discord caps both at 100 characters; a longer text travels as a
 * short reference (`<n>;<hash>` or `;<hash>`) the bot keeps until the component is used.
 */
import { createHash } from 'node:crypto';

/** Encodes the component fields of one rendering and collects the references it had to make. */
export class ComponentIds {
  readonly refs = new Map<string, string>();
  #next = 0;

  constructor(private readonly max: number) {}

  /** A `custom_id` unique in this rendering that stands for `command`. */
  customId(command: string): string {
    const n = this.#next++;
    const plain = `${n}:${command}`;
    return plain.length <= this.max ? plain : `${n};${this.#ref(command)}`;
  }

  /** An option value standing for `value`: itself when it fits and is no reference. */
  optionValue(value: string): string {
    return value.length <= this.max && !value.startsWith(';') && value !== ''
      ? value
      : `;${this.#ref(value)}`;
  }

  #ref(text: string): string {
    const token = createHash('sha256').update(text).digest('base64url').slice(0, 32);
    this.refs.set(token, text);
    return token;
  }
}

/**
 * The command a `custom_id` stands for, or the text an option value stands for; undefined when it
 * is a reference the bot no longer knows (made before a restart) or not one of ours.
 */
export function decodeCustomId(id: string, lookup: (ref: string) => string | undefined): string | undefined {
  const match = id.match(/^\d+([:;])([\s\S]*)$/);
  if (!match) return undefined;
  return match[1] === ':' ? match[2] : lookup(match[2] ?? '');
}

/** See {@link decodeCustomId}, for option values. */
export function decodeOptionValue(
  value: string,
  lookup: (ref: string) => string | undefined,
): string | undefined {
  return value.startsWith(';') ? lookup(value.slice(1)) : value;
}
