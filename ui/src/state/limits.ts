// The server's protective limits as the Overview tells them: each counter that says a bound was
// reached (a connection closed, an upgrade dropped, a join refused), in plain words, and their
// sum for the tile beside the errors. Gauges (open sockets, upgrades in progress) are listed
// apart: they are states, not events.
import type { ServerCounters } from '../api/generated/api';

export interface LimitLine {
  key: keyof ServerCounters;
  n: number;
  label: string;
  /** What the bound is and what happens past it (a tooltip). */
  hint: string;
}

/** Counters of limits reached since the server started, in the order a developer reads them. */
export function limitsReached(c: ServerCounters): LimitLine[] {
  return [
    {
      key: 'slow_consumers',
      n: c.slow_consumers,
      label: 'closed for reading too slowly',
      hint: 'Its outbound queue passed the bound in frames or bytes, or a write stalled past write_timeout: closed with 4002',
    },
    {
      key: 'membership_refusals',
      n: c.membership_refusals,
      label: 'joins and subscribes refused (LIMIT_EXCEEDED)',
      hint: 'A connection asked for more rooms (max_rooms_per_conn) or topics (max_topics_per_conn) than it may hold',
    },
    {
      key: 'refused_upgrades',
      n: c.refused_upgrades,
      label: 'connections refused at the handshake',
      hint: 'Authentication failed, an unknown role, or max_connections reached (401 or 503)',
    },
    {
      key: 'evicted_upgrades',
      n: c.evicted_upgrades,
      label: 'handshakes dropped to make room',
      hint: 'More connections were in their HTTP upgrade than max_pending_upgrades: the oldest was dropped',
    },
    {
      key: 'upgrade_timeouts',
      n: c.upgrade_timeouts,
      label: 'handshakes too slow to send their headers',
      hint: 'The upgrade request took longer than upgrade_timeout: dropped',
    },
    {
      key: 'tap_faults',
      n: c.tap_faults,
      label: 'observer calls that panicked',
      hint: 'A tap (recorder, console, inspector) panicked on an event; the server went on',
    },
  ];
}

/** How many times a limit was reached in all. */
export function limitsTotal(c: ServerCounters): number {
  return limitsReached(c).reduce((n, l) => n + l.n, 0);
}
