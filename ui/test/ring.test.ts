import { Ring } from '../src/state/ring';

test('keeps the newest items, oldest first', () => {
  const r = new Ring<number>(3);
  r.push([1, 2]);
  r.push([3, 4, 5]);
  expect(r.length).toBe(3);
  expect(r.toArray()).toEqual([3, 4, 5]);
  expect(r.at(0)).toBe(3);
  expect(r.at(3)).toBeUndefined();
  expect(r.total).toBe(5);
  r.clear();
  expect(r.length).toBe(0);
});
