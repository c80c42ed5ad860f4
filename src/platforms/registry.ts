/**
 * The platforms of this build: one static list of descriptors (bots, then sinks, in config-schema
 * order) plus the retired Botkube platforms. Adding a platform is a folder under `src/bots/` or
 * `src/sinks/` with a `descriptor.ts`, and one line here. This is the only module of
 * `src/platforms/` that imports bots and sinks; the rest of the folder is imported by them.
 */
import { consoleDescriptor } from '../bots/console/descriptor.js';
import { discordDescriptor } from '../bots/discord/descriptor.js';
import { rocketChatDescriptor } from '../bots/rocketchat/descriptor.js';
import { slackDescriptor } from '../bots/slack/descriptor.js';
import { elasticsearchDescriptor } from '../sinks/elasticsearch/descriptor.js';
import { webhookDescriptor } from '../sinks/webhook/descriptor.js';
import type { PlatformDescriptor } from './descriptor.js';
import { type RetiredPlatform, retiredPlatforms } from './retired.js';

/**
 * Every platform Switchboard knows, implemented or planned, in config-schema order, with each
 * entry's own types (the config schema's TypeScript type is inferred from it).
 */
export const platformList = [
  slackDescriptor,
  discordDescriptor,
  rocketChatDescriptor,
  consoleDescriptor,
  webhookDescriptor,
  elasticsearchDescriptor,
] as const;

// `never` settings: each descriptor is checked against its own slice type where it is written;
// readers of the list only pass a slice's own validated output back to its descriptor.
type AnyDescriptor = PlatformDescriptor<never>;

/** {@link platformList} as one element type, for code that treats every platform alike. */
export const platformDescriptors: readonly AnyDescriptor[] = platformList.map(
  (d) => d as unknown as AnyDescriptor,
);

export { type RetiredPlatform, retiredPlatforms };

/** The descriptor of `key`, or undefined for a retired or unknown key. */
export function platformDescriptor(key: string): AnyDescriptor | undefined {
  return platformDescriptors.find((descriptor) => descriptor.key === key);
}

/** Keys of the two-way platforms, in schema order. */
export const botPlatforms: readonly string[] = platformDescriptors
  .filter((d) => d.kind === 'bot')
  .map((d) => d.key);

/** Keys of the one-way sinks, in schema order. */
export const sinkPlatforms: readonly string[] = platformDescriptors
  .filter((d) => d.kind === 'sink')
  .map((d) => d.key);

/** Keys of the platforms this build runs. */
export const implementedPlatforms: readonly string[] = platformDescriptors
  .filter((d) => d.status.state === 'implemented')
  .map((d) => d.key);

/**
 * Why `key` does not run here, or undefined when it does: a planned platform's reason, a
 * retired one's, or a generic line for a key no table knows.
 */
export function notRunReason(key: string): string | undefined {
  const descriptor = platformDescriptor(key);
  if (descriptor) return descriptor.status.state === 'planned' ? descriptor.status.reason : undefined;
  return retiredPlatforms.find((p) => p.key === key)?.reason ?? `Switchboard does not run ${key}`;
}
