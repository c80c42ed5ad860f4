import { codeBlockMessage, commandButton, type Message } from '../../src/sdk/index.js';
import type { EchoConfig } from './config.js';

/**
 * The answer to `echo <text>`: the text, prefixed and cased as configured, plus a button that
 * echoes it again. Pure, so it is unit-tested without a process.
 */
export function echo(command: string, config: EchoConfig): Message {
  // The command starts with the plugin's own word ("echo"); everything after it is the text.
  const text = command.trim().replace(/^\S+\s*/, '');
  if (text === '') return usage();
  const answer = `${config.prefix ?? ''}${text}`;
  return {
    ...codeBlockMessage(config.upperCase ? answer.toUpperCase() : answer),
    // Buttons carry a whole command; commandButton adds the {{BotName}} mention each platform needs.
    sections: [{ buttons: [commandButton('Echo again', `echo ${text}`)] }],
  };
}

/** The help message: what the command does, with a button to try it. */
export function usage(): Message {
  return {
    baseBody: { plaintext: 'echo <text>: answers with <text> (config: prefix, upperCase).' },
    sections: [{ buttons: [commandButton('Try it', 'echo hello', { description: 'echo hello' })] }],
  };
}
