import { type ExecuteInput, type Message, plaintextMessage } from '../../src/sdk/index.js';
import { type AlertmanagerApi, AlertmanagerApiError, createAlertmanagerApi } from './api-client.js';
import { parseCommand } from './command.js';
import { readExecutorConfig } from './config.js';
import { parseDuration } from './duration.js';
import { formatMatcher } from './matchers.js';
import {
  renderAlerts,
  renderExpired,
  renderHelp,
  renderInvalid,
  renderSilenceCreated,
  renderSilences,
} from './render-commands.js';

/** Clock and API, injectable so the command logic is testable without a server. */
export interface RunDependencies {
  api?: AlertmanagerApi;
  now?: () => Date;
}

/**
 * Runs one `alertmanager …` command against the API. Problems the user can fix (a bad
 * command, an unreachable Alertmanager, wrong credentials) are answered as messages; only
 * bugs throw.
 */
export async function runCommand(input: ExecuteInput, deps: RunDependencies = {}): Promise<Message> {
  const config = readExecutorConfig(input.config());
  const defaultDuration = config.defaultSilenceDuration ?? '2h';
  const command = parseCommand(input.command, defaultDuration);
  const api = deps.api ?? createAlertmanagerApi(config, input.signal);
  const now = deps.now ?? (() => new Date());
  try {
    switch (command.verb) {
      case 'help':
        return renderHelp();
      case 'invalid':
        return renderInvalid(command.reason);
      case 'alerts':
        return renderAlerts(await api.alerts(command.filter), defaultDuration);
      case 'silences':
        return renderSilences(await api.silences(command.filter), command.all);
      case 'expire':
        await api.expireSilence(command.id);
        return renderExpired(command.id);
      case 'silence': {
        const createdBy = input.context.message?.user?.displayName || 'switchboard';
        const durationMs = parseDuration(command.duration);
        const startsAt = now();
        const endsAt = new Date(startsAt.getTime() + durationMs);
        const id = await api.createSilence({
          matchers: command.matchers,
          startsAt,
          endsAt,
          createdBy,
          comment: command.comment ?? `Silenced from chat by ${createdBy}`,
        });
        input.log.info('silence created', { id, createdBy });
        return renderSilenceCreated(
          id,
          { matchers: command.matchers.map(formatMatcher), createdBy, endsAt, durationMs },
          config.externalUrl ?? config.url,
        );
      }
    }
  } catch (err) {
    // Unreachable, refused, or an error from Alertmanager itself: the message says what to check.
    if (err instanceof AlertmanagerApiError) return plaintextMessage(err.message);
    throw err;
  }
}
