// Live uPlot charts over the chosen last minutes: messages per second by category with their
// total, and open connections. The time axis always spans the whole window (Unix seconds), so
// the first seconds draw the same clock ticks as the tenth minute.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

import type { RateSample } from '../../api/generated/api';
import { RATE_SERIES, toColumns, total, windowOf } from '../../state/rates';

const COLORS: Record<string, string> = {
  requests: '#2f81f7',
  responses: '#79c0ff',
  pushes: '#d2a8ff',
  broadcasts: '#3fb950',
  publishes: '#e3b341',
  membership: '#f0883e',
  lifecycle: '#8b949e',
  errors: '#ff7b72',
};

export interface Line {
  label: string;
  value: (s: RateSample) => number | null;
  color: string;
  width?: number;
  fill?: string;
}

export const RATE_LINES: Line[] = [
  { label: 'total', value: total, color: '#e6edf3', width: 2 },
  ...RATE_SERIES.map((name) => ({ label: name, value: (s: RateSample) => s[name], color: COLORS[name], width: 1.25 })),
];

export const CONNECTION_LINES: Line[] = [
  // Samples from a server that did not count connections yet carry none.
  { label: 'connections', value: (s) => s.connections ?? null, color: '#2f81f7', width: 2, fill: '#2f81f722' },
];

const AXIS = { stroke: '#8b949e', grid: { stroke: '#21262d' }, ticks: { stroke: '#30363d' } };

/** `12:34:56` for seconds ticks, `12:34` for minutes: local clock time, never dates. */
function tickLabels(_u: uPlot, ticks: number[], _space: number, _incr: number): string[] {
  const span = ticks.length > 1 ? ticks[1] - ticks[0] : 60;
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    const p = (n: number) => String(n).padStart(2, '0');
    return span < 60 ? `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` : `${p(d.getHours())}:${p(d.getMinutes())}`;
  });
}

export function TimeChart({ samples, minutes, lines, unit, height = 240, testId }: { samples: RateSample[]; minutes: number; lines: Line[]; unit: string; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef<[number, number]>([0, 60]);

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const opts: uPlot.Options = {
      width: host.clientWidth || 800,
      height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Seconds (uPlot's default for time scales), over the chosen window.
        x: { time: true, range: () => range.current },
        y: { range: (_u, _min, max) => [0, Math.max(5, (max ?? 0) * 1.1)] },
      },
      axes: [
        { ...AXIS, values: tickLabels, space: 70 },
        { ...AXIS, label: unit, labelSize: 16, size: 56 },
      ],
      series: [
        { label: 'time', value: (_u, t) => (t == null ? '--' : new Date(t * 1000).toLocaleTimeString()) },
        ...lines.map((l) => ({ label: l.label, stroke: l.color, width: l.width ?? 1.5, fill: l.fill, points: { show: false } })),
      ],
    };
    plot.current = new uPlot(opts, toColumns([], []).concat(lines.map(() => [])) as uPlot.AlignedData, host);
    // Tests read the chart's scales and ticks through its container (it draws on a canvas).
    (host as HTMLDivElement & { __plot?: uPlot }).__plot = plot.current;
    const ro = typeof ResizeObserver !== 'undefined'
      ? new ResizeObserver(() => plot.current?.setSize({ width: host.clientWidth, height }))
      : null;
    ro?.observe(host);
    return () => {
      ro?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    const end = samples.length ? samples[samples.length - 1].t : Math.floor(Date.now() / 1000);
    const { shown, range: r } = windowOf(samples, minutes, end);
    range.current = r;
    plot.current?.setData(toColumns(shown, lines.map((l) => l.value)) as uPlot.AlignedData);
  }, [samples, minutes]);

  return <div ref={el} class="chart" data-testid={testId} />;
}
