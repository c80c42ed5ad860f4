import { randomUUID } from 'node:crypto';
import type { FileRef } from '../../core/console-protocol.js';

/** A file kept for download. */
export interface StoredFile {
  id: string;
  name: string;
  content: Uint8Array;
}

/**
 * Files attached to messages (long output), kept in memory for download, oldest dropped first
 * once `maxBytes` is exceeded. Ids are random, so a file cannot be guessed from another's link.
 */
export class FileStore {
  readonly #files = new Map<string, StoredFile>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number) {
    if (maxBytes < 1) throw new RangeError(`file store size must be positive, got ${maxBytes}`);
    this.#maxBytes = maxBytes;
  }

  /** Keeps `content` and returns its reference, or undefined when it alone exceeds the store. */
  add(name: string, content: Uint8Array): FileRef | undefined {
    if (content.byteLength > this.#maxBytes) return undefined;
    const file: StoredFile = { id: randomUUID(), name: safeFileName(name), content };
    this.#files.set(file.id, file);
    this.#bytes += content.byteLength;
    for (const [id, old] of this.#files) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#files.delete(id);
      this.#bytes -= old.content.byteLength;
    }
    return {
      name: file.name,
      size: content.byteLength,
      url: `files/${file.id}/${encodeURIComponent(file.name)}`,
    };
  }

  get(id: string): StoredFile | undefined {
    return this.#files.get(id);
  }
}

/** A name safe for Content-Disposition and file systems: no path, no control characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c !== '"' && !/\p{Cc}/u.test(c))
    .join('')
    .trim()
    .slice(0, 100);
  return clean === '' || clean === '.' || clean === '..' ? 'output.txt' : clean;
}
