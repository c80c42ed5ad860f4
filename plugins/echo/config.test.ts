import { describe, expect, expectTypeOf, it } from 'vitest';
import { type EchoConfig, type echoConfigSchema, readEchoConfig } from './config.js';

describe('echo config: the type and the JSON Schema agree', () => {
  it('names the same keys', () => {
    // Checked by tsc: a key added to one and not the other fails the type check.
    expectTypeOf<keyof (typeof echoConfigSchema)['properties']>().toEqualTypeOf<keyof EchoConfig>();
  });

  it('accepts every config the type accepts', () => {
    const samples: EchoConfig[] = [{}, { prefix: '> ' }, { upperCase: true, prefix: '' }];
    for (const sample of samples) expect(readEchoConfig(sample)).toEqual(sample);
  });

  it('refuses what the type refuses, saying where', () => {
    // @ts-expect-error upperCase is a boolean
    const wrongType: EchoConfig = { upperCase: 'yes' };
    // @ts-expect-error unknown keys are typos
    const unknownKey: EchoConfig = { prefx: '>' };
    expect(() => readEchoConfig(wrongType)).toThrow('invalid echo config: /upperCase must be boolean');
    expect(() => readEchoConfig(unknownKey)).toThrow('must NOT have additional properties');
  });
});
