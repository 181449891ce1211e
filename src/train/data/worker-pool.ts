/**
 * A fixed set of worker threads running `MapJob`s (decode + augment) off the main thread.
 * Each worker holds at most one job; the rest wait in a queue. A worker keeps the process
 * alive only while it holds a job (it is `unref`'d when idle), so a pool that is never closed
 * does not hang the process; `close()` terminates the threads.
 */
import { Worker } from 'node:worker_threads';

import { siblingWorkerEntry } from '../../utils/worker-entry.js';
import type { MapJob, WorkerReply, WorkerRequest } from './map-job.js';
import type { TrainingRecord } from './records.js';

interface PendingJob {
  readonly id: number;
  readonly job: MapJob;
  readonly resolve: (record: TrainingRecord) => void;
  readonly reject: (error: Error) => void;
}

interface PoolThread {
  readonly worker: Worker;
  current: PendingJob | undefined;
}

export class WorkerPool {
  readonly size: number;
  private readonly threads: PoolThread[];
  private readonly queue: PendingJob[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  /** Starts `size` >= 1 worker threads. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`WorkerPool: size must be an integer >= 1, got ${size}`);
    this.size = size;
    const entry = siblingWorkerEntry(import.meta.url, 'worker');
    this.threads = Array.from({ length: size }, () => {
      const thread: PoolThread = { worker: new Worker(entry), current: undefined };
      thread.worker.unref();
      thread.worker.on('message', (reply: WorkerReply) => this.settle(thread, reply));
      thread.worker.on('error', (error: Error) => this.fail(new Error(`WorkerPool: a worker thread failed: ${error.message}`, { cause: error })));
      thread.worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`WorkerPool: a worker thread exited unexpectedly (code ${code})`));
      });
      return thread;
    });
  }

  /** Runs `job` on the next free worker; rejects with the worker's error (naming the image). */
  run(job: MapJob): Promise<TrainingRecord> {
    if (this.closed) return Promise.reject(new Error('WorkerPool: closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates the workers; jobs not finished reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error('WorkerPool: closed');
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const thread of this.threads) {
      thread.current?.reject(error);
      thread.current = undefined;
    }
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (thread.current !== undefined) continue;
      const pending = this.queue.shift()!;
      try {
        thread.worker.postMessage({ id: pending.id, job: pending.job } satisfies WorkerRequest);
      } catch (error) {
        pending.reject(new Error(`WorkerPool: cannot send the job to a worker: ${(error as Error).message}`, { cause: error }));
        continue;
      }
      thread.current = pending;
      thread.worker.ref();
    }
  }

  private settle(thread: PoolThread, reply: WorkerReply): void {
    const pending = thread.current;
    if (pending === undefined || pending.id !== reply.id) return;
    thread.current = undefined;
    thread.worker.unref();
    if ('error' in reply) pending.reject(new Error(reply.error));
    else pending.resolve(reply.record);
    this.dispatch();
  }

  /** A thread died: every job, running or queued, fails with `error`, and so will later ones. */
  private fail(error: Error): void {
    if (this.failure !== undefined || this.closed) return;
    this.failure = error;
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const thread of this.threads) {
      thread.current?.reject(error);
      thread.current = undefined;
      thread.worker.unref();
    }
  }
}
