import { codeBlockMessage, type Message, plaintextMessage } from '../../contract/message.js';
import type { ErrorCode } from '../../errors/codes.js';
import { pluginCallDetails } from '../../errors/switchboard-error.js';

/**
 * The one setting that bounds a chat command (and an action's command), streamed output
 * included. `plugins.runtime.callDeadline` bounds the agent's other calls to a plugin.
 */
export const commandDeadlineSetting = 'settings.commands.deadline';

/**
 * The short chat reply for a failed command: what happened and what to do.
 * Only this text reaches chat; details (stderr tails, paths) stay in the logs.
 */
export function failureReply(plugin: string, command: string, err: unknown, deadlineMs: number): Message {
  const code = (err as { code?: ErrorCode }).code;
  const limit = deadlineMs < 1000 ? `${deadlineMs} ms` : `${Math.round(deadlineMs / 1000)} s`;
  switch (code) {
    case 'SB_ERR_PLUGIN_DEADLINE':
      return plaintextMessage(
        `\`${command}\` did not finish within ${limit} and was cancelled. Narrow it down, or ask an operator to raise \`${commandDeadlineSetting}\`.`,
      );
    case 'SB_ERR_PLUGIN_QUARANTINED':
      return plaintextMessage(
        `The ${plugin} executor is deactivated after crashing repeatedly. An operator can see why with \`status\` and reactivate it once fixed.`,
      );
    case 'SB_ERR_PLUGIN_UNAVAILABLE':
      return plaintextMessage(`The ${plugin} executor is (re)starting. Try again in a moment.`);
    case 'SB_ERR_PLUGIN_EXITED':
      return plaintextMessage(
        `The ${plugin} executor crashed while running \`${command}\`; it is being restarted. Try again in a moment.`,
      );
    case 'SB_ERR_PLUGIN_CANCELLED':
      return plaintextMessage(`\`${command}\` was cancelled.`);
    case 'SB_ERR_PLUGIN_CALL': {
      // The plugin's own error text is meant for the user (like a Go plugin's returned error).
      const text =
        pluginCallDetails(err)?.pluginMessage ?? (err instanceof Error ? err.message : String(err));
      return codeBlockMessage(text);
    }
    default:
      return plaintextMessage(
        `The ${plugin} executor could not run \`${command}\`. The agent log has the details.`,
      );
  }
}
