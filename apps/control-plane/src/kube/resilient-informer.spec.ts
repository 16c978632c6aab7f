import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResilientInformer } from './resilient-informer.js';

type Callback = (arg?: unknown) => void;

/** Stands in for client-node's ListWatch: records start/stop and lets the test fire its callbacks. */
class FakeInformer {
  callbacks: Record<string, Callback[]> = { add: [], update: [], delete: [], connect: [], error: [] };
  starts = 0;
  stops = 0;
  objects: KubernetesObject[] = [];
  failStart: unknown;
  on(verb: string, cb: Callback) {
    this.callbacks[verb]!.push(cb);
  }
  off() {}
  async start() {
    this.starts += 1;
    this.fire('connect');
    for (const o of this.objects) this.fire('add', o); // the list of a (re)start
    if (this.failStart) this.fire('error', this.failStart);
  }
  async stop() {
    this.stops += 1;
    this.fire('error', Object.assign(new Error('aborted'), { name: 'AbortError' }));
  }
  list() {
    return this.objects;
  }
  get() {
    return undefined;
  }
  fire(verb: string, arg?: unknown) {
    for (const cb of this.callbacks[verb]!) cb(arg);
  }
}

const log = pino({ level: 'silent' });
const obj = (name: string): KubernetesObject => ({ metadata: { name, namespace: 'ns', resourceVersion: '1' } });

describe('ResilientInformer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = (fake: FakeInformer, options = {}) =>
    new ResilientInformer('test', () => fake as unknown as Informer<KubernetesObject> & ObjectCache<KubernetesObject>, log, {
      resyncSeconds: 0,
      ...options,
    });

  it('forwards add/update/delete', async () => {
    const fake = new FakeInformer();
    const informer = make(fake);
    const seen: string[] = [];
    informer.on((type, o) => seen.push(`${type}:${o.metadata?.name}`));
    await informer.start();
    fake.fire('add', obj('a'));
    fake.fire('update', obj('a'));
    fake.fire('delete', obj('a'));
    expect(seen).toEqual(['added:a', 'modified:a', 'deleted:a']);
    await informer.stop();
  });

  it('restarts with exponential backoff after a non-410 error (client-node would stay stopped)', async () => {
    vi.useFakeTimers();
    const fake = new FakeInformer();
    const informer = make(fake, { initialBackoffMs: 100, maxBackoffMs: 1000 });
    await informer.start();
    expect(fake.starts).toBe(1);
    fake.failStart = new Error('500 Internal Server Error');
    fake.fire('error', new Error('ECONNRESET'));
    expect(informer.healthy).toBe(false);
    await vi.advanceTimersByTimeAsync(99);
    expect(fake.starts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.starts).toBe(2); // fails again → next delay is 200 ms
    await vi.advanceTimersByTimeAsync(199);
    expect(fake.starts).toBe(2);
    fake.failStart = undefined;
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.starts).toBe(3);
    expect(informer.healthy).toBe(true);
    expect(informer.restarts).toBe(2);
    // Recovered: the backoff starts over.
    fake.fire('error', new Error('watch closed with 500'));
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.starts).toBe(4);
    await informer.stop();
  });

  it('keeps failingSince from the first failure through failed restarts, and clears it once a restart lists', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fake = new FakeInformer();
    const informer = make(fake, { initialBackoffMs: 100, maxBackoffMs: 1000 });
    await informer.start();
    expect(informer.failingSince).toBeUndefined();
    fake.failStart = new Error('connect ECONNREFUSED');
    fake.fire('error', new Error('connect ECONNREFUSED'));
    expect(informer.failingSince).toBe(1_000_000);
    await vi.advanceTimersByTimeAsync(100); // restart 1 fails
    expect(fake.starts).toBe(2);
    expect(informer.failingSince).toBe(1_000_000);
    fake.failStart = undefined;
    await vi.advanceTimersByTimeAsync(200); // restart 2 lists and watches
    expect(fake.starts).toBe(3);
    expect(informer.failingSince).toBeUndefined();
    expect(informer.isRunning).toBe(true);
    await informer.stop();
    expect(informer.isRunning).toBe(false);
  });

  it('relists on restart: known objects come back as modified, vanished ones as deleted', async () => {
    vi.useFakeTimers();
    const fake = new FakeInformer();
    fake.objects = [obj('a'), obj('b')];
    const informer = make(fake, { initialBackoffMs: 100 });
    const seen: string[] = [];
    informer.on((type, o) => seen.push(`${type}:${o.metadata?.name}`));
    await informer.start();
    fake.objects = [obj('a'), obj('c')];
    fake.fire('error', new Error('connection refused'));
    await vi.advanceTimersByTimeAsync(100);
    expect(seen).toEqual(['added:a', 'added:b', 'modified:a', 'added:c', 'deleted:b']);
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'c']);
    await informer.stop();
  });

  it('ignores the AbortError that stop() makes client-node emit', async () => {
    vi.useFakeTimers();
    const fake = new FakeInformer();
    const informer = make(fake, { initialBackoffMs: 10 });
    await informer.start();
    await informer.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.starts).toBe(1);
  });

  it('breaks a reconnect storm (server closing every watch at once) with a backoff', async () => {
    vi.useFakeTimers();
    const fake = new FakeInformer();
    const informer = make(fake, { initialBackoffMs: 500, maxReconnectsPerWindow: 3, reconnectWindowMs: 1000 });
    await informer.start();
    for (let i = 0; i < 3; i += 1) fake.fire('connect');
    expect(fake.stops).toBe(1);
    expect(informer.healthy).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.starts).toBe(2);
    await informer.stop();
  });

  it('re-delivers cached objects on resync', async () => {
    vi.useFakeTimers();
    const fake = new FakeInformer();
    fake.objects = [obj('a'), obj('b')];
    const informer = make(fake, { resyncSeconds: 5 });
    const seen: string[] = [];
    informer.on((type, o) => seen.push(`${type}:${o.metadata?.name}`));
    await informer.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen).toEqual(['added:a', 'added:b', 'resync:a', 'resync:b']);
    await informer.stop();
  });
});
