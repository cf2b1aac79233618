// The Traffic panel's summary of the live stream: rates per kind and name, the connections and
// users that send most, and a sample of rows (one per kind and name each second) with a count
// of the rows like it that were not shown. At thousands of rows a second a tail scrolls faster
// than anyone can read; these numbers stay readable at any rate.
//
// Rows are counted into one bucket per second (server time) and only the last `windowSec`
// buckets are kept; every map in a bucket is bounded, and what does not fit is counted as
// "other", so memory stays bounded however many names or connections there are.
import type { TapKind, TrafficRow } from '../../api/generated/api';

/** Kinds a connection sends (client to server); the rest are sent to it or are the server's. */
export const SENT_KINDS: ReadonlySet<TapKind> = new Set<TapKind>([
  'request_in', 'server_reply', 'server_reply_error', 'subscribe', 'unsubscribe', 'frame_error',
]);

/** The key under which what did not fit a bounded map is counted. */
export const OTHER = '(other)';

/** Sample rows a snapshot lists at most (the rest are counted as not shown). */
export const MAX_SAMPLES = 200;

export interface NameRate {
  kind: TapKind;
  name: string | null;
  count: number;
  perSec: number;
  bytes: number;
}

export interface KindRate {
  kind: TapKind;
  count: number;
  perSec: number;
}

export interface Talker {
  /** Connection id or user name (`OTHER` for what did not fit). */
  key: string;
  user: string | null;
  role: string | null;
  /** Rows the connection or user sent. */
  sent: number;
  /** Every row about it (sent, received, membership). */
  total: number;
  sentPerSec: number;
}

export interface Sample {
  row: TrafficRow;
  /** Rows of the same kind and name in the same second that are not shown. */
  hidden: number;
}

export interface SummarySnapshot {
  /** Seconds the rates are computed over (at most the window). */
  seconds: number;
  total: number;
  perSec: number;
  kinds: KindRate[];
  names: NameRate[];
  conns: Talker[];
  users: Talker[];
  /** Newest first. */
  samples: Sample[];
  /** Rows in the window that no sample shows. */
  notSampled: number;
}

interface Counted {
  count: number;
  bytes: number;
}

interface Party {
  user: string | null;
  role: string | null;
  sent: number;
  total: number;
}

interface Bucket {
  sec: number;
  total: number;
  names: Map<string, Counted & { kind: TapKind; name: string | null }>;
  conns: Map<string, Party>;
  users: Map<string, Party>;
  samples: Map<string, Sample>;
  /** Rows of kinds and names past the samples' bound. */
  unsampled: number;
}

export interface SummaryOptions {
  /** Seconds kept and averaged over. */
  windowSec?: number;
  /** Most distinct keys per map and second (names, connections, users, samples). */
  maxKeys?: number;
}

/** The entry for `key`, or for `OTHER` once the map holds `max` keys (then `max + 1`). */
function bump<T>(map: Map<string, T>, key: string, max: number, fresh: (key: string) => T): T {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= max) key = OTHER;
    v = map.get(key);
    if (v === undefined) {
      v = fresh(key);
      map.set(key, v);
    }
  }
  return v;
}

function party(key: string, r: TrafficRow): Party {
  return key === OTHER ? { user: null, role: null, sent: 0, total: 0 } : { user: r.user, role: r.role, sent: 0, total: 0 };
}

export class TrafficSummary {
  readonly windowSec: number;
  readonly maxKeys: number;
  private buckets: Bucket[] = [];
  /** Time of the first row counted (server time, microseconds). */
  private firstUs: number | null = null;
  /** The server's clock as of the last batch (or row). */
  private nowUs = 0;

  constructor(opts: SummaryOptions = {}) {
    this.windowSec = opts.windowSec ?? 10;
    this.maxKeys = opts.maxKeys ?? 2_000;
  }

  /** Count `rows` that pass `test`; `nowUs` is the server's time of the batch, so a window
   * without traffic empties as time goes by. */
  add(rows: readonly TrafficRow[], test: ((r: TrafficRow) => boolean) | null, nowUs?: number): void {
    for (const r of rows) {
      if (test && !test(r)) continue;
      this.count(r);
    }
    if (nowUs !== undefined) this.nowUs = Math.max(this.nowUs, nowUs);
    this.prune();
  }

  clear(): void {
    this.buckets = [];
    this.firstUs = null;
  }

  private bucket(sec: number): Bucket | null {
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.sec === sec) return last;
    const found = this.buckets.find((b) => b.sec === sec);
    if (found) return found;
    const newest = Math.max(last?.sec ?? sec, Math.floor(this.nowUs / 1e6));
    if (sec <= newest - this.windowSec) return null;
    const b: Bucket = { sec, total: 0, names: new Map(), conns: new Map(), users: new Map(), samples: new Map(), unsampled: 0 };
    this.buckets.push(b);
    this.buckets.sort((x, y) => x.sec - y.sec);
    return b;
  }

  private count(r: TrafficRow): void {
    const b = this.bucket(Math.floor(r.at_us / 1e6));
    if (!b) return;
    this.nowUs = Math.max(this.nowUs, r.at_us);
    if (this.firstUs === null || r.at_us < this.firstUs) this.firstUs = r.at_us;
    b.total++;
    const nameKey = `${r.kind}\u0000${r.name ?? ''}`;
    const n = bump(b.names, nameKey, this.maxKeys, (k) => ({ kind: r.kind, name: k === OTHER ? OTHER : r.name, count: 0, bytes: 0 }));
    n.count++;
    n.bytes += r.size;
    const sent = SENT_KINDS.has(r.kind) ? 1 : 0;
    if (r.conn) {
      const p = bump(b.conns, r.conn, this.maxKeys, (k) => party(k, r));
      if (p !== b.conns.get(OTHER)) {
        p.user ??= r.user;
        p.role ??= r.role;
      }
      p.sent += sent;
      p.total++;
    }
    if (r.user) {
      const p = bump(b.users, r.user, this.maxKeys, (k) => party(k, r));
      p.sent += sent;
      p.total++;
    }
    const s = b.samples.get(nameKey);
    if (s) s.hidden++;
    else if (b.samples.size < this.maxKeys) b.samples.set(nameKey, { row: r, hidden: 0 });
    else b.unsampled++;
  }

  private prune(): void {
    const newest = Math.max(this.buckets[this.buckets.length - 1]?.sec ?? 0, Math.floor(this.nowUs / 1e6));
    while (this.buckets.length && this.buckets[0].sec <= newest - this.windowSec) this.buckets.shift();
  }

  /** Rates over the window: the `top` busiest kinds and names, the `talkers` connections and
   * users sending most. */
  snapshot(top = 15, talkers = top): SummarySnapshot {
    const names = new Map<string, NameRate>();
    const kinds = new Map<TapKind, KindRate>();
    const conns = new Map<string, Talker>();
    const users = new Map<string, Talker>();
    const samples: Sample[] = [];
    let total = 0;
    let notSampled = 0;
    for (const b of this.buckets) {
      total += b.total;
      for (const [k, n] of b.names) {
        const agg = names.get(k) ?? { kind: n.kind, name: n.name, count: 0, perSec: 0, bytes: 0 };
        agg.count += n.count;
        agg.bytes += n.bytes;
        names.set(k, agg);
        const ka = kinds.get(n.kind) ?? { kind: n.kind, count: 0, perSec: 0 };
        ka.count += n.count;
        kinds.set(n.kind, ka);
      }
      for (const [from, into] of [[b.conns, conns], [b.users, users]] as const) {
        for (const [k, p] of from) {
          const t = into.get(k) ?? { key: k, user: p.user, role: p.role, sent: 0, total: 0, sentPerSec: 0 };
          t.user ??= p.user;
          t.role ??= p.role;
          t.sent += p.sent;
          t.total += p.total;
          into.set(k, t);
        }
      }
      for (const s of b.samples.values()) {
        samples.push(s);
        notSampled += s.hidden;
      }
      notSampled += b.unsampled;
    }
    const seconds = this.seconds();
    const rate = (n: number) => n / seconds;
    const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
    const bySent = (a: Talker, b: Talker) => b.sent - a.sent || b.total - a.total;
    const fin = (t: Talker) => ({ ...t, sentPerSec: rate(t.sent) });
    samples.sort((a, b) => b.row.at_us - a.row.at_us);
    for (const s of samples.slice(MAX_SAMPLES)) notSampled += 1 + s.hidden;
    return {
      seconds,
      total,
      perSec: rate(total),
      kinds: [...kinds.values()].map((k) => ({ ...k, perSec: rate(k.count) })).sort(byCount),
      names: [...names.values()].map((n) => ({ ...n, perSec: rate(n.count) })).sort(byCount).slice(0, top),
      conns: [...conns.values()].sort(bySent).slice(0, talkers).map(fin),
      users: [...users.values()].sort(bySent).slice(0, talkers).map(fin),
      samples: samples.slice(0, MAX_SAMPLES),
      notSampled,
    };
  }

  /** The span the window covers: from its start (or the first row, if later) to now, at least
   * one second. */
  private seconds(): number {
    if (this.firstUs === null || this.buckets.length === 0) return 1;
    const newestSec = Math.max(this.buckets[this.buckets.length - 1].sec, Math.floor(this.nowUs / 1e6));
    const startUs = Math.max(this.firstUs, (newestSec - this.windowSec + 1) * 1e6);
    const endUs = Math.max(this.nowUs, startUs);
    return Math.min(this.windowSec, Math.max(1, (endUs - startUs) / 1e6));
  }
}
