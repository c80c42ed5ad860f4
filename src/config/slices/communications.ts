/**
 * `communications.<group>`: a named group of chat platforms and sinks. The shape is composed
 * from the platform registry: each descriptor's slice, then the retired Botkube platforms.
 */
import { z } from 'zod';
import { platformList, retiredPlatforms } from '../../platforms/registry.js';

type Entry = { readonly key: string; readonly slice: z.ZodType };
type Shape<L extends readonly Entry[]> = { [E in L[number] as E['key']]: z.ZodOptional<E['slice']> };

function shape<L extends readonly Entry[]>(list: L): Shape<L> {
  return Object.fromEntries(list.map((entry) => [entry.key, entry.slice.optional()])) as Shape<L>;
}

export const CommunicationGroup = z
  .strictObject({ ...shape(platformList), ...shape(retiredPlatforms) })
  .meta({ description: 'One communication group: any of the platforms and sinks below.' });
export type CommunicationGroup = z.infer<typeof CommunicationGroup>;

type KeyOf<L extends readonly { key: string; kind: string }[], K extends string> = Extract<
  L[number],
  { kind: K }
>['key'];

/** Keys of the platforms Switchboard runs (or will run) as two-way bots. */
export type BotPlatform = KeyOf<typeof platformList, 'bot'>;
/** Keys of the platforms Switchboard runs as one-way sinks. */
export type SinkPlatform = KeyOf<typeof platformList, 'sink'>;

/** {@link BotPlatform} keys in schema order. */
export const botPlatforms = platformList.filter((d) => d.kind === 'bot').map((d) => d.key as BotPlatform);
/** {@link SinkPlatform} keys in schema order. */
export const sinkPlatforms = platformList.filter((d) => d.kind === 'sink').map((d) => d.key as SinkPlatform);
