/**
 * The worker threads of `predictImages`: `count` workers each load the model once, then take
 * the next image of one shared queue whenever they finish one (dynamic assignment: a slow image
 * holds up one worker, not a fixed share of the batch). Which worker predicts which image never
 * changes what is written, only when.
 *
 * The first failure (an image that cannot be read or predicted, a worker that cannot start or
 * dies, a result that cannot be written) stops the batch: no image is sent any more, the
 * results already being written are awaited, every worker is terminated, and then the promise
 * rejects. On success too every worker is terminated before it resolves: no thread outlives
 * the call.
 */
import { Worker } from 'node:worker_threads';

import { siblingWorkerEntry } from '../utils/worker-entry.js';
import type { PredictReply, PredictRequest, PredictWorkerData } from './predict-worker.js';

/** A finished image, as a worker reports it. */
export type ImageDone = Extract<PredictReply, { kind: 'done' }>;

/** What `runPredictWorkers` calls back with. */
export interface PoolHandlers {
  /** Image `done.id` (its index in `paths`) finished on worker `worker`; a rejection fails the batch. */
  readonly result: (done: ImageDone, worker: number) => Promise<void>;
  /** A warning of a worker, as it comes (every worker may send the same one). */
  readonly warning: (message: string) => void;
}

/** `message` with `path` in front, unless it names the file already. */
function naming(path: string, message: string): string {
  return message.includes(path) ? message : `${path}: ${message}`;
}

/**
 * Predicts `paths` on `count` >= 1 worker threads started with `data`; resolves, once every
 * image's `handlers.result` has settled and the workers are gone, to the backend in words as
 * the workers reported it.
 */
export function runPredictWorkers(paths: readonly string[], count: number, data: PredictWorkerData, handlers: PoolHandlers): Promise<string> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`runPredictWorkers: count must be an integer >= 1, got ${count}`);
  if (paths.length === 0) throw new Error('runPredictWorkers: no images to predict');
  const entry = siblingWorkerEntry(import.meta.url, 'predict-worker');
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const writing = new Set<Promise<void>>();
    let next = 0;
    let finished = 0;
    let backend = '';
    let stopping = false;

    /** Waits for the results being written, terminates every worker, then settles. */
    const stop = (error: Error | undefined) => {
      if (stopping) return;
      stopping = true;
      void Promise.allSettled(writing)
        .then(() => Promise.all(workers.map((w) => w.terminate())))
        .then(() => (error === undefined ? resolve(backend) : reject(error)), reject);
    };

    for (let w = 0; w < count; w++) {
      const worker = new Worker(entry, { workerData: data });
      workers.push(worker);
      let current: number | undefined;
      const dispatch = () => {
        if (stopping || next >= paths.length) return;
        current = next++;
        worker.postMessage({ id: current, path: paths[current] } satisfies PredictRequest);
      };
      worker.on('message', (reply: PredictReply) => {
        if (stopping) return;
        switch (reply.kind) {
          case 'warning':
            handlers.warning(reply.message);
            return;
          case 'ready':
            if (backend === '') backend = reply.backend;
            dispatch();
            return;
          case 'failed':
            stop(new Error(reply.id === undefined ? reply.message : naming(paths[reply.id], reply.message)));
            return;
          case 'done': {
            current = undefined;
            const written = handlers.result(reply, w).then(
              () => {
                writing.delete(written);
                if (++finished === paths.length) stop(undefined);
              },
              (error: unknown) => stop(error instanceof Error ? error : new Error(String(error))),
            );
            writing.add(written);
            dispatch();
          }
        }
      });
      const during = () => (current === undefined ? '' : ` while predicting ${paths[current]}`);
      worker.on('error', (error: Error) => stop(new Error(`predict worker ${w} failed${during()}: ${error.message}`, { cause: error })));
      worker.on('exit', (code) => stop(new Error(`predict worker ${w} exited unexpectedly (code ${code})${during()}`)));
    }
  });
}
