/**
 * Runs one pass at a time for a `WorkerDispatcher`: a request while a pass runs asks for one more pass after
 * it (requests in between coalesce into that one), and each caller's promise settles once a pass that began
 * after its request is done. A pass that throws goes to `onError` — the next request retries; a failed pass
 * must never fail the reconcile loop. After `close`, no pass starts.
 */
export class CoalescedPasses {
  private inFlight: Promise<void> | undefined;
  private again = false;
  private isClosed = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  /** True once `close` was called: a long pass checks it to stop early. */
  get closed(): boolean {
    return this.isClosed;
  }

  request(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (error) {
          this.onError(error as Error);
        }
      } while (this.again && !this.isClosed);
    })().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Starts no more passes and waits for the one running. */
  async close(): Promise<void> {
    this.isClosed = true;
    await this.inFlight;
  }
}
