import { parse } from 'yaml';
import { Config } from '../../src/config/schema.js';

/**
 * Test helper: a Config from inline YAML, through the real schema (defaults applied). Only for
 * tests of functions that take a parsed config; loading is tested through `loadConfig`.
 */
export function configFrom(yaml: string): Config {
  return Config.parse(parse(yaml) ?? {});
}
