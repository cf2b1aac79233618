// A bounded list of the newest items: the live tail keeps the last `capacity` rows in place,
// without copying the whole list on every batch.
export class Ring<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;
  /** Items ever pushed, including those pushed out. */
  total = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(batch: readonly T[]): void {
    for (const item of batch) {
      const end = (this.start + this.count) % this.capacity;
      this.items[end] = item;
      if (this.count < this.capacity) this.count++;
      else this.start = (this.start + 1) % this.capacity;
      this.total++;
    }
  }

  /** The i-th item, oldest first. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.capacity];
  }

  clear(): void {
    this.items = new Array(this.capacity);
    this.start = 0;
    this.count = 0;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i) as T);
    return out;
  }
}
