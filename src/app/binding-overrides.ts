import type { Config } from '../config/schema.js';
import { botPlatforms } from '../config/slices/communications.js';

/** The source groups chosen for a channel at run time, or undefined to keep the config's. */
export type SourceBindingOverride = (
  destinationId: string,
  channelId: string,
) => readonly string[] | undefined;

/**
 * The config with channels' source bindings replaced by the ones chosen with `edit
 * sourcebindings`. Everything downstream (which plugins run, which streams open, where events
 * go) then follows from one config. Only the changed channels are copied; the config stays
 * frozen and untouched. A channel is keyed as the topology keys it: its ID, else its name.
 */
export function withSourceBindingOverrides(config: Config, override: SourceBindingOverride): Config {
  let changed = false;
  const communications: Record<string, unknown> = {};
  for (const [group, communication] of Object.entries(config.communications)) {
    const sections = { ...(communication as Record<string, unknown>) };
    for (const platform of botPlatforms) {
      const slice = sections[platform] as
        | {
            enabled: boolean;
            channels: Record<string, { id?: string; name?: string; bindings: { sources: string[] } }>;
          }
        | undefined;
      if (!slice?.enabled) continue;
      const channels: Record<string, unknown> = {};
      let sliceChanged = false;
      for (const [alias, channel] of Object.entries(slice.channels)) {
        const groups = override(`${group}/${platform}`, channel.id ?? channel.name ?? '');
        if (groups === undefined) {
          channels[alias] = channel;
          continue;
        }
        sliceChanged = true;
        channels[alias] = { ...channel, bindings: { ...channel.bindings, sources: [...groups] } };
      }
      if (sliceChanged) {
        changed = true;
        sections[platform] = { ...slice, channels };
      }
    }
    communications[group] = sections;
  }
  return changed ? ({ ...config, communications } as Config) : config;
}
