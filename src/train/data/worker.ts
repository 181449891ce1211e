/**
 * Entry of the training loader's worker threads (`WorkerPool`): runs each `MapJob` it is sent
 * and posts back the mapped record, its arrays transferred, or the error's message.
 */
import { parentPort } from 'node:worker_threads';
import { packForTransfer, runMapJob, type WorkerReply, type WorkerRequest } from './map-job.js';

if (parentPort === null) throw new Error('train/data/worker: must run in a worker thread (TrainingLoader starts it)');
const port = parentPort;

port.on('message', (request: WorkerRequest) => {
  runMapJob(request.job).then(
    (mapped) => {
      const { record, transfer } = packForTransfer(mapped);
      port.postMessage({ id: request.id, record } satisfies WorkerReply, transfer);
    },
    (error: unknown) => {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
    },
  );
});
