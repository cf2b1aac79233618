// Messages per second by category, the last ten minutes, for the overview chart.
import type { RateSample } from '../api/generated/api';

export const RATE_SERIES = [
  'requests',
  'responses',
  'pushes',
  'broadcasts',
  'publishes',
  'membership',
  'lifecycle',
  'errors',
] as const;
export type RateSeries = (typeof RATE_SERIES)[number];

export const HISTORY_SECS = 600;

/** Merge `incoming` into `samples` by second (a second seen again is replaced), oldest first,
 * keeping the last `HISTORY_SECS`. */
export function mergeRates(samples: RateSample[], incoming: RateSample[]): RateSample[] {
  if (incoming.length === 0) return samples;
  const byT = new Map<number, RateSample>();
  for (const s of samples) byT.set(s.t, s);
  for (const s of incoming) byT.set(s.t, s);
  const all = [...byT.values()].sort((a, b) => a.t - b.t);
  return all.slice(Math.max(0, all.length - HISTORY_SECS));
}

export function total(s: RateSample): number {
  return RATE_SERIES.reduce((n, k) => n + s[k], 0);
}

/** Columns for uPlot: times, then one array per series. */
export function toColumns(samples: RateSample[], series: ((s: RateSample) => number | null)[] = RATE_SERIES.map((k) => (s: RateSample) => s[k])): (number | null)[][] {
  return [samples.map((s) => s.t), ...series.map((f) => samples.map(f))];
}

/** The samples of the last `minutes` before `end` (Unix seconds), and the x range to draw: the
 * whole window, whatever part of it has samples yet. */
export function windowOf(samples: RateSample[], minutes: number, end: number): { shown: RateSample[]; range: [number, number] } {
  const start = end - minutes * 60;
  return { shown: samples.filter((s) => s.t > start && s.t <= end), range: [start, end] };
}

/** Errors over the last `secs` seconds of samples. */
export function recentErrors(samples: RateSample[], secs = 60): number {
  if (samples.length === 0) return 0;
  const last = samples[samples.length - 1].t;
  let n = 0;
  for (let i = samples.length - 1; i >= 0 && samples[i].t > last - secs; i--) n += samples[i].errors;
  return n;
}
