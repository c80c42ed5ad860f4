import { Ajv, type ValidateFunction } from 'ajv';

/** The demo source's config: how often it emits, and which sample scenarios it cycles through. */
export interface DemoConfig {
  /** Time between events, e.g. `5s` (at least 1s, so a forgotten demo cannot flood a channel). */
  interval?: string;
  /** Scenario names to cycle through, in order; default: all of them. */
  scenarios?: string[];
  /** Stop after this many events (0 or absent: never). */
  count?: number;
}

export const scenarioNames = [
  'pod-crashloop',
  'deployment-rollout',
  'alert-firing',
  'job-succeeded',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** JSON Schema of {@link DemoConfig}, published as `metadata.jsonSchema`. */
export const demoConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'demo',
  description: 'Emits sample notifications for trying Switchboard out.',
  type: 'object',
  additionalProperties: false,
  properties: {
    interval: {
      type: 'string',
      pattern: '^[0-9]+(ms|s|m|h)$',
      default: '5s',
      description: 'Time between events (at least 1s).',
    },
    scenarios: {
      type: 'array',
      items: { type: 'string', enum: [...scenarioNames] },
      minItems: 1,
      description: 'Scenarios to cycle through, in order; default all.',
    },
    count: { type: 'integer', minimum: 0, description: 'Stop after this many events; 0 means never.' },
  },
} as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<DemoConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true }).compile<DemoConfig>(demoConfigSchema);
  return compiled;
};

export interface ReadDemoConfig {
  intervalMs: number;
  scenarios: ScenarioName[];
  count: number;
}

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Validates the config and applies defaults; errors name the key and what was expected. */
export function readDemoConfig(config: unknown): ReadDemoConfig {
  const value = config ?? {};
  const validate = validator();
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`invalid demo config: ${problems.join('; ')}`);
  }
  const interval = value.interval ?? '5s';
  const [, amount, unit] = /^([0-9]+)(ms|s|m|h)$/.exec(interval) as RegExpExecArray;
  const intervalMs = Number(amount) * unitMs[unit as keyof typeof unitMs];
  if (intervalMs < 1000) {
    throw new Error(`invalid demo config: /interval "${interval}" is shorter than the 1s minimum`);
  }
  return {
    intervalMs,
    scenarios: (value.scenarios as ScenarioName[] | undefined) ?? [...scenarioNames],
    count: value.count ?? 0,
  };
}
