import type { AllowedCommand } from './config.js';

/** What the allow-list says about a command line (already split into words). */
export type Verdict =
  | { allowed: true; name: string; args: string[]; command: AllowedCommand }
  | { allowed: false; reason: string };

/** Inline code that survives backticks in user text (Markdown: a longer fence, padded). */
function quote(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Checks words against the allow-list. The first word must be a configured command name,
 * never a path (so `/bin/sh`, `./ls` or `../../bin/sh` cannot select another program), and
 * every other word must match one of that command's argument patterns in full. Refusals
 * say what is allowed instead.
 */
export function checkCommand(words: string[], commands: Record<string, AllowedCommand>): Verdict {
  const [name, ...args] = words;
  const names = Object.keys(commands).sort();
  const allowedList = names.length > 0 ? names.map(quote).join(', ') : 'none (the config allows nothing)';
  if (name === undefined) return { allowed: false, reason: `Name a command. Allowed: ${allowedList}.` };
  if (name.includes('/')) {
    return {
      allowed: false,
      reason: `${quote(name)} is a path; commands are chosen by name only. Allowed: ${allowedList}.`,
    };
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    return { allowed: false, reason: `${quote(name)} is not an allowed command. Allowed: ${allowedList}.` };
  }
  const patterns = command.args ?? [];
  for (const arg of args) {
    if (!patterns.some((p) => new RegExp(`^(?:${p})$`).test(arg))) {
      const accepted =
        patterns.length === 0
          ? `${quote(name)} takes no arguments here.`
          : `Each argument of ${quote(name)} must match one of: ${patterns.map(quote).join(', ')}.`;
      return { allowed: false, reason: `Argument ${quote(arg)} is not allowed. ${accepted}` };
    }
  }
  return { allowed: true, name, args, command };
}
