import { describe, expect, it } from 'vitest';
import { PluginError } from '../../errors/switchboard-error.js';
import { failureReply } from './user-replies.js';

const callFailure = (pluginMessage: string) =>
  new PluginError('SB_ERR_PLUGIN_CALL', `plugin kubectl: Execute failed: ${pluginMessage}`, {
    details: { plugin: 'kubectl', method: 'Execute', grpcCode: 2, pluginMessage },
  });

describe('failureReply for a plugin’s own error', () => {
  it('shows the plugin’s text from the error details, as a code block', () => {
    const reply = failureReply('kubectl', 'kubectl get pods', callFailure('pods is forbidden'), 30_000);
    expect(reply.baseBody).toEqual({ codeBlock: 'pods is forbidden' });
  });

  it('shows text that itself looks like a host prefix unchanged (nothing is parsed from the message)', () => {
    const own = 'plugin helm: Execute failed: chart not found';
    const reply = failureReply('kubectl', 'kubectl x', callFailure(own), 30_000);
    expect(reply.baseBody).toEqual({ codeBlock: own });
  });

  it('falls back to the whole message when the details are missing', () => {
    const bare = new PluginError('SB_ERR_PLUGIN_CALL', 'plugin kubectl: Execute failed: boom');
    expect(failureReply('kubectl', 'k', bare, 1000).baseBody).toEqual({
      codeBlock: 'plugin kubectl: Execute failed: boom',
    });
  });
});
