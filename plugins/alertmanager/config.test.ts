import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AlertmanagerExecutorConfig,
  type AlertmanagerSourceConfig,
  type executorConfigSchema,
  readExecutorConfig,
  readSourceConfig,
  type sourceConfigSchema,
} from './config.js';

describe('alertmanager configs: the types and the JSON Schemas agree', () => {
  it('name the same keys and require what the types require', () => {
    expectTypeOf<keyof (typeof sourceConfigSchema)['properties']>().toEqualTypeOf<
      keyof AlertmanagerSourceConfig
    >();
    expectTypeOf<keyof (typeof executorConfigSchema)['properties']>().toEqualTypeOf<
      keyof AlertmanagerExecutorConfig
    >();
    expectTypeOf<(typeof executorConfigSchema)['required'][number]>().toEqualTypeOf<'url'>();
    expectTypeOf<
      keyof (typeof executorConfigSchema)['properties']['basicAuth']['properties']
    >().toEqualTypeOf<keyof NonNullable<AlertmanagerExecutorConfig['basicAuth']>>();
  });

  it('accept every config the types accept', () => {
    const sources: AlertmanagerSourceConfig[] = [
      {},
      { silenceDurations: ['1h', '1d12h'], maxAlerts: 5, externalUrl: 'https://am.example' },
    ];
    for (const sample of sources) expect(readSourceConfig(sample)).toEqual(sample);
    const executors: AlertmanagerExecutorConfig[] = [
      { url: 'http://127.0.0.1:9093' },
      {
        url: 'https://am.example',
        basicAuth: { username: 'u', password: 'p' },
        timeout: '5s',
        defaultSilenceDuration: '4h',
      },
      { url: 'https://am.example', bearerToken: 't', externalUrl: 'https://am.public.example' },
    ];
    for (const sample of executors) expect(readExecutorConfig(sample)).toEqual(sample);
  });

  it('refuse what the types refuse, and both kinds of credentials at once', () => {
    // @ts-expect-error url is required
    const noUrl: AlertmanagerExecutorConfig = {};
    expect(() => readExecutorConfig(noUrl)).toThrow(
      "invalid alertmanager executor config: / must have required property 'url'",
    );
    // @ts-expect-error maxAlerts is a number
    const wrongType: AlertmanagerSourceConfig = { maxAlerts: 'ten' };
    expect(() => readSourceConfig(wrongType)).toThrow('/maxAlerts must be integer');
    expect(() => readSourceConfig({ silenceDurations: ['2 hours'] })).toThrow(
      '/silenceDurations/0 must match pattern',
    );
    expect(() => readExecutorConfig({ url: 'am:9093' })).toThrow('/url must match pattern "^https?://"');
    expect(() =>
      readExecutorConfig({ url: 'http://am', basicAuth: { username: 'u', password: 'p' }, bearerToken: 't' }),
    ).toThrow('set basicAuth or bearerToken, not both');
  });
});
