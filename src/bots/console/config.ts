/**
 * The built-in web console (`communications.<group>.console`): a chat page served by the agent
 * itself, the zero-token quickstart.
 */
import { z } from 'zod';
import {
  ChannelByName,
  channels,
  flag,
  listenAddress,
  port,
  requireChannelsWhenEnabled,
  secret,
} from '../../platforms/slice-kit.js';

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export const Console = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Serve the web console.' }),
    address: listenAddress.prefault('127.0.0.1').meta({
      description: 'Listen address (IPv4, IPv6 or a host name). Anything but loopback requires `token`.',
    }),
    port: port.prefault(2116).meta({ description: 'Listen port.' }),
    token: secret.optional().meta({
      description: 'Access token the browser must present. Optional on loopback, required otherwise.',
    }),
    channels: channels(ChannelByName),
  })
  .superRefine((console, ctx) => {
    if (!console.enabled) return;
    requireChannelsWhenEnabled(console, ctx);
    if (!loopback.test(console.address) && (console.token === undefined || console.token.isEmpty())) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `a token is required when the console listens on ${console.address} (not loopback)`,
        params: { code: 'missing' },
      });
    }
  })
  .meta({
    description: 'Built-in web console: chat with the agent in a browser (default http://127.0.0.1:2116).',
  });
export type Console = z.infer<typeof Console>;
