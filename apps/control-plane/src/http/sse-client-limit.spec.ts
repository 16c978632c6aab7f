import { describe, expect, it } from 'vitest';
import { SseClientLimit } from './sse-client-limit.js';

describe('SseClientLimit', () => {
  it('admits up to the cap, refuses past it with a message naming the setting, and frees places on release', () => {
    const limit = new SseClientLimit(2);
    const first = limit.acquire();
    limit.acquire();
    expect(() => limit.acquire()).toThrow(/Too many event-stream clients: 2 of 2 are connected \(SCALEPLAN_SSE_MAX_CLIENTS\)/);
    first();
    first(); // a second release of the same client frees nothing more
    expect(limit.clients).toBe(1);
    limit.acquire();
    expect(() => limit.acquire()).toThrow(expect.objectContaining({ code: 'Unavailable' }));
  });
});
