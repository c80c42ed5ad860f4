import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AllowedCommand, type ExecConfig, type execConfigSchema, readExecConfig } from './config.js';
import { parseDuration } from './duration.js';

type CommandSchema = (typeof execConfigSchema)['properties']['commands']['additionalProperties'];

describe('exec config: the type and the JSON Schema agree', () => {
  it('names the same keys at each level', () => {
    expectTypeOf<keyof (typeof execConfigSchema)['properties']>().toEqualTypeOf<keyof ExecConfig>();
    expectTypeOf<keyof CommandSchema['properties']>().toEqualTypeOf<keyof AllowedCommand>();
    // `required` lists exactly the keys the type does not mark optional.
    expectTypeOf<(typeof execConfigSchema)['required'][number]>().toEqualTypeOf<'commands'>();
  });

  it('accepts every config the type accepts', () => {
    const samples: ExecConfig[] = [
      { commands: {} },
      {
        commands: {
          df: { path: '/bin/df', args: ['-h', '--output=.*'], description: 'disk usage' },
          'kubectl-1.30': {},
        },
        workingDir: '/tmp',
        env: { LC_ALL: 'C' },
        timeout: '1500ms',
        maxOutputBytes: 1024,
      },
    ];
    for (const sample of samples) expect(readExecConfig(sample)).toEqual(sample);
  });

  it('refuses what the type refuses, and what the type cannot express', () => {
    // @ts-expect-error commands is required
    const noCommands: ExecConfig = {};
    // @ts-expect-error args is a list of patterns
    const argsString: ExecConfig = { commands: { ls: { args: '.*' } } };
    expect(() => readExecConfig(noCommands)).toThrow("/ must have required property 'commands'");
    expect(() => readExecConfig(argsString)).toThrow('/commands/ls/args must be array');
    expect(() => readExecConfig({ commands: { 'bin/sh': {} } })).toThrow(
      'invalid exec config: /commands: "bin/sh" is not a command name (letters, digits, ._+-; not "help")',
    );
    expect(() => readExecConfig({ commands: { help: {} } })).toThrow('"help" is not a command name');
    expect(() => readExecConfig({ commands: { sh: { path: 'bin/sh' } } })).toThrow(
      '/commands/sh/path must match pattern "^/"',
    );
    expect(() => readExecConfig({ commands: {}, timeout: '10 minutes' })).toThrow('/timeout must match');
    expect(() => readExecConfig({ commands: { ls: { args: ['('] } } })).toThrow(
      'invalid exec config: commands.ls.args: Invalid regular expression',
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('says how to write one', () => {
    expect(() => parseDuration('1.5s')).toThrow('write e.g. 500ms, 30s, 2m or 1h');
  });
});
