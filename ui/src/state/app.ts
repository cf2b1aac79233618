// The console's shared state: one API client, one live stream, and the stores the panels draw
// from. Panels fetch their own snapshots; the live stream keeps the shared parts current.
import { ApiClient } from '../api/client';
import { LiveStream, type LiveState } from '../api/live';
import type {
  HostInfo,
  LiveBatch,
  LiveSummary,
  NodeList,
  RateSample,
  TrafficFilter,
  TrafficRow,
} from '../api/generated/api';
import { Membership } from './membership';
import { mergeRates } from './rates';
import { Ring } from './ring';
import { Store } from './store';

/** Live rows kept for the traffic tail. */
export const TAIL_CAPACITY = 100_000;
/** How often the node links are re-read (the status bar's states). */
export const NODES_EVERY_MS = 2_000;

export interface BatchStats {
  /** Size of the last batch message, in bytes. */
  bytes: number;
  rows: number;
  changes: number;
  skipped: number;
  /** Batches received since the page opened. */
  count: number;
}

export class ConsoleState {
  readonly api: ApiClient;
  readonly host = new Store<HostInfo | null>(null);
  readonly summary = new Store<LiveSummary | null>(null);
  readonly rates = new Store<RateSample[]>([]);
  readonly membership = new Membership();
  /** Bumped when membership changed (the graph redraws). */
  readonly membershipVersion = new Store(0);
  /** Bumped when snapshots must be reloaded (gap, drop, reconnect). */
  readonly resyncs = new Store(0);
  readonly liveState = new Store<LiveState>('connecting');
  readonly batchStats = new Store<BatchStats>({ bytes: 0, rows: 0, changes: 0, skipped: 0, count: 0 });
  /** The live tail: rows, bumped version, whether paused. */
  readonly tail = new Ring<TrafficRow>(TAIL_CAPACITY);
  readonly tailVersion = new Store(0);
  readonly tailSkipped = new Store(0);
  /** The nodes the console follows and its link to each (`/api/nodes`). */
  readonly nodes = new Store<NodeList | null>(null);
  private live: LiveStream | null = null;
  private batchListeners = new Set<(b: LiveBatch) => void>();

  constructor(token: string, base = '') {
    this.api = new ApiClient(token, base);
  }

  start(): void {
    this.api.get<HostInfo>('/api/host').then((h) => this.host.set(h), () => {});
    this.live = new LiveStream(this.api.wsUrl('/api/live'), {
      batch: (b, bytes) => this.onBatch(b, bytes),
      resync: () => this.resyncs.update((n) => n + 1),
      state: (s) => this.liveState.set(s),
    });
    this.live.start();
    this.refreshNodes();
    setInterval(() => {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') this.refreshNodes();
    }, NODES_EVERY_MS);
  }

  /** Re-read the node links now (after adding or removing one, and every few seconds). */
  refreshNodes(): void {
    this.api.get<NodeList>('/api/nodes').then((n) => this.nodes.set(n), () => {});
  }

  /** Whether the console follows nodes in other processes (`switchboard attach`). */
  attachMode(): boolean {
    return this.nodes.get()?.mode === 'attach';
  }

  /** Start, change or stop (`null`) the traffic tail. */
  setTail(filter: TrafficFilter | null): void {
    this.live?.setTail(filter);
  }

  /** Extra per-batch listeners (panels with their own live bookkeeping). */
  onLiveBatch(f: (b: LiveBatch) => void): () => void {
    this.batchListeners.add(f);
    return () => this.batchListeners.delete(f);
  }

  onBatch(b: LiveBatch, bytes: number): void {
    this.summary.set(b.summary);
    if (b.rates.length) this.rates.set(mergeRates(this.rates.get(), b.rates));
    if (b.changes.length && this.membership.apply(b.changes)) {
      this.membershipVersion.set(this.membership.version);
    }
    if (b.resync && this.attachMode()) this.refreshNodes();
    if (b.traffic.length) {
      this.tail.push(b.traffic);
      this.tailVersion.update((n) => n + 1);
    }
    if (b.traffic_skipped) this.tailSkipped.update((n) => n + b.traffic_skipped);
    const prev = this.batchStats.get();
    this.batchStats.set({
      bytes,
      rows: b.traffic.length,
      changes: b.changes.length,
      skipped: b.traffic_skipped,
      count: prev.count + 1,
    });
    for (const f of this.batchListeners) f(b);
  }
}
