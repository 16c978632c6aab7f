/** A control-plane event as sent on `GET /api/v1/events`. */
export interface LiveEvent {
  readonly type: 'resource' | 'run' | 'fit' | string;
  readonly kind?: string;
  readonly ownerKind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly runId?: string;
  readonly state?: string;
  readonly progress?: number;
  readonly loss?: number;
  readonly change?: string;
}

type Listener = (event: LiveEvent) => void;

const EVENT_NAMES = ['resource', 'run', 'fit'];

/**
 * One EventSource for the page (the session cookie authenticates it). The browser reconnects on its
 * own after a drop; the header shows whether updates are live.
 */
export class LiveUpdates {
  private readonly listeners = new Set<Listener>();
  private source: EventSource | undefined;

  constructor(private readonly status: HTMLElement | null) {}

  start(): void {
    if (this.source || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events');
    this.source = source;
    const deliver = (message: MessageEvent<string>): void => {
      let event: LiveEvent;
      try {
        event = JSON.parse(message.data) as LiveEvent;
      } catch {
        return;
      }
      if (message.type !== 'message' && !event.type) event = { ...event, type: message.type };
      for (const listener of this.listeners) listener(event);
    };
    source.onmessage = deliver;
    for (const name of EVENT_NAMES) source.addEventListener(name, deliver as EventListener);
    source.onopen = () => this.setStatus('Live updates on', 'live');
    source.onerror = () => this.setStatus(source.readyState === EventSource.CLOSED ? 'Live updates off' : 'Reconnecting…', 'stale');
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(text: string, state: string): void {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.dataset.state = state;
  }
}

/** Calls `refresh` at most once per `delayMs` however many events arrive (a sweep can finish many runs at once). */
export function debounce(refresh: () => void | Promise<void>, delayMs = 400): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await refresh();
    } catch (error) {
      // A failed refresh keeps the last good view; the next event retries.
      console.warn('Refresh failed:', (error as Error).message);
    } finally {
      running = false;
      if (again) {
        again = false;
        trigger();
      }
    }
  };
  const trigger = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
  };
  return trigger;
}
