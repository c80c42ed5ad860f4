/** `actions` (event → command automations) and `aliases` (command shorthands), as in Botkube. */
import { z } from 'zod';
import { flag, keyedBy, text, textList } from '../../platforms/slice-kit.js';

export const Action = z
  .strictObject({
    enabled: flag.prefault(false).meta({
      description: 'Run the action. Can be changed at runtime with `enable/disable action <name>`.',
    }),
    displayName: text
      .prefault('')
      .meta({ description: 'Shown as the author: `Automation "<displayName>"`.' }),
    command: text.prefault('').meta({
      description:
        'Command to run, a Go template rendered with `{Event: <event>}`, e.g. `kubectl describe pod -n {{ .Event.Namespace }} {{ .Event.Name }}`. Required when enabled.',
    }),
    bindings: z
      .strictObject({
        sources: textList.meta({ description: 'Source groups whose events trigger the action.' }),
        executors: textList.meta({ description: 'Executor groups used to run the command.' }),
      })
      .prefault({}),
  })
  .superRefine((action, ctx) => {
    if (action.enabled && action.command.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'command is required when the action is enabled',
        params: { code: 'missing' },
      });
    }
  });
export type Action = z.infer<typeof Action>;

export const Actions = z
  .record(z.string(), Action)
  .prefault({})
  .meta({
    ...keyedBy('<action>'),
    description:
      'Automations: run a command when a bound source emits an event (also one that posts nothing, ' +
      'a `skipMessage`). Each action has its own queue, 4 runs at once and 1,000 waiting, so a slow ' +
      'action holds back neither events nor other actions; runs past that are dropped, logged and ' +
      'counted in `switchboard_action_runs_total{result="dropped"}`.',
  });

export const Alias = z.strictObject({
  command: text.pipe(z.string().trim().min(1, { error: 'command must not be empty' })).meta({
    description: 'What the alias expands to, e.g. `kubectl get pods`.',
  }),
  displayName: text.prefault('').meta({ description: 'Shown in `list aliases`.' }),
});
export type Alias = z.infer<typeof Alias>;

export const Aliases = z
  .record(
    z.string().regex(/^\S+( \S+)*$/, { error: 'alias names are words separated by single spaces' }),
    Alias,
  )
  .prefault({})
  .meta({
    ...keyedBy('<alias>'),
    description: 'Command aliases: `kgp: {command: kubectl get pods}`. The longest matching alias wins.',
  });
