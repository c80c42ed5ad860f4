/**
 * JSON Schema of the kubernetes source's config (Botkube's `botkube/kubernetes` config, plus
 * `warningRepeatInterval`), published as `metadata.jsonSchema`. `config.test.ts` proves it
 * agrees with the `KubernetesConfig` type in config.ts.
 */

const regexList = { type: 'array', items: { type: 'string' } } as const;

const regexConstraints = {
  type: 'object',
  additionalProperties: false,
  description: 'Unanchored regular expressions; exclude is checked first, then include.',
  properties: { include: regexList, exclude: regexList },
} as const;

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

const eventTypeNames = ['create', 'update', 'delete', 'error', 'warning', 'normal', 'info', 'all'] as const;

const eventBlock = {
  type: 'object',
  additionalProperties: false,
  properties: {
    types: { type: 'array', items: { enum: eventTypeNames } },
    reason: regexConstraints,
    message: regexConstraints,
  },
} as const;

const durationPattern = '^([0-9]+h)?([0-9]+m)?([0-9]+s)?$';

export const kubernetesConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'kubernetes source',
  description: 'Kubernetes events, as the Botkube botkube/kubernetes source emits them.',
  type: 'object',
  additionalProperties: false,
  properties: {
    namespaces: regexConstraints,
    labels: stringMap,
    annotations: stringMap,
    event: eventBlock,
    resources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: {
            type: 'string',
            description: 'v1/<plural> for the core group, else <group>/<version>/<plural>.',
          },
          name: regexConstraints,
          namespaces: regexConstraints,
          labels: stringMap,
          annotations: stringMap,
          event: eventBlock,
          updateSetting: {
            type: 'object',
            additionalProperties: false,
            properties: {
              includeDiff: { type: 'boolean', default: false },
              fields: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    filters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        objectAnnotationChecker: { type: 'boolean', default: true },
        nodeEventsChecker: { type: 'boolean', default: true },
      },
    },
    recommendations: {
      type: 'object',
      additionalProperties: false,
      properties: {
        pod: {
          type: 'object',
          additionalProperties: false,
          properties: { noLatestImageTag: { type: 'boolean' }, labelsSet: { type: 'boolean' } },
        },
        ingress: {
          type: 'object',
          additionalProperties: false,
          properties: { backendServiceValid: { type: 'boolean' }, tlsSecretValid: { type: 'boolean' } },
        },
      },
    },
    commands: {
      type: 'object',
      additionalProperties: false,
      properties: {
        verbs: { type: 'array', items: { type: 'string' } },
        resources: { type: 'array', items: { type: 'string' } },
      },
    },
    extraButtons: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['trigger', 'button'],
        properties: {
          enabled: { type: 'boolean', default: false },
          trigger: {
            type: 'object',
            additionalProperties: false,
            properties: { type: { type: 'array', items: { enum: eventTypeNames } } },
          },
          button: {
            type: 'object',
            additionalProperties: false,
            required: ['displayName', 'commandTpl'],
            properties: { displayName: { type: 'string' }, commandTpl: { type: 'string' } },
          },
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'] },
        disableColors: { type: 'boolean' },
      },
    },
    informerResyncPeriod: {
      type: 'string',
      pattern: durationPattern,
      description: 'Accepted for Botkube compatibility; Switchboard never resyncs (no resync noise).',
    },
    warningRepeatInterval: {
      type: 'string',
      pattern: durationPattern,
      default: '1m',
      description:
        'Switchboard: repeats of one Warning Event within this time are coalesced into one message.',
    },
  },
} as const;

/** Every value `event.types` and `trigger.type` accept (Botkube's list). */
export { eventTypeNames };
