/**
 * Gives back to the system what the agent's start-up left behind, once, right after ready.
 *
 * Start-up (parsing the config, loading modules, launching plugins) grows V8's young generation
 * to its maximum (2 × 16 MiB with Node's defaults) and leaves the old generation full of garbage.
 * V8 gives that back only when its memory reducer judges the process idle, which took from 30 s
 * to more than a minute after ready (docs/benchmarks.md, issue 22). One memory-reducing
 * collection at ready does it at once: it also shrinks the young generation to its minimum and
 * clears the compilation cache. Node has no flag-free API for that collection except the
 * inspector's `HeapProfiler.collectGarbage` (stable `node:inspector`, in-process, no port opened),
 * which is what this uses; `v8.queryObjects` does the same collection but prints an experimental
 * warning and walks the whole heap afterwards.
 *
 * Resolves true once the collection ran, false when it could not run (a Node built without the
 * inspector, or the protocol call failed); it never rejects: nothing depends on it but the
 * process's size. The collection pauses the event loop once, for about 50–250 ms.
 */
export async function releaseStartMemory(): Promise<boolean> {
  let inspector: typeof import('node:inspector');
  try {
    inspector = await import('node:inspector');
  } catch {
    return false; // node built --without-inspector
  }
  const session = new inspector.Session();
  try {
    session.connect();
  } catch {
    return false;
  }
  const collected = await new Promise<boolean>((resolve) => {
    session.post('HeapProfiler.collectGarbage', (err) => resolve(!err));
  });
  // Disconnecting inside the protocol callback leaves Node 20's event loop stuck (no timer
  // fires again); after it has returned, it is safe.
  await new Promise<void>((resolve) => setImmediate(resolve));
  session.disconnect();
  return collected;
}
