import { Ring } from '../src/state/ring';
import { TailView } from '../src/state/tailview';

test('a new filter rescans what was collected, and widening it brings rows back', () => {
  const ring = new Ring<number>(100);
  ring.push([1, 2, 3, 4, 5, 6]);
  const view = new TailView(ring);
  expect(view.length).toBe(6);
  view.setFilter((n) => n % 2 === 0);
  expect([0, 1, 2].map((i) => view.at(i))).toEqual([2, 4, 6]);
  ring.push([7, 8]);
  view.update();
  expect(view.length).toBe(4);
  expect(view.at(3)).toBe(8);
  view.setFilter(null);
  expect(view.length).toBe(8);
});

test('positions survive rows leaving a full ring', () => {
  const ring = new Ring<number>(5);
  const view = new TailView(ring);
  view.setFilter((n) => n % 2 === 1);
  ring.push([1, 2, 3, 4, 5]);
  view.update();
  const abs = view.absAt(1); // the row 3
  expect(view.at(view.indexOfAbs(abs))).toBe(3);
  ring.push([6, 7]); // 1 and 2 leave
  view.update();
  expect(view.length).toBe(3);
  expect(view.indexOfAbs(abs)).toBe(0);
  expect(view.at(view.indexOfAbs(abs))).toBe(3);
  ring.push([8, 9, 10]); // 3, 4 and 5 leave
  view.update();
  expect(view.indexOfAbs(abs)).toBe(-1);
  expect([0, 1].map((i) => view.at(i))).toEqual([7, 9]);
  expect(view.length).toBe(2);
});

test('clearing the ring empties the view', () => {
  const ring = new Ring<number>(10);
  ring.push([1, 2, 3]);
  const view = new TailView(ring);
  view.setFilter(() => true);
  ring.clear();
  view.update();
  expect(view.length).toBe(0);
  ring.push([4]);
  view.update();
  expect(view.at(0)).toBe(4);
});
