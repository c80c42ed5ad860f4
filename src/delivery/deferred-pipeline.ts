import type { Logger } from '../log/logger.js';
import type { Outbound, PostedRef } from './destination.js';
import type { DeliveryPipeline } from './pipeline.js';

/**
 * A pipeline whose store opens asynchronously (JetStream: a server to reach, items to read
 * back). Until it is open, messages are held in memory, in order, and handed over once it is;
 * `/status` counts them as `waitingForStore`. `open` gets a signal that `close` aborts, for a
 * stop before the store was ever reached; what was held then is logged with its count.
 */
export function createDeferredPipeline(
  open: (signal: AbortSignal) => Promise<DeliveryPipeline>,
  logger: Logger,
  options: {
    /**
     * `persisted` waits for the store to open instead of counting held messages as accepted:
     * for an HA leader, whose term may end before the store opened (held messages would be
     * lost while the sender was told they were safe; refused, it retries on the next leader).
     */
    persistedWaitsForStore?: boolean;
  } = {},
): DeliveryPipeline {
  const log = logger.child({ component: 'delivery' });
  const abort = new AbortController();
  let pipeline: DeliveryPipeline | undefined;
  let held = 0;
  let resumeWanted = false;
  let closing: Promise<void> | undefined;
  const ready = open(abort.signal).then(
    (opened) => {
      pipeline = opened;
      if (resumeWanted) opened.resume();
      return opened;
    },
    (err: Error) => {
      log.error(
        { err: err.message, held },
        'the delivery queue could not be opened; held messages are not delivered',
      );
      return undefined;
    },
  );

  const send = (outbound: Outbound): Promise<PostedRef | undefined> => {
    if (pipeline) return pipeline.send(outbound);
    if (closing) return Promise.resolve(undefined);
    held += 1;
    return ready.then((p) => {
      held -= 1;
      return p?.send(outbound);
    });
  };

  return {
    send,
    post(outbound, done) {
      // Once open, nothing per message is added on the way; while held, a promise is cheap next to the wait.
      if (pipeline?.post) pipeline.post(outbound, done);
      else void send(outbound).then((ref) => done?.(ref));
    },
    persisted() {
      // Until the store is open the agent runs in its documented degraded mode: messages are
      // held in memory (logged at error, `waitingForStore` in /status). Answering 503 all that
      // time would make every sender retry an event that is delivered anyway once the store
      // opens, multiplying duplicates, so what is held counts as accepted (docs/delivery.md).
      if (pipeline) return pipeline.persisted();
      if (!options.persistedWaitsForStore) return Promise.resolve();
      return ready.then((p) => {
        if (!p) throw new Error('the delivery queue could not be opened');
        return p.persisted();
      });
    },
    depths: () => pipeline?.depths() ?? [],
    storeStatus: () =>
      pipeline?.storeStatus() ?? {
        items: 0,
        bytes: 0,
        droppedAtCap: 0,
        awaitingDestination: 0,
        waitingForStore: held,
      },
    resume() {
      resumeWanted = true;
      pipeline?.resume();
    },
    close(options) {
      closing ??= (async () => {
        if (!pipeline) {
          abort.abort();
          if (held > 0)
            log.error(
              { messages: held },
              'stopped before the delivery queue was open: messages accepted meanwhile are not delivered',
            );
        }
        await (await ready)?.close(options);
      })();
      return closing;
    },
  };
}
