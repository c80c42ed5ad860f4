import { stat } from 'node:fs/promises';
import type { ExecuteInput, ExecuteOutput, Message } from '../../src/sdk/index.js';
import { readExecConfig } from './config.js';
import { parseDuration } from './duration.js';
import { checkCommand } from './policy.js';
import { renderAllowList, renderRefusal, renderResult } from './render.js';
import { resolveProgram } from './resolve-program.js';
import { runProcess } from './run-process.js';
import { TokenizeError, tokenize } from './tokenize.js';

/** Variables the plugin passes on from its own environment; everything else stays out. */
const inheritedEnv = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/**
 * Handles `exec …`: lists the allow-list, refuses what it does not allow, or runs the program
 * and streams its output as text chunks, then, if it failed, one message with the output and
 * how it ended (see renderResult).
 */
export async function execute(input: ExecuteInput): Promise<ExecuteOutput> {
  const config = readExecConfig(input.config());
  let words: string[];
  try {
    words = tokenize(input.command).slice(1); // the first word is the plugin's own ("exec")
  } catch (err) {
    if (err instanceof TokenizeError) return renderRefusal(`${err.message}.`);
    throw err;
  }
  if (words.length === 0 || (words.length === 1 && words[0] === 'help')) return renderAllowList(config);

  const verdict = checkCommand(words, config.commands);
  if (!verdict.allowed) return renderRefusal(verdict.reason);

  const file = await resolveProgram(verdict.name, verdict.command, process.env.PATH ?? '');
  const cwd = config.workingDir ?? '/';
  if (!(await isDirectory(cwd))) {
    throw new Error(`the working directory ${cwd} does not exist; fix workingDir in the exec config`);
  }
  const limits = { timeout: config.timeout ?? '20s', maxOutputBytes: config.maxOutputBytes ?? 65_536 };
  input.log.info('running command', { command: verdict.name, args: verdict.args, file });

  const events = runProcess({
    file,
    args: verdict.args,
    cwd,
    env: childEnvironment(config.env),
    timeoutMs: parseDuration(limits.timeout),
    maxOutputBytes: limits.maxOutputBytes,
    signal: input.signal,
  });
  return (async function* (): AsyncGenerator<string | Message> {
    let output = '';
    for await (const event of events) {
      if (event.kind === 'output') {
        output += event.text;
        yield event.text;
      } else {
        const final = renderResult(output, event, limits);
        if (final) yield final;
      }
    }
  })();
}

/** The program's environment: a few variables of the plugin's own, plus the configured ones. */
function childEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inheritedEnv) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
