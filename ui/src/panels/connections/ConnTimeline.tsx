// One connection's recorded traffic on one time axis, a lane each for what the client sent, what
// it was sent, its errors and its room and topic changes (a swimlane like a flight recorder's).
// Hovering a mark names it; a click opens that row in the Traffic panel's history.
import type { TrafficRow } from '../../api/generated/api';
import { navigate } from '../../app/router';
import { clock } from '../../state/format';
import { LANES, timeline } from './timeline';

const W = 440;
const LABEL = 92;
const LANE_H = 22;
const AXIS_H = 18;

const COLOUR: Record<string, string> = {
  received: 'var(--accent)',
  sent: '#3fb950',
  errors: '#f85149',
  membership: '#d2a8ff',
};

export function ConnTimeline({ rows, conn }: { rows: TrafficRow[]; conn: string }) {
  const t = timeline(rows);
  if (t.marks.length === 0) return <div class="muted">Nothing recorded yet.</div>;
  const plot = W - LABEL - 8;
  const h = LANES.length * LANE_H + AXIS_H;
  const laneY = new Map(LANES.map((l, i) => [l.lane, i * LANE_H + LANE_H / 2]));
  const ticks = [0, 0.5, 1].map((f) => ({ f, us: t.startUs + f * (t.endUs - t.startUs) }));
  return (
    <svg class="conn-timeline" viewBox={`0 0 ${W} ${h}`} width="100%" style={{ aspectRatio: `${W} / ${h}` }} role="img" aria-label={`Timeline of ${t.marks.length} recorded rows`} data-testid="conn-timeline">
      {LANES.map((l, i) => (
        <g key={l.lane}>
          <rect x={0} y={i * LANE_H} width={W} height={LANE_H} fill={i % 2 ? 'rgba(255,255,255,.02)' : 'rgba(255,255,255,.05)'} />
          <text x={4} y={i * LANE_H + 15} class="tl-label">{l.label}</text>
        </g>
      ))}
      {t.marks.map((m) => {
        const x = LABEL + m.x * plot;
        const y = laneY.get(m.lane) ?? 0;
        return (
          <rect
            key={`${m.row.seq ?? ''}-${m.row.at_us}-${m.row.kind}`}
            x={x - 1.5}
            y={y - 7}
            width={3}
            height={14}
            rx={1}
            fill={COLOUR[m.lane]}
            class="tl-mark"
            data-lane={m.lane}
            onClick={() => navigate('traffic', { conn, mode: 'history' })}
          >
            <title>{`${clock(m.row.at_us)} ${m.row.kind}${m.row.name ? ` ${m.row.name}` : ''}${m.row.rooms.length ? ` (${m.row.rooms.join(', ')})` : ''}`}</title>
          </rect>
        );
      })}
      {ticks.map(({ f, us }) => (
        <text key={f} x={LABEL + f * plot} y={h - 4} class="tl-tick" text-anchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}>
          {clock(us).slice(0, 8)}
        </text>
      ))}
    </svg>
  );
}
