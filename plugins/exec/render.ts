import { commandButton, type Message, plaintextMessage } from '../../src/sdk/index.js';
import type { ExecConfig } from './config.js';
import type { ProcessEvent } from './run-process.js';

/**
 * What to send after the output of a finished command. Nothing when it succeeded with output:
 * the streamed text is the answer (hosts show streamed text as a code block, and unary hosts
 * get it collected into one). Otherwise a message that replaces the streamed text: the output
 * with how the command ended under it, or a note that there was no output.
 */
export function renderResult(
  output: string,
  end: Extract<ProcessEvent, { kind: 'end' }>,
  limits: { timeout: string; maxOutputBytes: number },
): Message | undefined {
  const status = describeEnd(end, limits);
  if (status === undefined)
    return output === '' ? plaintextMessage('The command succeeded with no output.') : undefined;
  if (output === '') return plaintextMessage(status);
  return { baseBody: { codeBlock: output }, sections: [{ context: [{ text: status }] }] };
}

function describeEnd(
  end: Extract<ProcessEvent, { kind: 'end' }>,
  limits: { timeout: string; maxOutputBytes: number },
): string | undefined {
  switch (end.reason) {
    case 'failed-to-start':
      return `The command could not start: ${end.error ?? 'unknown error'}.`;
    case 'timeout':
      return `Stopped after the ${limits.timeout} time limit (config: timeout).`;
    case 'output-limit':
      return `Output cut at ${limits.maxOutputBytes} bytes and the command stopped (config: maxOutputBytes).`;
    case 'cancelled':
      return 'Cancelled.';
    case 'exited':
      if (end.exitCode === 0) return undefined;
      return end.signal ? `Killed by ${end.signal}.` : `Exit status ${end.exitCode}.`;
  }
}

/** A refusal: why, and what is allowed instead. */
export function renderRefusal(reason: string): Message {
  return plaintextMessage(`Refused: ${reason} Run \`exec\` to list what is allowed.`);
}

/** `exec` alone: the allow-list from config, with a button per command. */
export function renderAllowList(config: ExecConfig): Message {
  const names = Object.keys(config.commands).sort();
  if (names.length === 0)
    return plaintextMessage('No commands are allowed: add some under `commands` in the exec config.');
  const items = names.map((name) => {
    const command = config.commands[name] ?? {};
    const args = command.args?.length
      ? `arguments matching ${command.args.map((a) => `\`${a}\``).join(', ')}`
      : 'no arguments';
    return `${name}: ${command.description ? `${command.description}; ` : ''}${args}`;
  });
  return {
    baseBody: {
      plaintext:
        'exec <command> [arguments…] runs one of these (no shell: quotes group words, nothing is expanded):',
    },
    sections: [
      {
        bulletLists: [{ title: 'Allowed commands', items }],
        // Chat platforms limit buttons per block; ten is a safe number everywhere.
        buttons: names.slice(0, 10).map((name) => commandButton(name, `exec ${name}`)),
      },
    ],
  };
}

/** The Help RPC answer, which has no config to list. */
export function renderUsage(): Message {
  return plaintextMessage(
    'exec <command> [arguments…]: runs an allow-listed program without a shell and streams its output.\n' +
      'exec: lists the commands and arguments this channel allows.',
  );
}
