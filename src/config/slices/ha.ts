/** `settings.ha`: several replicas with one leader (Switchboard; Botkube has no equivalent). */
import { z } from 'zod';
import { duration, flag, text } from '../../platforms/slice-kit.js';

/** A Kubernetes object name (DNS subdomain) or namespace (DNS label). */
const kubeName = (what: string, max: number) =>
  text
    .pipe(
      z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a valid ${what}; expected lower-case letters, digits, "-" and "."`,
      }),
    )
    .pipe(z.string().max(max, { error: `expected at most ${max} characters` }));

/** A NATS KV bucket or key token. */
const kvName = (what: string) =>
  text.pipe(
    z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a valid ${what}; expected 1 to 64 letters, digits, "_" or "-"`,
    }),
  );

export const HaSettings = z
  .strictObject({
    enabled: flag.prefault(false).meta({
      description:
        'Run as one of several replicas: they elect a leader, and only the leader opens source streams, chat connections (Socket Mode, Discord gateway, Rocket.Chat DDP, the console) and delivers; the others keep plugins running and take over within about `leaseDuration` when it is gone. Requires `settings.delivery.store.type: jetstream` (the queue, runtime state and dedup keys are shared through NATS). Not reloadable.',
    }),
    identity: text.prefault('').meta({
      description:
        'This replica’s name in the election, unique per replica. Empty: the `POD_NAME` environment variable, else `<hostname>-<pid>`.',
    }),
    election: z
      .strictObject({
        store: z
          .enum(['kubernetes', 'nats'], { error: 'expected "kubernetes" or "nats"' })
          .prefault('kubernetes')
          .meta({
            description:
              '`kubernetes`: a coordination.k8s.io/v1 Lease (the identity needs get, create and update on leases in `kubernetes.namespace`). `nats`: a JetStream key-value bucket on the servers of `settings.delivery.store.jetstream`.',
          }),
        leaseDuration: duration({ min: 1000 }).prefault('15s').meta({
          description:
            'How long a lease is honoured after its last renewal: the failover time when the leader dies. Whole seconds with the kubernetes store.',
        }),
        renewDeadline: duration({ min: 1 }).prefault('10s').meta({
          description:
            'The leader steps down (stops sources, chat connections and delivery) when no renewal succeeded for this long. Less than `leaseDuration`.',
        }),
        retryPeriod: duration({ min: 1 }).prefault('2s').meta({
          description:
            'How often the leader renews and the others try to take the lease. `renewDeadline` must exceed 1.2 × this.',
        }),
        kubernetes: z
          .strictObject({
            namespace: text.prefault('').meta({
              description:
                'Namespace of the Lease. Empty: the `POD_NAMESPACE` environment variable, else the service account’s namespace file, else `default`.',
            }),
            name: kubeName('Lease name', 253)
              .prefault('switchboard-leader')
              .meta({ description: 'Name of the Lease; one per agent deployment.' }),
          })
          .prefault({}),
        nats: z
          .strictObject({
            bucket: kvName('bucket name')
              .prefault('switchboard-leader')
              .meta({ description: 'Key-value bucket of the lease (created with TTL = `leaseDuration`).' }),
            key: kvName('key').prefault('leader').meta({ description: 'Key of the lease in the bucket.' }),
          })
          .prefault({}),
      })
      .prefault({})
      .superRefine((election, ctx) => {
        const { leaseDuration, renewDeadline, retryPeriod } = election;
        if (renewDeadline.ms >= leaseDuration.ms)
          ctx.addIssue({
            code: 'custom',
            path: ['renewDeadline'],
            message: `must be less than leaseDuration (${leaseDuration.toString()}), so a leader cut off from the store stops before another may start`,
          });
        if (renewDeadline.ms <= 1.2 * retryPeriod.ms)
          ctx.addIssue({
            code: 'custom',
            path: ['retryPeriod'],
            message: `must be less than renewDeadline / 1.2 (${renewDeadline.toString()} / 1.2), so a leader gets more than one renewal attempt before it steps down`,
          });
        if (election.store === 'kubernetes' && leaseDuration.ms % 1000 !== 0)
          ctx.addIssue({
            code: 'custom',
            path: ['leaseDuration'],
            message: `must be whole seconds with the kubernetes store (a Lease holds leaseDurationSeconds), got ${leaseDuration.toString()}`,
          });
      })
      .meta({ description: 'How the leader is elected, and its timings (client-go’s defaults).' }),
  })
  .prefault({})
  .meta({
    description:
      'High availability: several replicas, one leader (Switchboard; see docs/ha.md). Off by default: one agent does everything.',
  });
export type HaSettings = z.infer<typeof HaSettings>;
