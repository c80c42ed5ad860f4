/** views.open: a trigger_id from an interaction exchanged for a modal (see views.ts). */
import { openView } from '../views.js';
import { SlackApiError } from './api-error.js';
import { jsonArgument, requiredString } from './args.js';
import type { MethodDefinition } from './method.js';

export const viewMethods: Record<string, MethodDefinition> = {
  'views.open': {
    token: 'bot',
    run: ({ core, args }) => {
      const triggerId = requiredString(args, 'trigger_id');
      const view = jsonArgument(args, 'view', 'invalid_arguments');
      if (view === undefined)
        throw SlackApiError.withMessages('invalid_arguments', ['missing required field: view']);
      return openView(core, triggerId, view);
    },
  },
};
