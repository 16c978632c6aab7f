import { describe, expect, it } from 'vitest';
import { CoalescedPasses } from './coalesced-passes.js';

/** A pass that waits until released, so requests can arrive while it runs. */
function gatedPasses() {
  const gates: Array<() => void> = [];
  const errors: string[] = [];
  let started = 0;
  let fail = false;
  const passes = new CoalescedPasses(
    () =>
      new Promise<void>((resolve, reject) => {
        started += 1;
        gates.push(() => (fail ? reject(new Error('boom')) : resolve()));
      }),
    (error) => errors.push(error.message),
  );
  const releaseNext = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { passes, errors, releaseNext, started: () => started, failNext: (value: boolean) => (fail = value) };
}

describe('CoalescedPasses', () => {
  it('runs one pass at a time: requests during a pass coalesce into one more pass', async () => {
    const gated = gatedPasses();
    const first = gated.passes.request();
    const second = gated.passes.request();
    const third = gated.passes.request();
    expect(gated.started()).toBe(1);
    await gated.releaseNext();
    expect(gated.started()).toBe(2);
    await gated.releaseNext();
    await Promise.all([first, second, third]);
    expect(gated.started()).toBe(2);
  });

  it('hands a failed pass to onError and never rejects the caller', async () => {
    const gated = gatedPasses();
    gated.failNext(true);
    const request = gated.passes.request();
    await gated.releaseNext();
    await expect(request).resolves.toBeUndefined();
    expect(gated.errors).toEqual(['boom']);
  });

  it('starts no pass after close, and close waits for the running one', async () => {
    const gated = gatedPasses();
    const request = gated.passes.request();
    void gated.passes.request();
    const closing = gated.passes.close();
    expect(gated.passes.closed).toBe(true);
    await gated.releaseNext();
    await Promise.all([request, closing]);
    await gated.passes.request();
    expect(gated.started()).toBe(1);
  });
});
