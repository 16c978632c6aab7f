import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DispatchLoop } from './dispatch-loop.js';
import type { WorkDemand, WorkerDispatcher } from './worker-dispatcher.js';

const log = pino({ level: 'silent' });

function fakeDispatcher(): WorkerDispatcher & { calls: WorkDemand[] } {
  const calls: WorkDemand[] = [];
  return { calls, reconcileWorkers: async (demand) => void calls.push(demand), close: async () => undefined };
}

describe('DispatchLoop', () => {
  afterEach(() => vi.useRealTimers());

  it('never calls the dispatcher while not started (tuning.disableDispatch), however often it is kicked', async () => {
    vi.useFakeTimers();
    const dispatcher = fakeDispatcher();
    const loop = new DispatchLoop(async () => ({ waiting: 5, active: 0 }), dispatcher, log, 50);
    for (let i = 0; i < 10; i++) {
      loop.kick();
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(dispatcher.calls).toEqual([]);
    await loop.close();
  });

  it('once started, dispatches at once, on kicks and periodically; nothing after close', async () => {
    vi.useFakeTimers();
    const dispatcher = fakeDispatcher();
    const loop = new DispatchLoop(async () => ({ waiting: 2, active: 1 }), dispatcher, log, 1000);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(dispatcher.calls).toEqual([{ waiting: 2, active: 1 }]);
    await vi.advanceTimersByTimeAsync(150);
    loop.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(dispatcher.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(dispatcher.calls).toHaveLength(3);
    await loop.close();
    loop.kick();
    await vi.advanceTimersByTimeAsync(3000);
    expect(dispatcher.calls).toHaveLength(3);
  });
});
