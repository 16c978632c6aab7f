import { ControlPlaneError } from '../control-plane.errors.js';

/**
 * Caps the clients of the event stream: each holds a socket and a subscription for as long as it stays,
 * so without a cap a client could open connections until memory or file descriptors run out.
 */
export class SseClientLimit {
  private connected = 0;

  constructor(readonly max: number) {}

  /** Clients connected now. */
  get clients(): number {
    return this.connected;
  }

  /**
   * Admits one client and returns its release function (idempotent). Throws `Unavailable` (503) with a
   * message that names the cap when it is full.
   */
  acquire(): () => void {
    if (this.connected >= this.max) {
      throw new ControlPlaneError(
        'Unavailable',
        `Too many event-stream clients: ${this.connected} of ${this.max} are connected (SCALEPLAN_SSE_MAX_CLIENTS); retry later or close another stream`,
      );
    }
    this.connected += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.connected -= 1;
    };
  }
}
