/**
 * Platforms Botkube had and Switchboard does not run. They are accepted so Botkube configs
 * load unchanged; when one is enabled, loading warns that it is ignored (the `x-unsupported`
 * meta drives that warning and the docs).
 */
import { z } from 'zod';
import { ChannelByName, channels, flag, ignored, SinkBindings, secret, text } from './common.js';

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
