import { describe, expect, it } from 'vitest';
import { PluginError } from '../../errors/switchboard-error.js';
import { withHttpStatus } from './webhook-intake.js';

const refused = (grpcCode: number, pluginMessage: string) =>
  new PluginError('SB_ERR_PLUGIN_CALL', `plugin hook: HandleExternalRequest failed: ${pluginMessage}`, {
    details: { plugin: 'hook', method: 'HandleExternalRequest', grpcCode, pluginMessage },
  });

describe('withHttpStatus', () => {
  it('answers UNAUTHENTICATED with 401 and INVALID_ARGUMENT with 400, with the plugin’s own text', () => {
    expect(withHttpStatus(refused(16, 'bad signature'))).toMatchObject({
      statusCode: 401,
      message: 'bad signature',
    });
    expect(withHttpStatus(refused(3, 'plugin x: y failed: z'))).toMatchObject({
      statusCode: 400,
      message: 'plugin x: y failed: z',
    });
  });

  it('answers any other failure with 500 and keeps its message and cause', () => {
    const crash = new PluginError('SB_ERR_PLUGIN_EXITED', 'plugin hook exited (code 2)', {
      details: { plugin: 'hook', grpcCode: 14 },
    });
    const answer = withHttpStatus(crash);
    expect(answer).toMatchObject({ statusCode: 500, message: 'plugin hook exited (code 2)' });
    expect(answer.cause).toBe(crash);
    expect(withHttpStatus(refused(13, 'internal'))).toMatchObject({ statusCode: 500, message: 'internal' });
  });
});
