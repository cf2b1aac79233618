// Messages per second by category, as a live uPlot chart over the chosen last minutes.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

import type { RateSample } from '../../api/generated/api';
import { RATE_SERIES, toColumns } from '../../state/rates';

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

export function RateChart({ samples, minutes }: { samples: RateSample[]; minutes: number }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const opts: uPlot.Options = {
      width: host.clientWidth || 800,
      height: 240,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.1)] } },
      axes: [
        { stroke: '#8b949e', grid: { stroke: '#21262d' }, ticks: { stroke: '#30363d' } },
        { stroke: '#8b949e', grid: { stroke: '#21262d' }, ticks: { stroke: '#30363d' }, label: 'msg/s', labelSize: 16 },
      ],
      series: [
        {},
        ...RATE_SERIES.map((name) => ({
          label: name,
          stroke: COLORS[name],
          width: 1.5,
          points: { show: false },
        })),
      ],
    };
    plot.current = new uPlot(opts, toColumns([]) as uPlot.AlignedData, host);
    const ro = typeof ResizeObserver !== 'undefined'
      ? new ResizeObserver(() => plot.current?.setSize({ width: host.clientWidth, height: 240 }))
      : null;
    ro?.observe(host);
    return () => {
      ro?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    const last = samples.length ? samples[samples.length - 1].t : 0;
    const shown = samples.filter((s) => s.t > last - minutes * 60);
    plot.current?.setData(toColumns(shown) as uPlot.AlignedData);
  }, [samples, minutes]);

  return <div ref={el} class="chart" data-testid="rate-chart" />;
}
