import { Ajv, type ValidateFunction } from 'ajv';
import { Cron } from 'croner';

/** One schedule: when it fires and what its event carries. */
export interface ScheduleEntry {
  /** Unique within the config; events carry it as `rawObject.schedule`. */
  name: string;
  /** Cron expression: 5 fields, or 6 with seconds first (`*\/10 * * * * *`). */
  cron: string;
  /** IANA time zone the expression is read in (default `UTC`). */
  timezone?: string;
  /** Text of the chat message; without it the event is for actions only (nothing is posted). */
  message?: string;
  /** Extra fields for the event's raw object, which actions see as `.Event`. */
  rawObject?: Record<string, unknown>;
}

/** The schedule source's config (one per stream). */
export interface ScheduleConfig {
  schedules: ScheduleEntry[];
}

/** JSON Schema of {@link ScheduleConfig}, published as `metadata.jsonSchema`; `config.test.ts` proves they agree. */
export const scheduleConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'schedule',
  description: 'Emits events on cron schedules.',
  type: 'object',
  additionalProperties: false,
  required: ['schedules'],
  properties: {
    schedules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'cron'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'Unique name, carried as rawObject.schedule.' },
          cron: { type: 'string', description: '5 fields, or 6 with seconds first.' },
          timezone: { type: 'string', default: 'UTC', description: 'IANA time zone, e.g. Europe/Berlin.' },
          message: { type: 'string', description: 'Chat message; omit for action-only events.' },
          rawObject: { type: 'object', description: 'Extra fields for the event raw object.' },
        },
      },
    },
  },
} as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<ScheduleConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true }).compile<ScheduleConfig>(scheduleConfigSchema);
  return compiled;
};

/**
 * Checks a config against the schema, then what a schema cannot: unique names, cron
 * expressions croner accepts and time zones the runtime knows. Errors say which schedule.
 */
export function readScheduleConfig(config: unknown): ScheduleConfig {
  const validate = validator();
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`invalid schedule config: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const entry of config.schedules) {
    const where = `invalid schedule config: schedule "${entry.name}"`;
    if (seen.has(entry.name)) throw new Error(`${where}: the name is used twice; names must be unique`);
    seen.add(entry.name);
    try {
      new Intl.DateTimeFormat('en', { timeZone: entry.timezone ?? 'UTC' });
    } catch {
      throw new Error(`${where}: unknown time zone "${entry.timezone}"; use an IANA name like Europe/Berlin`);
    }
    try {
      new Cron(entry.cron, { timezone: entry.timezone ?? 'UTC', paused: true });
    } catch (err) {
      throw new Error(`${where}: cron "${entry.cron}" is not valid: ${(err as Error).message}`);
    }
  }
  return config;
}
