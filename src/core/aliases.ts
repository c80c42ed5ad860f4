/**
 * Alias expansion (`aliases.<name>: {command, displayName}`): `kgp -n shop` becomes
 * `kubectl get pods -n shop`. Botkube picks among overlapping aliases in Go map order, that is at
 * random; here the choice is deterministic.
 */

/** One configured alias. */
export interface AliasDefinition {
  /** The text that replaces the alias words, e.g. `kubectl get pods`. */
  command: string;
  displayName?: string;
}

/** The alias that {@link expandAliases} applied. */
export interface AppliedAlias extends AliasDefinition {
  /** The alias as configured (its key). */
  name: string;
}

/** The result of {@link expandAliases}. */
export interface AliasExpansion {
  /** The command after expansion; the input unchanged when no alias applied. */
  text: string;
  /** Which alias applied, if any. */
  alias?: AppliedAlias;
}

/**
 * Expands at most one alias at the start of `text` (cleaned command text, see `command-text.ts`).
 *
 * - An alias applies when the command's first words equal the alias's words: the whole command
 *   is the alias, or the alias is followed by a blank. Words are compared exactly (case matters);
 *   blank runs inside a multi-word alias name match any blank run in the text.
 * - Among the aliases that apply, the one with the most words wins, then the longest name, then
 *   the name that sorts first (only names differing in blanks get that far): never key order.
 * - The alias words are replaced by the alias's `command` (trimmed); the rest of the text,
 *   blanks included, is kept as typed.
 * - Expansion happens once: the result is not expanded again, so `k → kubectl` and
 *   `kubectl → k` cannot loop, and an alias may expand to a command starting with itself.
 * - Quoting the first word (`'kgp'`) or prefixing a backslash (`\kgp`) stops expansion, as in a
 *   shell, because the quoted word no longer equals the alias.
 * - Aliases whose name is empty or blank are ignored (config validation reports them).
 */
export function expandAliases(
  text: string,
  aliases: Readonly<Record<string, AliasDefinition>>,
): AliasExpansion {
  const names = Object.keys(aliases).map((name) => ({
    name,
    words: name.split(/\s+/).filter((w) => w !== ''),
  }));
  const words = leadingWords(text, Math.max(0, ...names.map((n) => n.words.length)));
  let best: { name: string; words: number; end: number } | undefined;
  for (const { name, words: aliasWords } of names) {
    if (aliasWords.length === 0 || aliasWords.length > words.length) continue;
    if (!aliasWords.every((w, i) => words[i]?.word === w)) continue;
    const candidate = { name, words: aliasWords.length, end: words[aliasWords.length - 1]?.end ?? 0 };
    if (
      !best ||
      candidate.words > best.words ||
      (candidate.words === best.words && candidate.name.length > best.name.length) ||
      (candidate.words === best.words &&
        candidate.name.length === best.name.length &&
        candidate.name < best.name)
    ) {
      best = candidate;
    }
  }
  const definition = best ? aliases[best.name] : undefined;
  if (!best || !definition) return { text };
  const rest = text.slice(best.end);
  const command = definition.command.trim();
  const alias: AppliedAlias = { name: best.name, command: definition.command };
  if (definition.displayName !== undefined) alias.displayName = definition.displayName;
  return { text: command === '' ? rest.trimStart() : command + rest, alias };
}

/** The first `max` blank-separated words of `text`, each with the offset just past it. */
function leadingWords(text: string, max: number): { word: string; end: number }[] {
  const out: { word: string; end: number }[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    if (out.length >= max) break;
    out.push({ word: m[0], end: m.index + m[0].length });
  }
  return out;
}
