import { describe, expect, it } from 'vitest';

import type { ServerCounters } from '../src/api/generated/api';
import { limitsReached, limitsTotal } from '../src/state/limits';

const zero: ServerCounters = {
  connections_total: 0,
  refused_upgrades: 0,
  slow_consumers: 0,
  reaped: 0,
  frame_errors: 0,
  handler_panics: 0,
  listener_faults: 0,
  tap_faults: 0,
  open_sockets: 0,
  pending_upgrades: 0,
  evicted_upgrades: 0,
  upgrade_timeouts: 0,
  membership_refusals: 0,
};

describe('limits reached', () => {
  it('is zero on a quiet server, whatever the gauges and totals say', () => {
    expect(limitsTotal({ ...zero, connections_total: 40, open_sockets: 12, pending_upgrades: 3, reaped: 2 })).toBe(0);
  });

  it('sums every bound reached, each with its own line', () => {
    const c = { ...zero, slow_consumers: 1, membership_refusals: 2, refused_upgrades: 3, evicted_upgrades: 4, upgrade_timeouts: 5, tap_faults: 6 };
    expect(limitsTotal(c)).toBe(21);
    const lines = limitsReached(c);
    expect(lines.map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.find((l) => l.key === 'membership_refusals')?.label).toContain('LIMIT_EXCEEDED');
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
  });
});
