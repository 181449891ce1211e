/**
 * One sample's work for the training loader, wherever it runs (main thread or worker): read
 * the record, apply its drawn augmentation. Also the messages exchanged with the workers and
 * the packing that lets a record cross threads by transfer rather than copy.
 */
import { packCrops } from './crops.js';
import { loadRecord, type RecordSource, type TrainingRecord } from './records.js';
import { applyAugmentation, type AugmentationDraw } from './transforms.js';

/** Read `source`, then resize and flip it as `draw` says (`maxSize`: `MAX_SIZE_TRAIN`). */
export interface MapJob {
  readonly source: RecordSource;
  readonly draw: AugmentationDraw;
  readonly maxSize: number;
}

/** Main thread -> worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly job: MapJob;
}

/** Worker -> main thread: the mapped record, or the error's message (it names the image and file). */
export type WorkerReply = { readonly id: number; readonly record: TrainingRecord } | { readonly id: number; readonly error: string };

/** Runs a job; errors name the image id and file. */
export async function runMapJob(job: MapJob): Promise<TrainingRecord> {
  const record = await loadRecord(job.source);
  try {
    return applyAugmentation(record, job.draw, job.maxSize);
  } catch (error) {
    throw new Error(`applyAugmentation: image ${job.source.id} (${job.source.file}): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The record with its masks packed into one buffer, and the buffers to transfer: each typed
 * array's whole buffer, once (a view into a larger buffer, which may hold other data, is
 * copied by the structured clone instead).
 */
export function packForTransfer(record: TrainingRecord): { record: TrainingRecord; transfer: ArrayBuffer[] } {
  const packed: TrainingRecord = { ...record, gtMasks: packCrops(record.gtMasks) };
  const transfer = new Set<ArrayBuffer>();
  const arrays = [packed.picture.data, packed.gtBoxes, packed.gtClasses];
  if (packed.gtMasks.length > 0) arrays.push(new Uint8Array(packed.gtMasks[0].data.buffer));
  for (const a of arrays) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) transfer.add(a.buffer);
  }
  return { record: packed, transfer: [...transfer] };
}
