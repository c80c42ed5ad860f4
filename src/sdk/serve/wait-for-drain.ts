/** What {@link waitForDrain} needs of a gRPC server stream. */
interface DrainableStream {
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * Waits until a stream that refused a write can take more, or until `signal`
 * aborts. Both listeners are removed either way: a long stream under backpressure
 * waits many times, and leftover listeners would pile up on the signal.
 */
export function waitForDrain(stream: DrainableStream, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    stream.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
