import { describe, expect, it } from 'vitest';
import { skipDisabledBlockValues, withBlocksDisabled } from './disabled-blocks.js';
import type { ConfigIssue } from './issues.js';

const error = (code: ConfigIssue['code'], path: ConfigIssue['path']): ConfigIssue => ({
  severity: 'error',
  code,
  path,
  message: `${code} problem`,
});

describe('skipDisabledBlockValues', () => {
  const raw = {
    communications: {
      team: {
        elasticsearch: { enabled: false, server: 'ELASTICSEARCH_ADDRESS', indices: { a: { name: 'Bad' } } },
        webhook: { enabled: true, url: 'not a url' },
        discord: { token: 'x' },
      },
    },
  };

  it('drops value checks inside a block whose enabled is written and false, and names the block', () => {
    const server = ['communications', 'team', 'elasticsearch', 'server'];
    const index = ['communications', 'team', 'elasticsearch', 'indices', 'a', 'name'];
    const result = skipDisabledBlockValues([error('invalid', server), error('invalid', index)], raw);
    expect(result).toEqual({ issues: [], blocks: [['communications', 'team', 'elasticsearch']] });
  });

  it('keeps shape issues in disabled blocks, and every issue in enabled or unmarked blocks', () => {
    const issues = [
      error('type', ['communications', 'team', 'elasticsearch', 'server']),
      error('unknown-key', ['communications', 'team', 'elasticsearch', 'sever']),
      error('format', ['communications', 'team', 'webhook', 'url']),
      error('range', ['communications', 'team', 'discord', 'token']),
    ];
    expect(skipDisabledBlockValues(issues, raw)).toEqual({ issues, blocks: [] });
  });
});

describe('withBlocksDisabled', () => {
  it('replaces each block with {enabled: false} in a copy, leaving the input as it was', () => {
    const raw = { communications: { team: { elasticsearch: { enabled: false, server: 'x' }, console: {} } } };
    const copy = withBlocksDisabled(raw, [['communications', 'team', 'elasticsearch']]);
    expect(copy).toEqual({ communications: { team: { elasticsearch: { enabled: false }, console: {} } } });
    expect(raw.communications.team.elasticsearch.server).toBe('x');
  });
});
