// The traffic filter as a form (strings people type) and as the API's TrafficFilter.
import type { TapKind, TrafficFilter, TrafficRow } from '../api/generated/api';
import { fromLocalInput } from './format';

export interface FilterForm {
  kinds: TapKind[];
  name: string;
  role: string;
  room: string;
  topic: string;
  conn: string;
  user: string;
  /** Node ids (attach mode). */
  node: string;
  text: string;
  /** `text` is a regular expression (matched here, in the browser: the server only knows
   * substrings). */
  regex: boolean;
  /** `datetime-local` values. */
  since: string;
  until: string;
}

export const KIND_GROUPS: { label: string; kinds: TapKind[] }[] = [
  { label: 'Requests', kinds: ['request_in', 'response_out', 'error_out'] },
  { label: 'Pushes', kinds: ['emit', 'to_conn', 'to_user', 'room_broadcast', 'broadcast'] },
  { label: 'Topics & bus', kinds: ['role_publish', 'shared_publish', 'bus_local', 'bus_out', 'bus_in', 'bus_in_rejected'] },
  { label: 'Server requests', kinds: ['server_request', 'server_reply', 'server_reply_error'] },
  { label: 'Membership', kinds: ['room_add', 'room_remove', 'subscribe', 'subscribe_ack', 'unsubscribe', 'subscribe_denied'] },
  { label: 'Lifecycle', kinds: ['connect', 'env', 'disconnect', 'heartbeat_reap', 'slow_consumer', 'auth_refused', 'frame_error', 'conn_error'] },
  { label: 'Heartbeat', kinds: ['ping', 'pong'] },
];

/** Kinds left out unless picked: a ping and a pong per connection every heartbeat would
 * bury everything else. */
export const HIDDEN_KINDS: TapKind[] = ['ping', 'pong'];

/** What goes wrong: errors answered or returned, rejected bus messages, denied subscriptions,
 * slow consumers, refused authentications and frames that could not be read. */
export const PROBLEM_KINDS: TapKind[] = [
  'error_out',
  'server_reply_error',
  'bus_in_rejected',
  'subscribe_denied',
  'slow_consumer',
  'auth_refused',
  'frame_error',
  'conn_error',
];

export function isProblems(kinds: readonly TapKind[]): boolean {
  return kinds.length === PROBLEM_KINDS.length && PROBLEM_KINDS.every((k) => kinds.includes(k));
}

export function emptyForm(): FilterForm {
  return { kinds: [], name: '', role: '', room: '', topic: '', conn: '', user: '', node: '', text: '', regex: false, since: '', until: '' };
}

/** `a, b` -> ['a', 'b']; empty -> []. */
export function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

export function formToFilter(f: FilterForm, withTime = true): TrafficFilter {
  return {
    since_us: withTime ? fromLocalInput(f.since) : null,
    until_us: withTime ? fromLocalInput(f.until) : null,
    kinds: f.kinds,
    ...(HIDDEN_KINDS.some((k) => f.kinds.includes(k)) ? {} : { exclude_kinds: HIDDEN_KINDS }),
    names: list(f.name),
    roles: list(f.role),
    rooms: list(f.room),
    topics: list(f.topic),
    conns: list(f.conn),
    users: list(f.user),
    ...(list(f.node).length ? { nodes: list(f.node) } : {}),
    origins: [],
    // A regular expression is applied in the browser (see `compileText`); the server is
    // asked for the rows the other fields select.
    text: f.text.trim() && !f.regex ? f.text.trim() : null,
  };
}

/** The text filter as a predicate on a payload's text, or an error for an invalid regex.
 * `null` when the form has no text (or sends it to the server as a substring). */
export function compileText(f: FilterForm): { test: ((s: string) => boolean) | null; error: string | null } {
  const text = f.text.trim();
  if (!text) return { test: null, error: null };
  if (!f.regex) {
    const needle = text.toLowerCase();
    return { test: (s) => s.toLowerCase().includes(needle), error: null };
  }
  try {
    const re = new RegExp(text, 'i');
    return { test: (s) => re.test(s), error: null };
  } catch (e) {
    return { test: null, error: e instanceof Error ? e.message : String(e) };
  }
}

const payloadTexts = new WeakMap<TrafficRow, string>();

/** The payload as text (cached per row): what the text filter searches. */
export function payloadText(row: TrafficRow): string {
  let s = payloadTexts.get(row);
  if (s === undefined) {
    s = row.payload_text ?? (row.payload === null || row.payload === undefined ? '' : JSON.stringify(row.payload));
    payloadTexts.set(row, s);
  }
  return s;
}

const anyOf = (wanted: string[], v: string | null) => wanted.length === 0 || (v !== null && wanted.includes(v));

/** Whether `row` matches `f` as the server would (`console-core/src/live/filter.rs`), with the
 * text test from `compileText` (substring or regex). */
export function rowMatches(f: TrafficFilter, text: ((s: string) => boolean) | null, row: TrafficRow): boolean {
  if ((f.since_us !== null && row.at_us < f.since_us) || (f.until_us !== null && row.at_us >= f.until_us)) return false;
  if (f.kinds.length && !f.kinds.includes(row.kind)) return false;
  if (f.exclude_kinds?.includes(row.kind)) return false;
  if (f.origins.length && !f.origins.includes(row.origin)) return false;
  if (!anyOf(f.names, row.name) || !anyOf(f.roles, row.role) || !anyOf(f.topics, row.topic) || !anyOf(f.conns, row.conn) || !anyOf(f.users, row.user)) {
    return false;
  }
  if (f.rooms.length && !row.rooms.some((r) => f.rooms.includes(r))) return false;
  if (f.nodes?.length && !anyOf(f.nodes, row.node ?? null)) return false;
  return text === null || text(payloadText(row));
}

/** A predicate for the whole form (`null`: everything matches), and the regex error if the
 * text is not a valid one (the text is then left out; the other fields still apply). */
export function formPredicate(f: FilterForm, withTime: boolean): { test: ((r: TrafficRow) => boolean) | null; error: string | null } {
  const filter = formToFilter(f, withTime);
  const text = compileText(f);
  const rest = { ...f, text: text.error ? '' : f.text, since: withTime ? f.since : '', until: withTime ? f.until : '' };
  if (isEmpty(rest)) return { test: null, error: text.error };
  return { test: (r) => rowMatches(filter, text.test, r), error: text.error };
}

const FIELDS = ['name', 'role', 'room', 'topic', 'conn', 'user', 'node', 'text'] as const;

/** A form prefilled from route parameters (`#/traffic?conn=...&room=...&kind=emit,to_conn`). */
export function formFromParams(params: Record<string, string>): FilterForm {
  const f = emptyForm();
  for (const k of FIELDS) if (params[k]) f[k] = params[k];
  if (params.kind) f.kinds = list(params.kind) as TapKind[];
  if (params.kind === 'problems') f.kinds = [...PROBLEM_KINDS];
  f.regex = params.re === '1';
  return f;
}

/** The route parameters that reproduce a form (for links such as "export this selection"). */
export function formToParams(f: FilterForm): Record<string, string> {
  const p: Record<string, string> = {};
  for (const k of FIELDS) if (f[k].trim()) p[k] = f[k].trim();
  if (f.kinds.length) p.kind = f.kinds.join(',');
  if (f.regex && f.text.trim()) p.re = '1';
  return p;
}

export function isEmpty(f: FilterForm): boolean {
  return f.kinds.length === 0 && FIELDS.every((k) => !f[k].trim()) && !f.since && !f.until;
}
