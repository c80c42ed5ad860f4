import { getHeapSpaceStatistics, queryObjects } from 'node:v8';
import type { Logger } from '../log/logger.js';

/** What one release did, for the debug log and the tests. */
export interface GarbageRelease {
  ms: number;
  /** V8 heap (all spaces) reserved before and after, in bytes. */
  heapBefore: number;
  heapAfter: number;
  /** The young generation's reserved size before and after, in bytes. */
  youngBefore: number;
  youngAfter: number;
}

/** A class nothing ever instantiates: the heap query finds nothing and keeps nothing. */
class NeverInstantiated {}

const warningText = 'v8.queryObjects()';

/**
 * Gives back the memory start-up used and no longer needs: one full, memory-reducing garbage
 * collection. Loading modules, parsing the config and the index and launching plugins grow
 * V8's young generation to its maximum (2 × 16 MiB) and leave the old generation fragmented;
 * V8 only shrinks them once its memory reducer sees the process idle, which took from 8 s to
 * more than a minute after ready (docs/benchmarks.md). `v8.queryObjects` runs the collection
 * the heap profiler uses (all available garbage, young generation shrunk), which Node's API
 * offers no other way without flags. Node prints an experimental-feature warning on its first
 * use; this call is not the operator's to be warned about, so that one warning is dropped.
 * Returns undefined where the API is missing (Node before 20.13).
 */
export function releaseStartGarbage(): GarbageRelease | undefined {
  if (typeof queryObjects !== 'function') return undefined;
  const before = heapSizes();
  const started = performance.now();
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: NodeJS.Process, warning: string | Error, ...rest: never[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes(warningText)) return;
    return Reflect.apply(emitWarning, this, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    queryObjects(NeverInstantiated, { format: 'count' });
  } finally {
    process.emitWarning = emitWarning;
  }
  const after = heapSizes();
  return {
    ms: performance.now() - started,
    heapBefore: before.heap,
    heapAfter: after.heap,
    youngBefore: before.young,
    youngAfter: after.young,
  };
}

/**
 * Runs {@link releaseStartGarbage} once, `delayMs` after ready (so that the first commands and
 * the launches' last replies are not held up by it), and logs what it gave back at debug
 * level. Returns a cancel function for stop().
 */
export function scheduleStartGarbageRelease(log: Logger, delayMs: number): () => void {
  const timer = setTimeout(() => {
    const released = releaseStartGarbage();
    if (!released) return;
    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    log.debug(
      {
        ms: Math.round(released.ms),
        heapMiB: [mib(released.heapBefore), mib(released.heapAfter)],
        youngMiB: [mib(released.youngBefore), mib(released.youngAfter)],
      },
      'start-up garbage released',
    );
  }, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}

function heapSizes(): { heap: number; young: number } {
  let heap = 0;
  let young = 0;
  for (const space of getHeapSpaceStatistics()) {
    heap += space.space_size;
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') {
      young += space.space_size;
    }
  }
  return { heap, young };
}
