import { emptyForm, formFromParams, formToFilter, formToParams, list } from '../src/state/filter';

test('a form becomes the API filter', () => {
  const f = { ...emptyForm(), room: 'lobby, ops', user: ' alice ', text: '  hi ' };
  const t = formToFilter(f, false);
  expect(t.rooms).toEqual(['lobby', 'ops']);
  expect(t.users).toEqual(['alice']);
  expect(t.text).toBe('hi');
  expect(t.since_us).toBeNull();
  expect(list(' , ')).toEqual([]);
});

test('route parameters round-trip', () => {
  const f = formFromParams({ conn: 'abc-1', kind: 'emit,to_conn' });
  expect(f.conn).toBe('abc-1');
  expect(f.kinds).toEqual(['emit', 'to_conn']);
  expect(formToParams(f)).toEqual({ conn: 'abc-1', kind: 'emit,to_conn' });
});
