// The rows of the live tail that the current filter selects, as a view over the ring: the ring
// keeps everything the stream sent, the view keeps the positions of the rows that match. A new
// filter rescans what was collected (nothing is thrown away); new rows are tested once as they
// arrive. Positions are absolute (the n-th row ever pushed), so rows leaving the front of a full
// ring do not disturb the rest.
import type { Ring } from './ring';

export class TailView<T> {
  private test: ((row: T) => boolean) | null = null;
  /** Absolute positions of matching rows, ascending, from `head` on. */
  private hits: number[] = [];
  private head = 0;
  /** Absolute position up to which rows were tested. */
  private scanned = 0;

  constructor(private ring: Ring<T>) {
    this.scanned = this.first();
  }

  /** Absolute position of the ring's oldest row. */
  private first(): number {
    return this.ring.total - this.ring.length;
  }

  /** Show only rows passing `test` (`null`: every row), rescanning the collected rows. */
  setFilter(test: ((row: T) => boolean) | null): void {
    this.test = test;
    this.hits = [];
    this.head = 0;
    this.scanned = this.first();
    this.update();
  }

  /** Take in rows pushed since the last call, and forget rows the ring let go. */
  update(): void {
    const first = this.first();
    if (this.test === null) {
      this.scanned = this.ring.total;
      return;
    }
    while (this.head < this.hits.length && this.hits[this.head] < first) this.head++;
    if (this.head > 4096 && this.head * 2 > this.hits.length) {
      this.hits = this.hits.slice(this.head);
      this.head = 0;
    }
    for (let abs = Math.max(this.scanned, first); abs < this.ring.total; abs++) {
      if (this.test(this.ring.at(abs - first) as T)) this.hits.push(abs);
    }
    this.scanned = this.ring.total;
  }

  get length(): number {
    return this.test === null ? this.ring.length : this.hits.length - this.head;
  }

  /** Absolute position of the i-th shown row. */
  absAt(i: number): number {
    return this.test === null ? this.first() + i : this.hits[this.head + i];
  }

  at(i: number): T | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.ring.at(this.absAt(i) - this.first());
  }

  /** Index among the shown rows of the row at absolute position `abs`, or -1. */
  indexOfAbs(abs: number): number {
    if (abs < this.first() || abs >= this.ring.total) return -1;
    if (this.test === null) return abs - this.first();
    let lo = this.head;
    let hi = this.hits.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.hits[mid];
      if (v === abs) return mid - this.head;
      if (v < abs) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
