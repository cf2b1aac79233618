// The one live WebSocket. Batches arrive a few times a second; a gap in their `seq`, a batch
// marked `resync`, or a reconnect tells the listeners to reload their snapshots.
import type { LiveBatch, LiveCommand, TrafficFilter } from './generated/api';

export type LiveState = 'connecting' | 'open' | 'closed';

export interface LiveHandlers {
  batch(b: LiveBatch, bytes: number): void;
  resync(): void;
  state(s: LiveState): void;
}

export class LiveStream {
  private ws: WebSocket | null = null;
  private lastSeq = 0;
  private tail: TrafficFilter | null = null;
  private retry = 500;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private url: string, private handlers: LiveHandlers) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }

  /** Ask for traffic rows matching `filter`, or none (`null`). Re-sent after a reconnect. */
  setTail(filter: TrafficFilter | null): void {
    this.tail = filter;
    this.send(filter ? { type: 'tail', filter } : { type: 'untail' });
  }

  private send(cmd: LiveCommand): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(cmd));
  }

  private open(): void {
    this.handlers.state('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.lastSeq = 0;
      this.handlers.state('open');
      if (this.tail) this.send({ type: 'tail', filter: this.tail });
      this.handlers.resync();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let batch: LiveBatch;
      try {
        batch = JSON.parse(ev.data) as LiveBatch;
      } catch {
        return;
      }
      const gap = this.lastSeq !== 0 && batch.seq !== this.lastSeq + 1;
      this.lastSeq = batch.seq;
      this.handlers.batch(batch, ev.data.length);
      if (gap || batch.resync) this.handlers.resync();
    };
    ws.onclose = () => {
      this.ws = null;
      this.handlers.state('closed');
      if (this.stopped) return;
      this.timer = setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 5000);
    };
  }
}
