// Formatting for people: counts, sizes, times.
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** `12:34:56.789` in local time. */
export function clock(us: number): string {
  const d = new Date(us / 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `3 s ago`, `5 min ago`, `2 h ago`. */
export function ago(us: number | null, nowMs: number = Date.now()): string {
  if (us === null) return 'never';
  const s = Math.max(0, Math.round((nowMs - us / 1000) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** For `<input type="datetime-local">`: local time without seconds' fraction. */
export function toLocalInput(us: number): string {
  const d = new Date(us / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fromLocalInput(s: string): number | null {
  if (!s) return null;
  const ms = new Date(s).getTime();
  return Number.isFinite(ms) ? ms * 1000 : null;
}

/** A one-line preview of a payload. */
export function preview(payload: unknown, text: string | null, max = 160): string {
  let s = text ?? (payload === null || payload === undefined ? '' : JSON.stringify(payload));
  if (s.length > max) s = `${s.slice(0, max)}…`;
  return s;
}

/** A duration in microseconds, as people read it: `840 µs`, `12.3 ms`, `1.25 s`. */
export function latency(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 1 : 0)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** An arrow for a row's direction from the connection's side: sent → , received ←. */
export function arrow(direction: string | undefined): string {
  return direction === 'sent' ? '→' : direction === 'received' ? '←' : '';
}
