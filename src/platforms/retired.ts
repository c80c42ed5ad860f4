/**
 * Platforms Botkube had and Switchboard does not run, and never will: accepted so Botkube configs
 * load unchanged; when one is enabled, loading warns that it is ignored (the `x-unsupported`
 * meta drives that warning and the docs), and the agent names it at start.
 *
 * They are one small table rather than descriptors: they have no folder, no capabilities and no
 * factory, and giving them those would only invent values nothing reads.
 */

import type { z as zod } from 'zod';
import { z } from 'zod';
import type { BindingLayout } from './descriptor.js';
import { ChannelByName, channels, flag, ignored, SinkBindings, secret, text } from './slice-kit.js';

function unsupported(reason: string) {
  return { 'x-unsupported': reason, description: `Not supported by Switchboard: ${reason}` };
}

export const Mattermost = z
  .strictObject({
    enabled: flag.prefault(false),
    botName: text.optional(),
    url: text.optional(),
    token: secret.optional(),
    team: text.optional(),
    channels: channels(ChannelByName),
    notification: ignored(
      'Botkube 0.x message format (`type: short` or `long`), which Botkube 1.x ignores too; per-channel `channels.<alias>.notification.disabled` is read.',
    ),
  })
  .meta(
    unsupported(
      'Switchboard has no Mattermost bot; this section is validated and ignored. Use socketSlack, discord, rocketChat or console.',
    ),
  );

export const PagerDuty = z
  .strictObject({
    enabled: flag.prefault(false),
    integrationKey: secret.optional(),
    bindings: SinkBindings,
    V2EventsAPIBasePath: text.optional(),
  })
  .meta(
    unsupported('Switchboard has no PagerDuty sink; this section is validated and ignored. Use webhook.'),
  );

/** Botkube Cloud and the legacy bots: shapes are not checked, they can never run. */
const anything = z.record(z.string(), z.unknown());

export const CloudSlack = anything.meta(
  unsupported('Botkube Cloud has reached end of life; use socketSlack.'),
);
export const CloudTeams = anything.meta(
  unsupported('Botkube Cloud has reached end of life, and with it Microsoft Teams support.'),
);
export const LegacySlack = anything.meta(
  unsupported('the legacy Slack app was removed in Botkube 1.9; use socketSlack.'),
);
export const LegacyTeams = anything.meta(
  unsupported('the self-hosted Teams bot was removed in Botkube 1.9.'),
);

/** A platform Botkube had that Switchboard validates and ignores. */
export interface RetiredPlatform {
  /** Key under `communications.<group>`. */
  key: string;
  kind: 'bot' | 'sink';
  slice: zod.ZodType;
  /** Why it does not run and what to use instead, for the start-up and `config validate` lines. */
  reason: string;
  /** Where its bindings are, so references to undefined groups are still reported. */
  bindings?: BindingLayout;
}

/** Every retired platform, in config-schema order. */
export const retiredPlatforms = [
  {
    key: 'mattermost',
    kind: 'bot',
    slice: Mattermost,
    reason: 'Switchboard has no Mattermost bot; use socketSlack, discord, rocketChat or console',
    bindings: { at: 'channels' },
  },
  {
    key: 'pagerDuty',
    kind: 'sink',
    slice: PagerDuty,
    reason: 'Switchboard has no PagerDuty sink; use a webhook sink',
    bindings: { at: 'section' },
  },
  {
    key: 'cloudSlack',
    kind: 'bot',
    slice: CloudSlack,
    reason: 'Botkube Cloud has reached end of life; use socketSlack',
  },
  {
    key: 'cloudTeams',
    kind: 'bot',
    slice: CloudTeams,
    reason: 'Botkube Cloud has reached end of life, and with it Microsoft Teams support',
  },
  {
    key: 'slack',
    kind: 'bot',
    slice: LegacySlack,
    reason: 'the legacy Slack app was removed in Botkube 1.9; use socketSlack',
  },
  {
    key: 'teams',
    kind: 'bot',
    slice: LegacyTeams,
    reason: 'the self-hosted Teams bot was removed in Botkube 1.9',
  },
] as const satisfies readonly RetiredPlatform[];
