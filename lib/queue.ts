/**
 * A queue that runs async tasks one after the other, for writes to one file
 * from tasks that run in parallel (`jobs` > 1).
 * @module
 */

/** Runs async tasks one after the other, in the order they were queued. */
export class Queue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` once every task queued before it has ended (failed ones included). */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => {});
    return result;
  }
}
