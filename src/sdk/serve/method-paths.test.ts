import { describe, expect, it } from 'vitest';
import { Executor } from '../../gen/executor_pb.js';
import { Health } from '../../gen/goplugin/health_pb.js';
import { GRPCController, GRPCStdio } from '../../gen/goplugin/plugin_pb.js';
import { Source } from '../../gen/source_pb.js';
import { StreamingExecutor } from '../../gen/switchboard/v1/streaming_pb.js';
import { methodPath, methodPaths } from './routes.js';

// The route table is written out so it exists before any descriptor is built; a renamed proto
// package, service or method must fail here, not as UNIMPLEMENTED in a host.
describe('methodPaths', () => {
  it('equals the paths of the generated service descriptors', () => {
    expect(methodPaths).toEqual({
      execute: methodPath(Executor.method.execute),
      executorMetadata: methodPath(Executor.method.metadata),
      help: methodPath(Executor.method.help),
      executeStream: methodPath(StreamingExecutor.method.executeStream),
      stream: methodPath(Source.method.stream),
      handleExternalRequest: methodPath(Source.method.handleExternalRequest),
      sourceMetadata: methodPath(Source.method.metadata),
      healthCheck: methodPath(Health.method.check),
      healthWatch: methodPath(Health.method.watch),
      shutdown: methodPath(GRPCController.method.shutdown),
      streamStdio: methodPath(GRPCStdio.method.streamStdio),
    });
  });
});
