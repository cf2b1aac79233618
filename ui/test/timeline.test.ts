import { describe, expect, it } from 'vitest';

import type { TapKind, TrafficRow } from '../src/api/generated/api';
import { laneOf, timeline } from '../src/panels/connections/timeline';

const row = (kind: TapKind, at_us: number): TrafficRow => ({
  seq: null, at_us, kind, name: null, conn: 'c1', role: 'user', user: 'ann', rooms: [], topic: null,
  payload: null, payload_text: null, size: 0, recipients: null, origin: 'client', meta: null,
});

describe('connection timeline', () => {
  it('puts each kind on its lane, errors first whichever direction they went', () => {
    expect(laneOf('request_in')).toBe('received');
    expect(laneOf('server_reply')).toBe('received');
    expect(laneOf('response_out')).toBe('sent');
    expect(laneOf('to_conn')).toBe('sent');
    expect(laneOf('error_out')).toBe('errors');
    expect(laneOf('server_reply_error')).toBe('errors');
    expect(laneOf('frame_error')).toBe('errors');
    expect(laneOf('room_add')).toBe('membership');
    expect(laneOf('subscribe')).toBe('membership');
  });

  it('places rows on one axis from the oldest to the newest', () => {
    const t = timeline([row('request_in', 5_000_000), row('response_out', 7_000_000), row('room_add', 9_000_000)]);
    expect(t.startUs).toBe(5_000_000);
    expect(t.endUs).toBe(9_000_000);
    expect(t.marks.map((m) => m.x)).toEqual([0, 0.5, 1]);
  });

  it('gives rows at one instant a one-second axis ending at them', () => {
    const t = timeline([row('request_in', 5_000_000), row('response_out', 5_000_000)]);
    expect(t.endUs - t.startUs).toBe(1_000_000);
    expect(t.marks.every((m) => m.x === 1)).toBe(true);
  });

  it('is empty without rows', () => {
    expect(timeline([]).marks).toEqual([]);
  });
});
