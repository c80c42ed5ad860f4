/** gRPC status codes the plugin side sends (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const grpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A call's outcome as it goes into the grpc-status and grpc-message trailers. */
export interface CallStatus {
  code: number;
  details: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A thrown error becomes gRPC UNKNOWN with its message, like a Go plugin returning an error;
 * an error carrying a numeric `code` (a gRPC status) keeps it.
 */
export function toStatus(err: unknown): CallStatus {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    const code = err.code;
    const details =
      'details' in err && typeof err.details === 'string' && !(err instanceof Error)
        ? err.details
        : errorText(err);
    return { code: Number.isInteger(code) && code >= 0 && code <= 16 ? code : grpcStatus.UNKNOWN, details };
  }
  return { code: grpcStatus.UNKNOWN, details: errorText(err) };
}

/**
 * grpc-message is percent-encoded: bytes outside printable ASCII, and `%` itself, become %XX of
 * their UTF-8 bytes (gRPC over HTTP/2, "Responses").
 */
export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
