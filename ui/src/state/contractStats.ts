// What the Contract panel's per-message counts cover, in a sentence: the capture file's earlier
// rows (read once when the console starts) and the traffic since, or only the latter.
import type { StatsSource } from '../api/generated/api';
import { count } from './format';

const PRECISION = 'Latency percentiles are bucket upper bounds, at most 25 % above the true value.';

export function statsSourceText(s: StatsSource): string {
  if (!s.capture) return `Counts, errors and answer latencies since the console started (it records no capture file). ${PRECISION}`;
  if (s.error) return `Counts since the console started only: the capture file's earlier rows could not be read (${s.error}). ${PRECISION}`;
  if (s.loading) return "Counts since the console started; reading the capture file's earlier rows…";
  if (s.capture_rows === 0) return `Counts, errors and answer latencies since the console started, recorded into a capture file that held no earlier traffic. ${PRECISION}`;
  const rows = s.capture_rows === 1 ? '1 earlier row' : `${count(s.capture_rows)} earlier rows`;
  return `Counts, errors and answer latencies from the capture file (${rows}) and live since the console started. ${PRECISION}`;
}
