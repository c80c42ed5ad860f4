/** gRPC status codes the SDK passes through from a thrown error's numeric `code`. */
const grpcStatus = { invalidArgument: 3, unauthenticated: 16 } as const;

/**
 * A request the source will not turn into an event. The SDK sends `code` as the gRPC status,
 * so a host can answer the HTTP sender 401 (UNAUTHENTICATED) or 400 (INVALID_ARGUMENT).
 */
export class RequestRefused extends Error {
  override readonly name = 'RequestRefused';
  readonly code: number;

  constructor(message: string, kind: 'unauthenticated' | 'invalid' = 'unauthenticated') {
    super(message);
    this.code = kind === 'unauthenticated' ? grpcStatus.unauthenticated : grpcStatus.invalidArgument;
  }
}
