import type { RateSample } from '../src/api/generated/api';
import { HISTORY_SECS, mergeRates, recentErrors, toColumns, total, windowOf } from '../src/state/rates';

const s = (t: number, requests = 1): RateSample => ({ t, requests, responses: 0, errors: 0, pushes: 0, broadcasts: 0, publishes: 0, membership: 0, lifecycle: 0, connections: 3 });

test('merges by second and keeps ten minutes', () => {
  const a = mergeRates([s(1), s(2)], [s(2, 5), s(3)]);
  expect(a.map((x) => [x.t, x.requests])).toEqual([[1, 1], [2, 5], [3, 1]]);
  const many = mergeRates([], Array.from({ length: HISTORY_SECS + 10 }, (_, i) => s(i)));
  expect(many.length).toBe(HISTORY_SECS);
  expect(many[0].t).toBe(10);
  expect(total(s(1, 7))).toBe(7);
  expect(toColumns([s(1)])[0]).toEqual([1]);
});

test('the chart window spans its minutes from the first sample on', () => {
  const { shown, range } = windowOf([s(1_000), s(1_001)], 5, 1_001);
  expect(range).toEqual([1_001 - 300, 1_001]);
  expect(shown.length).toBe(2);
  expect(windowOf([s(100), s(1_000)], 1, 1_000).shown.map((x) => x.t)).toEqual([1_000]);
});

test('errors of the last minute', () => {
  const withErrors = (t: number, errors: number) => ({ ...s(t), errors });
  expect(recentErrors([withErrors(1, 5), withErrors(61, 2), withErrors(100, 1)])).toBe(3);
  expect(recentErrors([])).toBe(0);
});
