// The per-connection timeline's model: which lane each recorded row of one connection goes on
// (what the client sent, what it was sent, its errors, its rooms and subscriptions), and where on
// a shared time axis. Kept apart from the drawing so it can be tested without a DOM.
import type { TapKind, TrafficRow } from '../../api/generated/api';

export type Lane = 'received' | 'sent' | 'errors' | 'membership';

/** Top to bottom, with the label each lane shows. */
export const LANES: { lane: Lane; label: string }[] = [
  { lane: 'received', label: 'from client' },
  { lane: 'sent', label: 'to client' },
  { lane: 'errors', label: 'errors' },
  { lane: 'membership', label: 'rooms, topics' },
];

const ERRORS: TapKind[] = ['error_out', 'server_reply_error', 'subscribe_denied', 'frame_error', 'slow_consumer', 'heartbeat_reap', 'auth_refused'];
const RECEIVED: TapKind[] = ['request_in', 'server_reply'];
const MEMBERSHIP: TapKind[] = ['room_add', 'room_remove', 'subscribe', 'unsubscribe', 'connect', 'disconnect'];

/** The lane of a row, by what happened: errors first, whichever direction they went. */
export function laneOf(kind: TapKind): Lane {
  if (ERRORS.includes(kind)) return 'errors';
  if (RECEIVED.includes(kind)) return 'received';
  if (MEMBERSHIP.includes(kind)) return 'membership';
  return 'sent';
}

export interface Mark {
  row: TrafficRow;
  lane: Lane;
  /** 0 (the start of the axis) to 1 (its end). */
  x: number;
}

export interface Timeline {
  startUs: number;
  endUs: number;
  marks: Mark[];
}

/** Every row on the axis from the oldest to the newest (a single row, or rows at one instant,
 * get a one-second axis ending at them). */
export function timeline(rows: TrafficRow[]): Timeline {
  if (rows.length === 0) return { startUs: 0, endUs: 0, marks: [] };
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const r of rows) {
    startUs = Math.min(startUs, r.at_us);
    endUs = Math.max(endUs, r.at_us);
  }
  if (endUs - startUs < 1_000_000) startUs = endUs - 1_000_000;
  const span = endUs - startUs;
  const marks = rows.map((row) => ({ row, lane: laneOf(row.kind), x: (row.at_us - startUs) / span }));
  return { startUs, endUs, marks };
}
