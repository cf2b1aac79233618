import { emptyForm, formFromParams, formToFilter, formToParams, list, rowMatches } from '../src/state/filter';

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

import type { TrafficRow } from '../src/api/generated/api';
import { PROBLEM_KINDS, compileText, formPredicate, isProblems } from '../src/state/filter';

const row = (over: Partial<TrafficRow> = {}): TrafficRow => ({
  seq: null, at_us: 1_000, kind: 'room_broadcast', name: 'message', conn: null, role: null, user: null,
  rooms: ['lobby', 'ops'], topic: null, payload: { text: 'Hello there' }, payload_text: null, size: 10,
  recipients: 3, origin: 'client', meta: null, ...over,
});

test('the browser matches rows as the server does: every given field, any of its values', () => {
  const f = { ...emptyForm(), room: 'ops', text: 'HELLO' };
  const p = formPredicate(f, false);
  expect(p.test?.(row())).toBe(true);
  expect(p.test?.(row({ rooms: ['dev'] }))).toBe(false);
  expect(formPredicate({ ...f, user: 'alice' }, false).test?.(row())).toBe(false);
  expect(formPredicate(emptyForm(), false).test).toBeNull();
});

test('a regex stays in the browser; an invalid one is an error and leaves the other fields on', () => {
  const f = { ...emptyForm(), room: 'ops', text: 'hel+o\\s+th', regex: true };
  expect(formToFilter(f, false).text).toBeNull();
  expect(formPredicate(f, false).test?.(row())).toBe(true);
  const bad = formPredicate({ ...f, text: '(unclosed' }, false);
  expect(bad.error).toBeTruthy();
  expect(bad.test?.(row())).toBe(true);
  expect(bad.test?.(row({ rooms: ['dev'] }))).toBe(false);
  expect(compileText({ ...emptyForm(), text: '[', regex: true }).error).toBeTruthy();
  expect(compileText({ ...emptyForm(), text: '[' }).error).toBeNull();
  expect(formToParams(f)).toEqual({ room: 'ops', text: 'hel+o\\s+th', re: '1' });
  expect(formFromParams({ text: 'a|b', re: '1' }).regex).toBe(true);
});

test('the problems preset', () => {
  expect(isProblems([...PROBLEM_KINDS].reverse())).toBe(true);
  expect(isProblems(['error_out'])).toBe(false);
  expect(formFromParams({ kind: 'problems' }).kinds).toEqual(PROBLEM_KINDS);
  for (const k of ['error_out', 'bus_in_rejected', 'subscribe_denied', 'slow_consumer', 'auth_refused', 'frame_error'] as const) {
    expect(PROBLEM_KINDS).toContain(k);
  }
});

test('a node filter (attach mode) selects the rows of those nodes only, and is left out when empty', () => {
  expect(formToFilter(emptyForm(), false).nodes).toBeUndefined();
  const f = { ...emptyForm(), node: 'node-a, node-b' };
  expect(formToFilter(f, false).nodes).toEqual(['node-a', 'node-b']);
  const p = formPredicate(f, false).test!;
  expect(p(row({ node: 'node-a' }))).toBe(true);
  expect(p(row({ node: 'node-c' }))).toBe(false);
  expect(p(row())).toBe(false);
  expect(formToParams(f)).toEqual({ node: 'node-a, node-b' });
});

test('pings and pongs are hidden unless picked', () => {
  const hidden = formToFilter(emptyForm());
  expect(hidden.exclude_kinds).toEqual(['ping', 'pong']);
  const ping: TrafficRow = { seq: 1, at_us: 1, kind: 'ping', name: null, conn: 'c1', role: 'user', user: 'u', rooms: [], topic: null, payload: null, payload_text: null, size: 12, recipients: null, origin: 'server', meta: null };
  expect(rowMatches(hidden, null, ping)).toBe(false);
  const picked = formToFilter({ ...emptyForm(), kinds: ['ping', 'pong'] });
  expect(picked.exclude_kinds).toBeUndefined();
  expect(rowMatches(picked, null, ping)).toBe(true);
});
