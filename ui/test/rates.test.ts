import type { RateSample } from '../src/api/generated/api';
import { HISTORY_SECS, mergeRates, toColumns, total } from '../src/state/rates';

const s = (t: number, requests = 1): RateSample => ({ t, requests, responses: 0, errors: 0, pushes: 0, broadcasts: 0, publishes: 0, membership: 0, lifecycle: 0 });

test('merges by second and keeps ten minutes', () => {
  const a = mergeRates([s(1), s(2)], [s(2, 5), s(3)]);
  expect(a.map((x) => [x.t, x.requests])).toEqual([[1, 1], [2, 5], [3, 1]]);
  const many = mergeRates([], Array.from({ length: HISTORY_SECS + 10 }, (_, i) => s(i)));
  expect(many.length).toBe(HISTORY_SECS);
  expect(many[0].t).toBe(10);
  expect(total(s(1, 7))).toBe(7);
  expect(toColumns([s(1)])[0]).toEqual([1]);
});
