/**
 * The webhook sink's config slice (`communications.<group>.webhook`): Botkube's schema, plus
 * what Botkube lacked: `headers` (kubeshop/botkube#518), `auth` and `timeout`.
 */
import { z } from 'zod';
import {
  duration,
  flag,
  keyedBy,
  nonEmptyText,
  requireWhenEnabled,
  SinkBindings,
  secret,
} from '../../platforms/slice-kit.js';

/** RFC 9110 `token`: what a header name may consist of. */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the HTTP client owns: setting them by hand breaks framing or the connection. */
const reservedHeaders = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);

export const WebhookSinkAuth = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('bearer'),
        token: secret.meta({ description: 'Sent as `Authorization: Bearer <token>`.' }),
      }),
      z.strictObject({
        type: z.literal('basic'),
        username: nonEmptyText.meta({ description: 'Basic auth user.' }),
        password: secret.prefault('').meta({ description: 'Basic auth password.' }),
      }),
    ],
    { error: 'expected type "bearer" (with token) or "basic" (with username and password)' },
  )
  .meta({ description: 'Credentials sent with every request (Switchboard): a bearer token or basic auth.' });
export type WebhookSinkAuth = z.infer<typeof WebhookSinkAuth>;

export const WebhookSink = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Post events to the URL.' }),
    url: secret.prefault('').meta({
      description:
        'Where events are POSTed as JSON (http or https). Treated as a secret (such URLs often embed a token): it never appears in logs or errors.',
    }),
    headers: z
      .record(z.string(), secret)
      .prefault({})
      .meta({ ...keyedBy('<header>'), description: 'Extra request headers (values are secrets).' }),
    auth: WebhookSinkAuth.optional(),
    timeout: duration({ min: 100 })
      .prefault('10s')
      .meta({ description: 'Longest one POST may take, connecting included; then it is retried.' }),
    bindings: SinkBindings,
  })
  .superRefine((webhook, ctx) => {
    requireWhenEnabled(webhook, ctx, ['url']);
    for (const name of Object.keys(webhook.headers)) {
      const problem = !headerName.test(name)
        ? 'is not a valid HTTP header name'
        : reservedHeaders.has(name.toLowerCase())
          ? 'is set by the HTTP client and cannot be configured'
          : name.toLowerCase() === 'authorization' && webhook.auth
            ? 'conflicts with `auth`; use one of them'
            : undefined;
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `header "${name}" ${problem}`,
          params: { code: 'invalid' },
        });
      }
    }
  })
  .meta({ description: 'Outgoing webhook sink: every event of the bound sources as JSON.' });
export type WebhookSink = z.infer<typeof WebhookSink>;
